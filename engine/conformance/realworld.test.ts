/**
 * Conformance over files made by other programs and people (`../shared/realworld/`, never copied
 * into the project; skipped with a message where the folder is absent). Each file goes to the
 * reader a user's file would reach (audio decoding, label import, CSV series) with a time bound,
 * and ends in one of: read as its source's own tests expect, read with different values, refused
 * with one clear line naming the file, a crash (any other error) or a hang.
 *
 * What holds today, asserted: nothing crashes or hangs, and every refusal is one line that names
 * the file. How many files of each kind are read as expected, differ or are refused is printed
 * (the figures of the closing notes); "Open what researchers already have" turns those counts
 * into assertions as the readers learn each format (several malformed files, e.g. FLACs whose
 * STREAMINFO lies, still decode today, and a truncated WAV is refused where it should be read).
 */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { DataError } from '../errors'
import { decodeAudio } from '../media/audio/decode'
import { readSeriesCsv } from '../media/series/csv'
import { readLabels } from '../labels/formats'
import type { Segment } from '../labels/segments'

const ROOT = path.resolve(process.cwd(), '..', 'shared', 'realworld')
const present = existsSync(path.join(ROOT, 'manifest.json'))
if (!present)
  console.log(
    `[skipped] real-world conformance: ${ROOT} is absent (it sits beside the project in CI)`,
  )

interface Entry {
  file: string
  kind: string
  expect: 'valid' | 'malformed'
  in_scope?: boolean
  expect_rate?: number
  expect_channels?: number
  expect_frames?: number
  expect_segments?: number | Record<string, number>
  expect_first?: unknown
  expect_rows?: number
  expect_columns?: string[]
}

type Outcome = 'as-expected' | 'differs' | 'refused' | 'crash' | 'hang'
interface Result {
  entry: Entry
  outcome: Outcome
  detail: string
}

const TIME_BOUND_MS = 20_000
const close = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b))

/** What differs between what was read and what the source's tests expect (empty: nothing). */
async function read(e: Entry, file: string): Promise<string[]> {
  const diffs: string[] = []
  const want = <T>(
    what: string,
    got: T,
    expected: T | undefined,
    same = (a: T, b: T) => a === b,
  ) => {
    if (expected !== undefined && !same(got, expected))
      diffs.push(`${what} ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`)
  }
  if (e.kind === 'audio') {
    const a = await decodeAudio(file)
    want('rate', a.sourceSampleRate, e.expect_rate)
    want('channels', a.channels, e.expect_channels)
    want('frames', a.samples.length, e.expect_frames)
  } else if (e.kind === 'timeseries-csv') {
    // A file without a time column is read at the rate its manifest gives, else refused.
    const s = await readSeriesCsv(file, { sampleRate: e.expect_rate })
    want('rows', s.times.length, e.expect_rows)
    if (e.expect_columns) {
      const missing = e.expect_columns.filter((c) => c !== 'time' && !s.channels.includes(c))
      if (missing.length)
        diffs.push(`channels ${JSON.stringify(s.channels)} lack ${JSON.stringify(missing)}`)
    }
  } else {
    const segments: Segment[] = await readLabels(file)
    if (typeof e.expect_segments === 'number') want('segments', segments.length, e.expect_segments)
    const first = e.expect_first as { start?: number; end?: number; label?: string } | undefined
    if (first && first.start !== undefined) {
      const s = segments[0]
      if (!s) diffs.push('no segments, expected a first one')
      else {
        want('first start', s.start, first.start, close)
        want('first end', s.end, first.end, close)
        want('first label', s.label, first.label)
      }
    }
  }
  return diffs
}

async function conform(e: Entry): Promise<Result> {
  const file = path.join(ROOT, e.file)
  let timer: NodeJS.Timeout | undefined
  const hang = new Promise<Result>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({ entry: e, outcome: 'hang', detail: `no answer in ${TIME_BOUND_MS / 1000} s` }),
      TIME_BOUND_MS,
    )
  })
  const work = read(e, file).then(
    (diffs): Result => ({
      entry: e,
      outcome: diffs.length ? 'differs' : 'as-expected',
      detail: diffs.join('; '),
    }),
    (err: unknown): Result =>
      err instanceof DataError
        ? { entry: e, outcome: 'refused', detail: err.message }
        : {
            entry: e,
            outcome: 'crash',
            detail: `${(err as Error)?.name}: ${(err as Error)?.message}`,
          },
  )
  try {
    return await Promise.race([work, hang])
  } finally {
    clearTimeout(timer)
  }
}

describe.skipIf(!present)('real-world files (../shared/realworld)', () => {
  const entries: Entry[] = present
    ? JSON.parse(readFileSync(path.join(ROOT, 'manifest.json'), 'utf8'))
    : []

  it(
    'reads or refuses every file, never crashing or hanging; refusals are one line naming the file',
    async () => {
      const results: Result[] = []
      for (const e of entries) results.push(await conform(e))
      const byKind = new Map<string, Record<Outcome | 'files', number>>()
      for (const r of results) {
        const key = `${r.entry.kind} (${r.entry.expect}${r.entry.in_scope === false ? ', out of scope' : ''})`
        const row = byKind.get(key) ?? {
          files: 0,
          'as-expected': 0,
          differs: 0,
          refused: 0,
          crash: 0,
          hang: 0,
        }
        row.files++
        row[r.outcome]++
        byKind.set(key, row)
      }
      for (const [kind, row] of [...byKind].sort())
        console.log(`conformance ${kind}: ${JSON.stringify(row)}`)
      for (const r of results.filter((x) => x.outcome !== 'as-expected'))
        console.log(`  ${r.outcome.padEnd(8)} ${r.entry.file}: ${r.detail.slice(0, 200)}`)

      expect(
        results
          .filter((r) => r.outcome === 'crash' || r.outcome === 'hang')
          .map((r) => `${r.entry.file}: ${r.detail}`),
      ).toEqual([])
      for (const r of results.filter((x) => x.outcome === 'refused')) {
        expect(r.detail, r.entry.file).toContain(path.join(ROOT, r.entry.file))
        expect(r.detail, r.entry.file).not.toContain('\n')
      }
    },
    10 * 60_000,
  )
})
