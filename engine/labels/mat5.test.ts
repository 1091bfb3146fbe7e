import { deflateSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { readMat5 } from './mat5'

/** A tiny MAT v5 writer for the fixtures: elements padded to 8 bytes, names as small elements. */
function writer(little: boolean) {
  const u32 = (n: number): Buffer => {
    const b = Buffer.alloc(4)
    if (little) b.writeUInt32LE(n)
    else b.writeUInt32BE(n)
    return b
  }
  const element = (type: number, body: Buffer): Buffer => {
    if (body.length <= 4 && body.length > 0)
      return Buffer.concat([u32((body.length << 16) | type), body, Buffer.alloc(4 - body.length)])
    const pad = (8 - (body.length % 8)) % 8
    return Buffer.concat([u32(type), u32(body.length), body, Buffer.alloc(pad)])
  }
  const doubles = (xs: number[]): Buffer => {
    const b = Buffer.alloc(xs.length * 8)
    xs.forEach((x, i) => (little ? b.writeDoubleLE(x, i * 8) : b.writeDoubleBE(x, i * 8)))
    return b
  }
  const matrix = (name: string, cls: number, dims: number[], real: Buffer): Buffer => {
    const i32 = Buffer.concat(dims.map((d) => u32(d)))
    const parts = Buffer.concat([
      element(6, Buffer.concat([u32(cls), u32(0)])),
      element(5, i32),
      element(1, Buffer.from(name, 'latin1')),
      real,
    ])
    return element(14, parts)
  }
  const header = (): Buffer => {
    const h = Buffer.alloc(128, 32)
    h.write('MATLAB 5.0 MAT-file, test', 0, 'latin1')
    if (little) h.writeUInt16LE(0x0100, 124)
    else h.writeUInt16BE(0x0100, 124)
    h.write(little ? 'IM' : 'MI', 126, 'latin1')
    return h
  }
  const chars = (s: string): Buffer => {
    const b = Buffer.alloc(s.length * 2)
    for (let i = 0; i < s.length; i++)
      little ? b.writeUInt16LE(s.charCodeAt(i), i * 2) : b.writeUInt16BE(s.charCodeAt(i), i * 2)
    return element(4, b)
  }
  return { u32, element, doubles, matrix, header, chars }
}

function notMat(little: boolean, compress: boolean): Buffer {
  const w = writer(little)
  const onsets = w.matrix('onsets', 6, [3, 1], w.element(9, w.doubles([10, 250.5, 900])))
  const offsets = w.matrix('offsets', 6, [3, 1], w.element(9, w.doubles([120, 400, 1010])))
  const labels = w.matrix('labels', 4, [1, 3], w.chars('iab'))
  const fs = w.matrix('Fs', 6, [1, 1], w.element(9, w.doubles([32000])))
  const body = compress
    ? Buffer.concat([
        (() => {
          const z = deflateSync(onsets)
          return Buffer.concat([w.u32(15), w.u32(z.length), z])
        })(),
        offsets,
        labels,
        fs,
      ])
    : Buffer.concat([onsets, offsets, labels, fs])
  return Buffer.concat([w.header(), body])
}

describe('readMat5', () => {
  for (const [little, compress] of [
    [true, false],
    [true, true],
    [false, false],
  ] as const) {
    it(`reads numbers and chars (${little ? 'IM' : 'MI'}${compress ? ', compressed' : ''})`, () => {
      const vars = readMat5(notMat(little, compress), 'a.not.mat')
      expect(vars.get('onsets')).toEqual({ kind: 'number', dims: [3, 1], data: [10, 250.5, 900] })
      expect(vars.get('offsets')).toEqual({ kind: 'number', dims: [3, 1], data: [120, 400, 1010] })
      expect(vars.get('labels')).toEqual({ kind: 'char', text: 'iab' })
      expect(vars.get('Fs')).toEqual({ kind: 'number', dims: [1, 1], data: [32000] })
    })
  }

  it('gives one clean line for every truncation, never a RangeError', () => {
    for (const compress of [false, true]) {
      const whole = notMat(true, compress)
      for (let n = 0; n < whole.length; n += 3) {
        try {
          readMat5(whole.subarray(0, n), 'cut.not.mat')
        } catch (e) {
          expect(e).not.toBeInstanceOf(RangeError)
          expect((e as Error).message).toMatch(/^cut\.not\.mat: [^\n]+$/)
        }
      }
    }
  })

  it('refuses a v7.3 HDF5 MAT-file with the fix', () => {
    const h = Buffer.alloc(600, 32)
    h.write('MATLAB 7.3 MAT-file, Platform: GLNXA64, HDF5 schema 1.00', 0, 'latin1')
    expect(() => readMat5(h, 'x.not.mat')).toThrow(
      'x.not.mat: MATLAB v7.3 (HDF5) MAT-file: save it with -v7 or export the onsets/offsets/labels to CSV',
    )
  })
})
