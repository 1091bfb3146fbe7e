/**
 * Conformance over files made by other programs and people (`../shared/realworld/`, never copied
 * into the project; skipped with a message where the folder is absent). Each file goes to the
 * reader a user's file would reach (audio decoding, label import, CSV series) with a time bound,
 * and must end as expected:
 *
 * - valid and in scope: read, with the values its manifest records from the source's own tests
 *   (rate, channels, frames, first samples; segment counts, first segment and its frequency
 *   box; rows and columns), and where the manifest records none, with the counts of its quick
 *   parse (`inspected`) or, for the FLAC test bench, the frame count libFLAC gives through sox;
 * - malformed: refused with one line naming the file, unless DECISIONS says it is read with a
 *   warning (a recorder-style fault the manifest describes so);
 * - out of scope: refused with one clear line, unless DECISIONS says it is read.
 *
 * The counts per kind are printed (the figures of the closing notes).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { DataError } from '../errors'
import { decodeAudio } from '../media/audio/decode'
import { readSeriesCsv } from '../media/series/csv'
import { readLabels, type ReadLabelOptions } from '../labels/formats'
import { decodeText } from '../labels/text'
import { readTextGridTiers } from '../labels/textgrid'
import type { Segment } from '../labels/segments'
import { hasTool } from '../testing/tools'

const ROOT = path.resolve(process.cwd(), '..', 'shared', 'realworld')
const present = existsSync(path.join(ROOT, 'manifest.json'))
if (!present)
  console.log(
    `[skipped] real-world conformance: ${ROOT} is absent (it sits beside the project in CI)`,
  )

interface Inspected {
  frames_present?: number
  label_lines?: number
  rows?: number
  nonblank_lines?: number
  first_line?: string
  tiers?: Array<{ class: string; name: string; nonempty: number }>
}

interface Entry {
  file: string
  kind: string
  expect: 'valid' | 'malformed'
  in_scope?: boolean
  note?: string
  expect_rate?: number
  expect_channels?: number
  expect_frames?: number
  expect_segments?: number | Record<string, number>
  expect_nonempty?: Record<string, number>
  expect_first?: unknown
  expect_same_as?: string
  expect_tiers?: string[]
  expect_rows?: number
  expect_columns?: string[]
  inspected?: Inspected
}

/** What a file must give where the manifest's `expect`/`in_scope` alone does not say it. */
interface Decision {
  /** 'read': read (with `warning` matching a warning or note); 'refused': `refusal` matches. */
  outcome: 'read' | 'refused'
  warning?: RegExp
  refusal?: RegExp
  /** Reader options a user would give for this file (a rate, the one class). */
  options?: ReadLabelOptions
  /** Why this is the right answer. */
  why: string
}

const DAMAGED_FLAC = /STREAMINFO says .*the FLAC header is damaged\): re-encode it with flac$/
const NOT_A_LABEL_FORMAT = /not a label format Framewise reads .*: it looks like .*; formats read: /

