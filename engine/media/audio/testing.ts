/** Test helpers: WAV files built byte by byte, so tests can also build broken ones. */

export interface WavSpec {
  /** WAVE format code: 1 PCM, 3 float, 0xfffe extensible (then `sub` gives the real code). */
  code?: number
  /** Sub-format code inside WAVE_FORMAT_EXTENSIBLE. */
  sub?: number
  /** Bits per sample. */
  bits: number
  /** Sample rate, Hz. */
  rate: number
  /** One array per channel, values in [-1, 1]. */
  channels: Float64Array[] | number[][]
  /** Override the data chunk's size field (to build lying headers). */
  dataSizeField?: number
}

export function makeWav(spec: WavSpec): Buffer {
  const { bits, rate, channels } = spec
  const code = spec.code ?? (bits === 64 || (bits === 32 && spec.sub === 3) ? 3 : 1)
  const nch = channels.length
  const frames = channels[0].length
  const bytes = bits / 8
  const data = Buffer.alloc(frames * nch * bytes)
  const float = code === 3 || spec.sub === 3
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < nch; c++) {
      const v = channels[c][i]
      const o = (i * nch + c) * bytes
      if (float) bits === 32 ? data.writeFloatLE(v, o) : data.writeDoubleLE(v, o)
      else if (bits === 8) data[o] = Math.max(0, Math.min(255, Math.round(v * 128 + 128)))
      else {
        const max = 2 ** (bits - 1)
        data.writeIntLE(Math.max(-max, Math.min(max - 1, Math.round(v * max))), o, bytes)
      }
    }
  }
  const ext = code === 0xfffe
  const fmt = Buffer.alloc(ext ? 40 : 16)
  fmt.writeUInt16LE(code, 0)
  fmt.writeUInt16LE(nch, 2)
  fmt.writeUInt32LE(rate, 4)
  fmt.writeUInt32LE(rate * nch * bytes, 8)
  fmt.writeUInt16LE(nch * bytes, 12)
  fmt.writeUInt16LE(bits, 14)
  if (ext) {
    fmt.writeUInt16LE(22, 16)
    fmt.writeUInt16LE(bits, 18)
    fmt.writeUInt32LE(nch === 2 ? 3 : 4, 20)
    Buffer.from('0000000000001000800000aa00389b71', 'hex').copy(fmt, 24)
    fmt.writeUInt16LE(spec.sub ?? 1, 24)
  }
  const chunk = (id: string, body: Buffer, sizeField = body.length) => {
    const h = Buffer.alloc(8)
    h.write(id, 0, 'latin1')
    h.writeUInt32LE(sizeField, 4)
    return Buffer.concat([h, body, body.length & 1 ? Buffer.alloc(1) : Buffer.alloc(0)])
  }
  const body = Buffer.concat([
    Buffer.from('WAVE', 'latin1'),
    chunk('fmt ', fmt),
    chunk('LIST', Buffer.from('INFOISFT\x05\0\0\0test\0', 'latin1')),
    chunk('data', data, spec.dataSizeField),
  ])
  return Buffer.concat([chunk('RIFF', body).subarray(0, 8), body])
}

/** n samples of a sine at `freq` Hz, amplitude `amp`. */
export function sine(n: number, freq: number, rate: number, amp = 0.5): Float64Array {
  const x = new Float64Array(n)
  for (let i = 0; i < n; i++) x[i] = amp * Math.sin((2 * Math.PI * freq * i) / rate)
  return x
}
