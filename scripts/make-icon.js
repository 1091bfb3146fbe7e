// Draws the app icon (resources/icon.png, 512×512 RGBA): a dark rounded square with a waveform
// whose stretches are coloured by label class, the app's idea in one picture. Plain Node (zlib),
// so it can be rebuilt anywhere: `node scripts/make-icon.js`.
import { writeFileSync } from 'node:fs'
import { deflateSync } from 'node:zlib'

const N = 512
const px = new Uint8Array(N * N * 4)
const classes = [
  [0x9e, 0x9e, 0x9e], // background
  [0xe6, 0x55, 0x0d], // class 1
  [0x31, 0x82, 0xbd], // class 2
]
/** Which class labels the column at x: two labelled stretches on a background. */
const labelAt = (x) => (x >= 150 && x < 250 ? 1 : x >= 310 && x < 390 ? 2 : 0)

function set(x, y, [r, g, b], a = 255) {
  const i = (y * N + x) * 4
  const k = a / 255
  px[i] = Math.round(r * k + px[i] * (1 - k))
  px[i + 1] = Math.round(g * k + px[i + 1] * (1 - k))
  px[i + 2] = Math.round(b * k + px[i + 2] * (1 - k))
  px[i + 3] = Math.max(px[i + 3], a)
}

// Rounded square, anti-aliased at the corners.
const R = 96
for (let y = 0; y < N; y++)
  for (let x = 0; x < N; x++) {
    const dx = Math.max(R - x - 0.5, x + 0.5 - (N - R), 0)
    const dy = Math.max(R - y - 0.5, y + 0.5 - (N - R), 0)
    const cover = Math.min(1, Math.max(0, R - Math.hypot(dx, dy) + 0.5))
    if (cover > 0) set(x, y, [0x1f, 0x24, 0x2e], Math.round(255 * cover))
  }

// Label track: a strip per class under the waveform.
for (let x = 64; x < N - 64; x++)
  for (let y = 392; y < 420; y++) set(x, y, classes[labelAt(x)], labelAt(x) ? 255 : 120)

// Waveform: mirrored bars, louder inside the labelled stretches.
for (let x = 64; x < N - 64; x += 8) {
  const c = labelAt(x)
  const env = c ? 0.75 + 0.25 * Math.sin(x / 9) : 0.18 + 0.1 * Math.sin(x / 5)
  const h = Math.round(150 * Math.abs(env * Math.sin(x / 13 + 1) + 0.15 * env))
  for (let dx = 0; dx < 5; dx++)
    for (let y = 230 - h; y <= 230 + h; y++) set(x + dx, y, c ? classes[c] : [0xd0, 0xd4, 0xdc])
}

// PNG: signature, IHDR, one IDAT (filter 0 per row), IEND.
const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
const crc32 = (buf) => {
  let c = 0xffffffff
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length)
  out.writeUInt32BE(data.length, 0)
  out.write(type, 4, 'latin1')
  Buffer.from(data).copy(out, 8)
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length)
  return out
}
const ihdr = Buffer.alloc(13)
ihdr.writeUInt32BE(N, 0)
ihdr.writeUInt32BE(N, 4)
ihdr.set([8, 6, 0, 0, 0], 8) // 8-bit RGBA
const raw = Buffer.alloc(N * (N * 4 + 1))
for (let y = 0; y < N; y++) Buffer.from(px.buffer, y * N * 4, N * 4).copy(raw, y * (N * 4 + 1) + 1)
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', ihdr),
  chunk('IDAT', deflateSync(raw, { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
])
writeFileSync('resources/icon.png', png)
console.log(`resources/icon.png: ${N}×${N}, ${png.length} bytes`)