const DECISIONS: Record<string, Decision> = {
  'audio/scipy/test-44100Hz-le-1ch-4bytes-early-eof.wav': {
    outcome: 'read',
    warning: /cut off|ends? (early|before)|truncated|s read/i,
    why: 'a recorder that lost power: what is there is read, with the seconds read (scipy too keeps the partial data with a warning)',
  },
  'audio/scipy/test-8000Hz-le-3ch-5S-24bit-inconsistent.wav': {
    outcome: 'refused',
    refusal: /inconsistent header/,
    why: 'the block alignment contradicts channels × bits: no reading of the samples is sure',
  },
  'audio/flac-testbench/faulty_03 - wrong bit depth.flac': {
    outcome: 'refused',
    refusal: DAMAGED_FLAC,
    why: 'libFLAC refuses it ("parameters differ between frame and header"): which header is true cannot be known',
  },
  'audio/flac-testbench/faulty_04 - wrong number of channels.flac': {
    outcome: 'refused',
    refusal: DAMAGED_FLAC,
    why: 'libFLAC refuses it ("parameters differ between frame and header")',
  },
  'audio/flac-testbench/faulty_05 - wrong total number of samples.flac': {
    outcome: 'read',
    warning: /STREAMINFO says 39842 samples .* but 109487 .* could be decoded/,
    why: 'only the count in the header is wrong, as a recorder that never rewrote it leaves it: every frame is read, with a warning',
  },
  'audio/flac-testbench/faulty_06 - missing streaminfo metadata block.flac': {
    outcome: 'refused',
    refusal: /no STREAMINFO block/,
    why: 'without STREAMINFO the sample format is unknown (libFLAC: "sampling rate was not specified")',
  },
  'audio/scipy/test-8000Hz-le-1ch-1byte-ulaw.wav': {
    outcome: 'read',
    why: 'µ-law WAV is read (the issue asks for it); the manifest accepts decoding or a clear refusal',
  },
  'audio/flac-testbench/uncommon_04 - changing bitdepth.flac': {
    outcome: 'read',
    why: 'each frame carries its own bit depth, which the decoder follows; the first frame agrees with STREAMINFO',
  },
  'audio/flac-testbench/uncommon_10 - file starting at frame header.flac': {
    outcome: 'refused',
    refusal: /without its "fLaC" header/,
    why: 'no STREAMINFO: the sample format is unknown (it used to be taken for MP3 and decoded to noise)',
  },
  'audio/crowsetta/timit_nist_SA1.WAV': {
    outcome: 'refused',
    refusal: /NIST SPHERE file .*sox -t sph/,
    why: 'NIST SPHERE is not a WAV; the refusal says how to convert it',
  },
  'labels/csv/crowsetta/invalid_fields_in_header.csv': {
    outcome: 'read',
    warning: /columns not read: .*"invalid"/,
    why: "malformed only to crowsetta's strict generic-seq schema; a table with an extra column is a legal label table (DAS, Raven and people add columns), so it is read and the unused columns are named",
  },
  'labels/csv/jourjine2023/GO_24860x23748_ltr2_pup3_ch4_4800_m_337_295_fr1_p9_2021-10-02_12-35-01.csv':
    {
      outcome: 'read',
      options: { label: 'pup call' },
      why: 'no label column: one class, which the user names (--label)',
    },
  'labels/other/crowsetta/birdsongrec_Bird0_Annotation.xml': {
    outcome: 'refused',
    refusal: NOT_A_LABEL_FORMAT,
    why: "the BirdsongRecognition XML is not among the issue's formats: refused, naming what it looks like and the formats read",
  },
  'labels/other/evsonganaly/or60yw70_300912_0725.437.cbin.not.mat': {
    outcome: 'refused',
    refusal: NOT_A_LABEL_FORMAT,
    why: "evsonganaly .not.mat (MATLAB) is not among the issue's formats: refused, naming what it looks like",
  },
}

const TIME_BOUND_MS = 20_000
/** Times as text in the source (µs to ns digits): equal to 1 ns. */
const sameTime = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b))
/** Float32 samples against float64 references. */
const sameSample = (a: number, b: number) => Math.abs(a - b) <= 2 ** -23

type Outcome = 'read' | 'refused' | 'crash' | 'hang'
interface Result {
  entry: Entry
  outcome: Outcome
  /** The refusal, or what differs from what the manifest records. */
  detail: string
  /** Warnings and notes of a read. */
  warnings: string[]
  diffs: string[]
}

const hasSox = present && hasTool('sox', 'sox', ['--version'], 'apt-get install sox')

/** Frames libFLAC decodes (through sox), or undefined when it refuses the file. */
function soxFrames(file: string, channels: number): number | undefined {
  const r = spawnSync('sox', [file, '-t', 'raw', '-e', 'signed', '-b', '16', '-'], {
    maxBuffer: 1 << 28,
  })
  return r.status === 0 ? r.stdout.length / (2 * channels) : undefined
}

