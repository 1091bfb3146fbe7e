/**
 * Each format through Framewise and back: import a file (fixtures written here from each format's
 * public documentation), save what was read as the file's tiers, export in the same format, and
 * import that again: the tiers, with every field a format carries (frequency bounds, channels,
 * extra columns, points, overlaps), are those read the first time and those written in the
 * fixture; where the writer uses the fixture's layout the exported text is the fixture itself.
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ImportedLabels, LabelsView, Tier } from '../api'
import { makeWav } from '../media/audio/testing'
import { Service } from '../service'

let dir: string
let service: Service
const ok = async <T>(method: string, params: unknown): Promise<T> => {
  const r = await service.call(method, params)
  if (!r.ok) throw new Error(r.error.message)
  return r.result as T
}
const CLASSES = ['song', 'call', 'wind', 'EATO', 'WOTH', 'bell', 'a', 'b', 'speech', 'car']

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-roundtrip-'))
  service = new Service(() => {})
  await fs.writeFile(
    path.join(dir, 'rec.wav'),
    makeWav({ bits: 16, rate: 8000, channels: [new Float64Array(8000), new Float64Array(8000)] }),
  )
  await ok('createProject', { dir })
  await ok('addMedia', { paths: ['rec.wav'] })
  await ok('setClasses', {
    classes: [
      { name: 'background', color: '#9e9e9e', hotkey: null, role: 'background' },
      ...CLASSES.map((name) => ({ name, color: '#e6550d', hotkey: null, role: 'class' })),
    ],
  })
})
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true })
})

/**
 * fixture → import → save as the file's tiers → export (same format) → import: returns what was
 * read first, what the save returned, the exported text and what it reads as.
 */
async function roundTrip(name: string, text: string, exportOptions: object = {}) {
  await fs.writeFile(path.join(dir, name), text)
  const first = await ok<ImportedLabels>('importLabels', { media: 'rec.wav', path: name })
  const saved = await ok<LabelsView>('saveLabels', {
    media: 'rec.wav',
    tiers: first.tiers,
    baseRevision: 0,
  })
  const out = `out-${name}`
  await ok('exportLabels', { media: 'rec.wav', path: out, ...exportOptions })
  const written = await fs.readFile(path.join(dir, out), 'utf8')
  const again = await ok<ImportedLabels>('importLabels', { media: 'rec.wav', path: out })
  return { first, saved, written, again }
}

