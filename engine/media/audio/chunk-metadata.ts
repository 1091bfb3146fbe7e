/**
 * What recorders write about a recording beside its samples, as one flat record of text: RIFF
 * `LIST`/`INFO` (keys `INFO.<id>`, e.g. `INFO.ICMT`), Broadcast WAV `bext` (`bext.Description`,
 * `bext.Originator`, `bext.OriginatorReference`, `bext.OriginationDate`, `bext.OriginationTime`,
 * `bext.TimeReference` in samples since midnight), `iXML` (the XML as is), GUANO as bat detectors
 * write it in a `guan` chunk (`GUANO.<key>`, e.g. `GUANO.Species Auto ID`), and AIFF's text
 * chunks (`AIFF.NAME`, `AIFF.AUTH`, `AIFF.(c) `, `AIFF.ANNO`).
 */

/** Metadata chunks larger than this are skipped (iXML of a few kB is usual). */
export const MAX_METADATA_CHUNK = 1 << 20

/** Chunk ids whose bodies parseMetadataChunk reads. */
export const METADATA_CHUNKS = new Set([
  'LIST',
  'bext',
  'iXML',
  'guan',
  'NAME',
  'AUTH',
  '(c) ',
  'ANNO',
])

/** Text up to the first NUL, trimmed. */
function cstr(b: Buffer, encoding: BufferEncoding = 'latin1'): string {
  const end = b.indexOf(0)
  return b.toString(encoding, 0, end < 0 ? b.length : end).trim()
}

/** Adds the key/values of one chunk body to `into` (empty values are left out). */
export function parseMetadataChunk(
  id: string,
  body: Buffer,
  bigEndian: boolean,
  into: Record<string, string>,
): void {
  const put = (key: string, value: string) => {
    if (value !== '') into[key] = value
  }
  if (id === 'LIST') {
    if (body.toString('latin1', 0, 4) !== 'INFO') return
    for (let p = 4; p + 8 <= body.length;) {
      const sub = body.toString('latin1', p, p + 4)
      const len = bigEndian ? body.readUInt32BE(p + 4) : body.readUInt32LE(p + 4)
      const text = body.subarray(p + 8, Math.min(body.length, p + 8 + len))
      // INFO strings are ASCII in the standard; recorders write UTF-8.
      put(`INFO.${sub.trim() || sub}`, cstr(text, 'utf8'))
      p += 8 + len + (len & 1)
    }
  } else if (id === 'bext') {
    if (body.length < 346) return
    put('bext.Description', cstr(body.subarray(0, 256), 'utf8'))
    put('bext.Originator', cstr(body.subarray(256, 288), 'utf8'))
    put('bext.OriginatorReference', cstr(body.subarray(288, 320), 'utf8'))
    put('bext.OriginationDate', cstr(body.subarray(320, 330)))
    put('bext.OriginationTime', cstr(body.subarray(330, 338)))
    const samples = body.readUInt32LE(338) + body.readUInt32LE(342) * 2 ** 32
    put('bext.TimeReference', String(samples))
  } else if (id === 'iXML') {
    put('iXML', cstr(body, 'utf8'))
  } else if (id === 'guan') {
    // GUANO: UTF-8 lines `key: value`; keys may carry a vendor namespace (`WA|Kaleidoscope|…`).
    for (const line of cstr(body, 'utf8').split(/\r?\n/)) {
      const colon = line.indexOf(':')
      if (colon <= 0) continue
      const key = line.slice(0, colon).trim()
      put(
        `GUANO.${key}`,
        line
          .slice(colon + 1)
          .trim()
          .replace(/\\n/g, '\n'),
      )
    }
  } else if (METADATA_CHUNKS.has(id)) {
    put(`AIFF.${id}`, cstr(body, id === 'ANNO' ? 'utf8' : 'latin1'))
  }
}