/**
 * The sample rate the manifest gives a sample-index label file: its own, its recording's (named
 * in its note), its note's ("at 16 kHz"), or that of a sibling of the same stem (SA1.WRD: SA1.PHN).
 */
function rateOf(e: Entry, all: readonly Entry[], sibling = true): number | undefined {
  if (e.expect_rate) return e.expect_rate
  const recording = all.find((a) => a.kind === 'audio' && e.note?.includes(a.file))
  if (recording?.expect_rate) return recording.expect_rate
  const khz = /\bat (\d+(?:\.\d+)?) kHz\b/.exec(e.note ?? '')
  if (khz) return Number(khz[1]) * 1000
  const stem = e.file.replace(/\.[^./]*$/, '')
  const twins = all.filter((a) => a !== e && a.file.replace(/\.[^./]*$/, '') === stem)
  return sibling ? twins.map((a) => rateOf(a, all, false)).find((r) => r !== undefined) : undefined
}

/** What was read, and how it differs from what the manifest records (empty: nothing). */
async function read(
  e: Entry,
  all: readonly Entry[],
): Promise<{ diffs: string[]; warnings: string[] }> {
  const file = path.join(ROOT, e.file)
  const diffs: string[] = []
  const warnings: string[] = []
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
    const a = await decodeAudio(file, { channel: 0 })
    warnings.push(...a.warnings)
    want('rate', a.sourceSampleRate, e.expect_rate)
    want('channels', a.channels, e.expect_channels)
    want('frames', a.samples.length, e.expect_frames)
    // where the source's tests give none: the frames its data chunk holds (a cut-off one: those there)
    if (e.expect_frames === undefined)
      want('frames present', a.samples.length, e.inspected?.frames_present)
    const first = e.expect_first as number[] | undefined
    if (first && a.channels === 1)
      first.forEach((x, i) => want(`sample ${i}`, a.samples[i], x, sameSample))
    else if (first)
      for (let c = 0; c < first.length; c++) {
        const ch = c === 0 ? a : await decodeAudio(file, { channel: c })
        want(`channel ${c} sample 0`, ch.samples[0], first[c], sameSample)
      }
    if (e.file.endsWith('.flac') && e.expect === 'valid' && e.in_scope !== false && hasSox) {
      const frames = soxFrames(file, a.channels)
      if (frames !== undefined) want('frames (libFLAC via sox)', a.samples.length, frames)
    }
    if (e.expect === 'valid' && e.in_scope !== false) want('warnings', warnings, [], sameList)
  } else if (e.kind === 'timeseries-csv') {
    // A file without a time column is refused without a rate (asserted below), read with one.
    const s = await readSeriesCsv(file, { sampleRate: e.expect_rate ?? 1 })
    want('rows', s.times.length, e.expect_rows)
    if (e.expect_columns) {
      const missing = e.expect_columns.filter((c) => c !== 'time' && !s.channels.includes(c))
      if (missing.length)
        diffs.push(`channels ${JSON.stringify(s.channels)} lack ${JSON.stringify(missing)}`)
    }
  } else {
    const options: ReadLabelOptions = {
      ...DECISIONS[e.file]?.options,
      note: (m) => warnings.push(m),
    }
    const rate = rateOf(e, all)
    if (/\.(phn|wrd)$/i.test(e.file)) options.rate = rate
    const perTier = typeof e.expect_segments === 'object' ? e.expect_segments : undefined
    const tier = perTier ? Object.keys(perTier)[0] : undefined
    if (tier) options.tier = tier
    const segments: Segment[] = await readLabels(file, options)
    checkSegments(e, segments, tier, rate, diffs)
    if (e.kind === 'labels-textgrid') checkTiers(e, file, diffs)
    if (e.expect_same_as) {
      const twin = await readLabels(path.join(ROOT, e.expect_same_as), { tier })
      want('segments (same as its twin)', segments, twin, (a, b) => sameSegments(a, b))
    }
  }
  return { diffs, warnings }
}

const sameList = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x, i) => x === b[i])

