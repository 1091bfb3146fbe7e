/**
 * G.711 µ-law and A-law: each 8-bit code → its 16-bit linear value as ITU-T G.711 defines it
 * (the expansion of Sun's reference g711.c, which sox and libsndfile use too), divided by 32768
 * like 16-bit PCM. µ-law spans ±32124, A-law ±32256.
 */

function ulawToLinear(code: number): number {
  const u = ~code & 0xff
  const t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4)
  return u & 0x80 ? 0x84 - t : t - 0x84
}

function alawToLinear(code: number): number {
  const a = code ^ 0x55
  const seg = (a & 0x70) >> 4
  let t = (a & 0x0f) << 4
  t = seg === 0 ? t + 8 : (t + 0x108) << Math.max(0, seg - 1)
  return a & 0x80 ? t : -t
}

/** µ-law code → sample in [-1, 1). */
export const ULAW = Float32Array.from({ length: 256 }, (_, c) => ulawToLinear(c) / 32768)
/** A-law code → sample in [-1, 1). */
export const ALAW = Float32Array.from({ length: 256 }, (_, c) => alawToLinear(c) / 32768)