describe('round trips keep every annotation', () => {
  it('Praat TextGrid: interval tiers stay exclusive tiers, a point tier an overlapping tier of points', async () => {
    // Praat's long text form (the manual's "TextGrid file formats"): two interval tiers tiling
    // 0–3 s, with empty intervals as gaps, and a TextTier of points.
    const grid = `File type = "ooTextFile"
Object class = "TextGrid"

xmin = 0
xmax = 3
tiers? <exists>
size = 3
item []:
    item [1]:
        class = "IntervalTier"
        name = "species"
        xmin = 0
        xmax = 3
        intervals: size = 3
        intervals [1]:
            xmin = 0
            xmax = 0.5
            text = ""
        intervals [2]:
            xmin = 0.5
            xmax = 1.25
            text = "song"
        intervals [3]:
            xmin = 1.25
            xmax = 3
            text = "call"
    item [2]:
        class = "IntervalTier"
        name = "weather"
        xmin = 0
        xmax = 3
        intervals: size = 2
        intervals [1]:
            xmin = 0
            xmax = 2
            text = "wind"
        intervals [2]:
            xmin = 2
            xmax = 3
            text = ""
    item [3]:
        class = "TextTier"
        name = "bells"
        xmin = 0
        xmax = 3
        points: size = 2
        points [1]:
            number = 0.75
            mark = "bell"
        points [2]:
            number = 2.5
            mark = "bell"
`
    const { first, saved, written, again } = await roundTrip('a.TextGrid', grid)
    const expected: Tier[] = [
      {
        name: 'species',
        kind: 'exclusive',
        segments: [
          { start: 0.5, end: 1.25, label: 'song' },
          { start: 1.25, end: 3, label: 'call' },
        ],
      },
      { name: 'weather', kind: 'exclusive', segments: [{ start: 0, end: 2, label: 'wind' }] },
      {
        name: 'bells',
        kind: 'overlapping',
        segments: [
          { start: 0.75, end: 0.75, label: 'bell' },
          { start: 2.5, end: 2.5, label: 'bell' },
        ],
      },
    ]
    expect(first.tiers).toEqual(expected)
    expect(saved.tiers).toEqual(expected)
    expect(again.tiers).toEqual(expected)
    expect(written).toBe(grid)
  })

  it('ELAN .eaf: every alignable tier, times in ms', async () => {
    // EAF 3.0 (the ELAN annotation format schema): a TIME_ORDER of slots in ms and two
    // time-alignable tiers; annotations within a tier do not overlap, tiers overlap each other.
    const eaf = `<?xml version="1.0" encoding="UTF-8"?>
<ANNOTATION_DOCUMENT AUTHOR="" DATE="2024-05-01T00:00:00Z" FORMAT="3.0" VERSION="3.0">
  <HEADER MEDIA_FILE="" TIME_UNITS="milliseconds"/>
  <TIME_ORDER>
    <TIME_SLOT TIME_SLOT_ID="ts1" TIME_VALUE="0"/>
    <TIME_SLOT TIME_SLOT_ID="ts2" TIME_VALUE="1500"/>
    <TIME_SLOT TIME_SLOT_ID="ts3" TIME_VALUE="1500"/>
    <TIME_SLOT TIME_SLOT_ID="ts4" TIME_VALUE="2250"/>
    <TIME_SLOT TIME_SLOT_ID="ts5" TIME_VALUE="1000"/>
    <TIME_SLOT TIME_SLOT_ID="ts6" TIME_VALUE="2750"/>
  </TIME_ORDER>
  <TIER LINGUISTIC_TYPE_REF="default-lt" TIER_ID="voice">
    <ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a1" TIME_SLOT_REF1="ts1" TIME_SLOT_REF2="ts2">
      <ANNOTATION_VALUE>speech</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>
    <ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a2" TIME_SLOT_REF1="ts3" TIME_SLOT_REF2="ts4">
      <ANNOTATION_VALUE>song</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>
  </TIER>
  <TIER LINGUISTIC_TYPE_REF="default-lt" TIER_ID="traffic">
    <ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a3" TIME_SLOT_REF1="ts5" TIME_SLOT_REF2="ts6">
      <ANNOTATION_VALUE>car</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>
  </TIER>
  <LINGUISTIC_TYPE GRAPHIC_REFERENCES="false" LINGUISTIC_TYPE_ID="default-lt" TIME_ALIGNABLE="true"/>
</ANNOTATION_DOCUMENT>
`
    const { first, saved, again } = await roundTrip('a.eaf', eaf)
    const expected: Tier[] = [
      {
        name: 'voice',
        kind: 'exclusive',
        segments: [
          { start: 0, end: 1.5, label: 'speech' },
          { start: 1.5, end: 2.25, label: 'song' },
        ],
      },
      { name: 'traffic', kind: 'exclusive', segments: [{ start: 1, end: 2.75, label: 'car' }] },
    ]
    expect(first.tiers).toEqual(expected)
    expect(saved.tiers).toEqual(expected)
    expect(again.tiers).toEqual(expected)
  })

  it('Raven selection table: an overlapping tier with boxes, channels and extra columns, written back as read', async () => {
    // Raven Pro's selection table (the Raven manual, "Selection tables"): tab-separated, one row
    // per selection; two selections overlap in time on different channels.
    const raven =
      'Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tHigh Freq (Hz)\tAnnotation\tNotes\tSNR (dB)\n' +
      '1\tSpectrogram 1\t1\t0.25\t1.5\t2000\t6000\tEATO\tnear\t12.5\n' +
      '2\tSpectrogram 1\t2\t1\t2.75\t400\t1800.5\tWOTH\t\t3\n' +
      '3\tSpectrogram 1\t1\t1.25\t1.25\t3000\t3000\tEATO\tpoint\t\n'
    const { first, saved, written, again } = await roundTrip('a.selections.txt', raven)
    const expected: Tier[] = [
      {
        name: 'labels',
        kind: 'overlapping',
        segments: [
          {
            start: 0.25,
            end: 1.5,
            label: 'EATO',
            lowFreq: 2000,
            highFreq: 6000,
            extra: { Notes: 'near', 'SNR (dB)': '12.5' },
          },
          {
            start: 1,
            end: 2.75,
            label: 'WOTH',
            lowFreq: 400,
            highFreq: 1800.5,
            channel: 2,
            // empty cells are none: written back empty
            extra: { 'SNR (dB)': '3' },
          },
          {
            start: 1.25,
            end: 1.25,
            label: 'EATO',
            lowFreq: 3000,
            highFreq: 3000,
            extra: { Notes: 'point' },
          },
        ],
      },
    ]
    expect(first.tiers).toEqual(expected)
    expect(saved.tiers).toEqual(expected)
    expect(again.tiers).toEqual(expected)
    expect(written).toBe(raven)
  })

  it('Audacity label track: overlapping labels, points and spectral selections (the \\ low high line)', async () => {
    // Audacity's label track export (the manual, "Importing and exporting labels"):
    // start<TAB>end<TAB>label, and a spectral selection's `\<TAB>low<TAB>high` line after its label.
    const audacity =
      '0.500000\t2.000000\tsong\n\\\t1500.000000\t4000.000000\n' +
      '1.000000\t1.500000\tcall\n' +
      '1.750000\t1.750000\tbell\n\\\t800.000000\t800.000000\n'
    const { first, saved, written, again } = await roundTrip('a.txt', audacity)
    const expected: Tier[] = [
      {
        name: 'labels',
        kind: 'overlapping',
        segments: [
          { start: 0.5, end: 2, label: 'song', lowFreq: 1500, highFreq: 4000 },
          { start: 1, end: 1.5, label: 'call' },
          { start: 1.75, end: 1.75, label: 'bell', lowFreq: 800, highFreq: 800 },
        ],
      },
    ]
    expect(first.tiers).toEqual(expected)
    expect(saved.tiers).toEqual(expected)
    expect(again.tiers).toEqual(expected)
    expect(written).toBe(audacity)
  })

  it('Audacity: one label track per tier, the tier chosen at export', async () => {
    await ok('saveLabels', {
      media: 'rec.wav',
      baseRevision: 0,
      tiers: [
        { name: 'species', kind: 'exclusive', segments: [{ start: 0, end: 1, label: 'song' }] },
        {
          name: 'events',
          kind: 'overlapping',
          segments: [
            { start: 0.5, end: 2, label: 'car', lowFreq: 50, highFreq: 300 },
            { start: 1, end: 1.5, label: 'speech' },
          ],
        },
      ],
    })
    const track = async (tier?: string) => {
      const out = `track-${tier ?? 'default'}.txt`
      await ok('exportLabels', { media: 'rec.wav', path: out, ...(tier ? { tier } : {}) })
      return fs.readFile(path.join(dir, out), 'utf8')
    }
    expect(await track()).toBe('0.000000\t1.000000\tsong\n')
    expect(await track('events')).toBe(
      '0.500000\t2.000000\tcar\n\\\t50.000000\t300.000000\n1.000000\t1.500000\tspeech\n',
    )
    await expect(
      service.call('exportLabels', { media: 'rec.wav', path: 'x.txt', tier: 'nope' }),
    ).resolves.toMatchObject({
      ok: false,
      error: { code: 'bad-input', message: expect.stringContaining('no tier named "nope"') },
    })
  })

  it('DCASE event list: overlapping events stay an overlapping tier, in the project import too', async () => {
    // dcase_util / sed_eval's event list: file<TAB>onset<TAB>offset<TAB>event_label.
    const dcase = 'rec.wav\t0.5\t2.0\tcar\nrec.wav\t1.0\t1.5\tspeech\nrec.wav\t1.25\t3.0\tsong\n'
    await fs.writeFile(path.join(dir, 'events.txt'), dcase)
    const read = await ok<ImportedLabels>('importLabels', { media: 'rec.wav', path: 'events.txt' })
    const expected: Tier[] = [
      {
        name: 'labels',
        kind: 'overlapping',
        segments: [
          { start: 0.5, end: 2, label: 'car' },
          { start: 1, end: 1.5, label: 'speech' },
          { start: 1.25, end: 3, label: 'song' },
        ],
      },
    ]
    expect(read.tiers).toEqual(expected)
    // a list over the project's recordings goes to each one's tier (overlapping: the rows overlap)
    await ok('importLabelsToProject', { path: 'events.txt', tier: 'events' })
    const view = await ok<LabelsView>('getLabels', { media: 'rec.wav' })
    expect(view.tiers.find((t) => t.name === 'events')).toEqual({ ...expected[0], name: 'events' })
    // DCASE's per-file list (onset offset label) is what the Audacity writer writes; CSV keeps
    // start, end and label
    await ok('exportLabels', { media: 'rec.wav', path: 'out.txt', tier: 'events' })
    const back = await ok<ImportedLabels>('importLabels', { media: 'rec.wav', path: 'out.txt' })
    expect(back.tiers).toEqual(expected)
  })

  it('CSV label table: overlapping rows stay an overlapping tier', async () => {
    const expected: Tier[] = [
      {
        name: 'labels',
        kind: 'overlapping',
        segments: [
          { start: 0.5, end: 2, label: 'car' },
          { start: 1, end: 1.5, label: 'speech' },
          { start: 1.25, end: 3, label: 'song' },
        ],
      },
    ]
    const csv = 'start,end,label\n0.5,2,car\n1,1.5,speech\n1.25,3,song\n'
    const { first, saved, written, again } = await roundTrip('a.labels.csv', csv)
    expect(first.tiers).toEqual(expected)
    expect(saved.tiers).toEqual(expected)
    expect(again.tiers).toEqual(expected)
    expect(written).toBe(csv)
  })

  it('Framewise JSON: every tier with every field, lossless', async () => {
    const tiers: Tier[] = [
      {
        name: 'species',
        kind: 'exclusive',
        segments: [
          { start: 0, end: 0.5, label: 'song', lowFreq: 1000, highFreq: 5000, channel: 2 },
          { start: 0.5, end: 1, label: 'call', extra: { Notes: 'faint', 'Call Type': 'alarm' } },
        ],
      },
      {
        name: 'events',
        kind: 'overlapping',
        segments: [
          { start: 0.25, end: 0.75, label: 'a' },
          { start: 0.5, end: 0.5, label: 'b' },
          { start: 0.5, end: 2, label: 'a' },
        ],
      },
    ]
    const json = JSON.stringify({ tiers }, null, 2) + '\n'
    const { first, saved, written, again } = await roundTrip('a.labels.json', json)
    expect(first.tiers).toEqual(tiers)
    expect(saved.tiers).toEqual(tiers)
    expect(again.tiers).toEqual(tiers)
    expect(written).toBe(json)
  })
})
