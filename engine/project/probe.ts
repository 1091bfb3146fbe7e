/**
 * A media file's duration without decoding it, for the file list: WAV and AIFF from their
 * header (with the header's warnings: a truncated or unsized data chunk), FLAC
 * from STREAMINFO, CSV from its first and last lines (the time column), any audio from its
 * peaks cache once it has been opened (MP3 and OGG need a decode to know). A few small
 * positioned reads per file; results are remembered per path, size and mtime, so listing a
 * project again costs one stat per file, and kept between sessions by probe-cache.ts. Unknown is null, never an error: the list just shows
 * no duration.
 */
import { stat, type FileHandle } from 'node:fs/promises'
import { peaksCachePath } from '../media/audio/peaks'
import { readWavInfo } from '../media/audio/wav'
import { openRegular } from '../io/input-files'
import { detectDelimiter, TIME_COLUMNS } from '../media/series/csv'
import { needsRewrite, rewriteSeparators, UNIT_SEPARATOR } from '../media/series/lines'
import { splitHeader } from '../labels/csv-columns'
import type { Probe, ProbeCache } from './probe-cache'

export type { Probe }

const known = new Map<string, { size: number; mtimeMs: number; probe: Promise<Probe> }>()
const UNKNOWN: Probe = { duration: null, warnings: [] }

/** Seconds of `file` ('audio' or 'series'), or null when a cheap probe cannot tell. */
export async function probeDuration(
  file: string,
  kind: 'audio' | 'series',
  peaksDir: string,
): Promise<number | null> {
  return (await probeMedia(file, kind, peaksDir)).duration
}

/**
 * Seconds of `file` and its header's warnings, from a few positioned reads, or from `stored`
 * (probes kept between sessions, probe-cache.ts) while the file's size and mtime are unchanged.
 */
export async function probeMedia(
  file: string,
  kind: 'audio' | 'series',
  peaksDir: string,
  stored?: ProbeCache,
): Promise<Probe> {
  const s = await stat(file).catch(() => null)
  if (!s?.isFile()) return UNKNOWN
  const hit = known.get(file)
  if (hit && hit.size === s.size && hit.mtimeMs === s.mtimeMs) {
    const p = await hit.probe
    // Unknown until opened (MP3/OGG): ask the peaks cache again, it may exist by now.
    if (p.duration !== null) return p
  }
  const kept = stored?.get(file, s.size, s.mtimeMs)
  if (kept) {
    known.set(file, { size: s.size, mtimeMs: s.mtimeMs, probe: Promise.resolve(kept) })
    return kept
  }
  const probe = (
    kind === 'series'
      ? csvDuration(file, s.size).then((duration) => ({ duration, warnings: [] }))
      : audioProbe(file, s.size, peaksDir)
  ).catch(() => UNKNOWN)
  known.set(file, { size: s.size, mtimeMs: s.mtimeMs, probe })
  if (stored) stored.set(file, s.size, s.mtimeMs, await probe)
  return probe
}

async function audioProbe(file: string, size: number, peaksDir: string): Promise<Probe> {
  const fh = await openRegular(file)
  try {
    const head = await readAt(fh, 0, 42)
    const tag = head.toString('latin1', 0, 4)
    if (['RIFF', 'RIFX', 'RF64', 'BW64', 'FORM'].includes(tag)) {
      const info = await readWavInfo(fh, file, size)
      return { duration: info.frames / info.sampleRate, warnings: info.warnings }
    }
    // fLaC, then the STREAMINFO block (type 0): after 10 bytes of block and frame sizes come
    // sample rate (20 bits), channels − 1 (3), bits − 1 (5) and total samples (36; 0 = unknown).
    if (tag === 'fLaC' && (head[4] & 0x7f) === 0 && head.length >= 26) {
      const b = head.subarray(18, 26)
      const rate = (b[0] << 12) | (b[1] << 4) | (b[2] >> 4)
      const total = (b[3] & 0x0f) * 2 ** 32 + b.readUInt32BE(4)
      if (rate > 0 && total > 0) return { duration: total / rate, warnings: [] }
    }
  } finally {
    await fh.close()
  }
  return { duration: await peaksDuration(file, peaksDir), warnings: [] }
}

/** From the peaks cache header (sample rate at byte 8, length in samples at 12). */
async function peaksDuration(file: string, peaksDir: string): Promise<number | null> {
  const cache = await openRegular(await peaksCachePath(file, peaksDir)).catch(() => null)
  if (!cache) return null
  try {
    const h = await readAt(cache, 0, 20)
    if (h.length < 20 || h.toString('latin1', 0, 4) !== 'FWPK') return null
    const rate = h.readUInt32LE(8)
    const length = h.readDoubleLE(12)
    return rate > 0 && length > 0 ? length / rate : null
  } finally {
    await cache.close()
  }
}

/**
 * A CSV with a time column (seconds, milliseconds by its name's unit — `time_ms`, `t (s)` — or
 * ISO 8601 dates, found as media/series/csv.ts finds it, separators and `#` comments as it
 * reads them): the last row's time plus its interval, as the series view reports. Without one,
 * rows have no time until a sample rate is chosen: null.
 */
async function csvDuration(file: string, size: number): Promise<number | null> {
  const delimiter = await detectDelimiter(file)
  const fh = await openRegular(file)
  let headText: string
  let tailText: string
  const chunk = 1 << 16
  try {
    headText = (await readAt(fh, 0, Math.min(size, chunk))).toString('utf8')
    tailText = size <= chunk ? headText : (await readAt(fh, size - chunk, chunk)).toString('utf8')
  } finally {
    await fh.close()
  }
  const cells = (line: string) =>
    (needsRewrite(delimiter)
      ? rewriteSeparators(line, delimiter as ':' | ' ').split(UNIT_SEPARATOR)
      : line.split(delimiter)
    ).map((c) => c.trim().replace(/^"(.*)"$/, '$1'))
  const rows = (text: string) =>
    text.split(/\r?\n/).filter((l) => l.trim() !== '' && !/^[ \t]*#/.test(l))
  const headLines = rows(headText.replace(/^\uFEFF/, ''))
  if (headLines.length < 2) return null
  const names = cells(headLines[0]).map(splitHeader)
  let column = TIME_COLUMNS.map((t) =>
    names.findIndex((n) => n.base === t && n.unit !== 'samples'),
  ).find((i) => i >= 0)
  // no named time column: the first column of ISO 8601 dates, as the series reader takes
  column ??= cells(headLines[1]).findIndex((c) => /^\d{4}-\d\d-\d\d/.test(c))
  if (column < 0) return null
  const scale = names[column]?.unit === 'ms' ? 1e-3 : 1
  // Drop the tail's first line: the header when the file fits in one chunk, else maybe a
  // line cut in the middle.
  const whole = rows(tailText).slice(1)
  if (whole.length < 2) return null
  const [prev, last] = whole.slice(-2).map((l) => cells(l)[column])
  const first = cells(headLines[1])[column]
  const seconds = (cell: string | undefined): number => {
    if (cell === undefined || cell === '') return NaN
    if (/^\d{4}-\d\d-\d\d/.test(cell)) return (Date.parse(cell) - Date.parse(first)) / 1000
    return Number(cell) * scale
  }
  const tLast = seconds(last)
  const interval = tLast - seconds(prev)
  return Number.isFinite(tLast) && interval > 0 ? tLast + interval : null
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length)
  const { bytesRead } = await fh.read(buf, 0, length, position)
  return buf.subarray(0, bytesRead)
}