function sameSegments(a: readonly Segment[], b: readonly Segment[]): boolean {
  return (
    a.length === b.length &&
    a.every(
      (s, i) =>
        sameTime(s.start, b[i].start) && sameTime(s.end, b[i].end) && s.label === b[i].label,
    )
  )
}

/**
 * Every tier of a TextGrid, none merged or dropped: names (the manifest's, else its quick
 * parse's), kinds, and each tier's non-empty intervals or points.
 */
function checkTiers(e: Entry, file: string, diffs: string[]) {
  const tiers = readTextGridTiers(decodeText(readFileSync(file)), file)
  const names = tiers.map((t) => t.name)
  const want = e.expect_tiers ?? e.inspected?.tiers?.map((t) => t.name)
  if (want && !sameList(names, want))
    diffs.push(`tiers ${JSON.stringify(names)}, expected ${JSON.stringify(want)}`)
  e.inspected?.tiers?.forEach((w, k) => {
    const t = tiers[k]
    const kind = w.class === 'TextTier' ? 'point' : 'interval'
    if (t && (t.kind !== kind || t.segments.length !== w.nonempty))
      diffs.push(
        `tier ${k} "${t.name}": ${t.kind} with ${t.segments.length} labels, expected ${kind} with ${w.nonempty}`,
      )
  })
}

/** Counts and first segment against the manifest (its tests' values, else its quick parse). */
function checkSegments(
  e: Entry,
  segments: readonly Segment[],
  tier: string | undefined,
  rate: number | undefined,
  diffs: string[],
) {
  const i = e.inspected
  // intervals with empty text are gaps, not segments: the non-empty count is what is read
  const count =
    typeof e.expect_segments === 'number'
      ? e.expect_segments
      : tier
        ? e.expect_nonempty?.[tier]
        : e.kind === 'labels-audacity'
          ? i?.label_lines
          : e.kind === 'labels-raven'
            ? i?.rows
            : e.kind === 'labels-textgrid'
              ? i?.tiers?.find((t) => t.class === 'IntervalTier')?.nonempty
              : i?.nonblank_lines !== undefined && i.first_line !== undefined
                ? i.nonblank_lines - (/^\d/.test(i.first_line) ? 0 : 1)
                : undefined
  if (count !== undefined && segments.length !== count)
    diffs.push(`${segments.length} segments, expected ${count}`)
  if (count === undefined && e.expect === 'valid' && segments.length === 0)
    diffs.push('no segments')
  const first = e.expect_first as
    | {
        start?: number
        end?: number
        start_sample?: number
        end_sample?: number
        label?: string
        low_hz?: number
        high_hz?: number
      }
    | undefined
  if (!first) return
  const s = segments[0]
  if (!s) return void diffs.push('no segments, expected a first one')
  const start =
    first.start ?? (first.start_sample !== undefined ? first.start_sample / rate! : undefined)
  const end = first.end ?? (first.end_sample !== undefined ? first.end_sample / rate! : undefined)
  const check = (what: string, got: number | undefined, expected: number | undefined) => {
    if (expected !== undefined && !(got !== undefined && sameTime(got, expected)))
      diffs.push(`first ${what} ${got}, expected ${expected}`)
  }
  check('start', s.start, start)
  check('end', s.end, end)
  check('low frequency', s.lowFreq, first.low_hz)
  check('high frequency', s.highFreq, first.high_hz)
  if (first.label !== undefined && s.label !== first.label)
    diffs.push(`first label ${JSON.stringify(s.label)}, expected ${JSON.stringify(first.label)}`)
}

async function conform(e: Entry, all: readonly Entry[]): Promise<Result> {
  let timer: NodeJS.Timeout | undefined
  const hang = new Promise<Result>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({
          entry: e,
          outcome: 'hang',
          detail: `no answer in ${TIME_BOUND_MS / 1000} s`,
          warnings: [],
          diffs: [],
        }),
      TIME_BOUND_MS,
    )
  })
  const work = read(e, all).then(
    ({ diffs, warnings }): Result => ({
      entry: e,
      outcome: 'read',
      detail: diffs.join('; '),
      warnings,
      diffs,
    }),
    (err: unknown): Result => ({
      entry: e,
      outcome: err instanceof DataError ? 'refused' : 'crash',
      detail:
        err instanceof DataError
          ? err.message
          : `${(err as Error)?.name}: ${(err as Error)?.message}`,
      warnings: [],
      diffs: [],
    }),
  )
  try {
    return await Promise.race([work, hang])
  } finally {
    clearTimeout(timer)
  }
}

/** What is wrong with a result (empty: it is what it must be). */
function verdict(r: Result): string[] {
  const e = r.entry
  const d = DECISIONS[e.file]
  const must: Outcome =
    d?.outcome ?? (e.expect === 'valid' && e.in_scope !== false ? 'read' : 'refused')
  if (r.outcome !== must) return [`${r.outcome} (${r.detail.slice(0, 300)}), must be ${must}`]
  const wrong: string[] = [...r.diffs]
  if (r.outcome === 'refused') {
    const full = path.join(ROOT, e.file)
    if (!r.detail.startsWith(full)) wrong.push(`refusal does not open with the file: ${r.detail}`)
    if (r.detail.includes('\n')) wrong.push('refusal spans several lines')
    if (d?.refusal && !d.refusal.test(r.detail)) wrong.push(`refusal ${r.detail} ≠ ${d.refusal}`)
  }
  if (d?.warning && !r.warnings.some((w) => d.warning!.test(w)))
    wrong.push(`no warning matching ${d.warning} (${JSON.stringify(r.warnings)})`)
  return wrong
}

describe.skipIf(!present)('real-world files (../shared/realworld)', () => {
  const entries: Entry[] = present
    ? JSON.parse(readFileSync(path.join(ROOT, 'manifest.json'), 'utf8'))
    : []

  it(
    'reads every valid file in scope with its recorded values, refuses malformed and out-of-scope files in one line naming the file, never crashing or hanging',
    async () => {
      const results: Result[] = []
      for (const e of entries) results.push(await conform(e, entries))
      const byKind = new Map<string, Record<string, number>>()
      for (const r of results) {
        const e = r.entry
        const key = `${e.kind} (${e.expect}${e.in_scope === false ? ', out of scope' : ''})`
        const row = byKind.get(key) ?? {
          files: 0,
          read: 0,
          'read with warning': 0,
          refused: 0,
          wrong: 0,
        }
        row.files++
        if (verdict(r).length) row.wrong++
        else if (r.outcome === 'read' && DECISIONS[e.file]?.warning) row['read with warning']++
        else row[r.outcome]++
        byKind.set(key, row)
      }
      for (const [kind, row] of [...byKind].sort())
        console.log(`conformance ${kind}: ${JSON.stringify(row)}`)
      for (const r of results.filter((x) => x.outcome === 'refused'))
        console.log(
          `  refused ${r.entry.file}: ${r.detail
            .slice(path.join(ROOT, r.entry.file).length)
            .replace(/^(:\d+)?: /, '')
            .slice(0, 200)}`,
        )

      const wrong = results.flatMap((r) => verdict(r).map((w) => `${r.entry.file}: ${w}`))
      expect(wrong).toEqual([])
    },
    10 * 60_000,
  )

  it('refuses the CSV series without a time column when no rate is given, saying how to give it', async () => {
    const noTime = entries.filter(
      (e) => e.kind === 'timeseries-csv' && e.expect_columns && !e.expect_columns.includes('time'),
    )
    expect(noTime.length).toBeGreaterThan(0)
    for (const e of noTime) {
      const file = path.join(ROOT, e.file)
      await expect(readSeriesCsv(file)).rejects.toThrow(
        `${file}: no time column: give the rate with --rate or in the import dialog`,
      )
    }
  })

  it('every decision names a file of the manifest', () => {
    const files = new Set(entries.map((e) => e.file))
    expect(Object.keys(DECISIONS).filter((f) => !files.has(f))).toEqual([])
  })
})
