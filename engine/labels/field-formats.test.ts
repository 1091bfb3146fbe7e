/**
 * Formats of other annotation tools: ELAN .eaf, Label Studio JSON exports, BORIS event exports,
 * TIMIT-style sample indices, and what Audacity's spectral lines carry through import → save →
 * export. Fixtures are written here from each format's public documentation.
 */
import { spawnSync } from 'node:child_process'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { convertCommand } from '../commands/convert'
import { DataError } from '../errors'
import { makeWav } from '../media/audio/testing'
import { Service } from '../service'
import { readBoris } from './boris'
import { readEaf, readEafTiers, writeEaf } from './eaf'
import { readLabelStudio } from './label-studio'
import { readSampleIndex } from './sample-index'
import { detectFormat, readLabels, writeLabels } from './formats'
import { parseXml } from './xml'

let dir: string
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-field-'))
})
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true })
})
const put = async (name: string, text: string) => {
  const p = path.join(dir, name)
  await fs.writeFile(p, text)
  return p
}

// An ELAN 3.0 document as the EAF schema describes it: a time order with one unaligned slot
// (ts3, between 1000 and 2000 ms), two alignable tiers, and a reference tier on "words".
const EAF = `<?xml version="1.0" encoding="UTF-8"?>
<!-- made by hand from the EAF 3.0 schema -->
<ANNOTATION_DOCUMENT AUTHOR="" DATE="2024-01-01T00:00:00+00:00" FORMAT="3.0" VERSION="3.0">
  <HEADER MEDIA_FILE="" TIME_UNITS="milliseconds">
    <MEDIA_DESCRIPTOR MEDIA_URL="file:///rec.wav" MIME_TYPE="audio/x-wav"/>
  </HEADER>
  <TIME_ORDER>
    <TIME_SLOT TIME_SLOT_ID="ts1" TIME_VALUE="500"/>
    <TIME_SLOT TIME_SLOT_ID="ts2" TIME_VALUE="1000"/>
    <TIME_SLOT TIME_SLOT_ID="ts3"/>
    <TIME_SLOT TIME_SLOT_ID="ts4" TIME_VALUE="2000"/>
    <TIME_SLOT TIME_SLOT_ID="ts5" TIME_VALUE="2500"/>
    <TIME_SLOT TIME_SLOT_ID="ts6" TIME_VALUE="3250"/>
  </TIME_ORDER>
  <TIER LINGUISTIC_TYPE_REF="default-lt" TIER_ID="empty"/>
  <TIER LINGUISTIC_TYPE_REF="default-lt" TIER_ID="words" PARTICIPANT="A">
    <ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a1" TIME_SLOT_REF1="ts1" TIME_SLOT_REF2="ts2">
      <ANNOTATION_VALUE>bird &amp; song</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>
    <ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a2" TIME_SLOT_REF1="ts2" TIME_SLOT_REF2="ts3">
      <ANNOTATION_VALUE></ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>
    <ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a3" TIME_SLOT_REF1="ts3" TIME_SLOT_REF2="ts4">
      <ANNOTATION_VALUE>call</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>
  </TIER>
  <TIER LINGUISTIC_TYPE_REF="gloss-lt" PARENT_REF="words" TIER_ID="gloss">
    <ANNOTATION><REF_ANNOTATION ANNOTATION_ID="a4" ANNOTATION_REF="a1">
      <ANNOTATION_VALUE>BS</ANNOTATION_VALUE></REF_ANNOTATION></ANNOTATION>
    <ANNOTATION><REF_ANNOTATION ANNOTATION_ID="a5" ANNOTATION_REF="a4">
      <ANNOTATION_VALUE><![CDATA[x<y]]></ANNOTATION_VALUE></REF_ANNOTATION></ANNOTATION>
  </TIER>
  <TIER LINGUISTIC_TYPE_REF="default-lt" TIER_ID="noise">
    <ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a6" TIME_SLOT_REF1="ts5" TIME_SLOT_REF2="ts6">
      <ANNOTATION_VALUE>wind</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>
  </TIER>
  <LINGUISTIC_TYPE GRAPHIC_REFERENCES="false" LINGUISTIC_TYPE_ID="default-lt" TIME_ALIGNABLE="true"/>
  <LINGUISTIC_TYPE CONSTRAINTS="Symbolic_Association" LINGUISTIC_TYPE_ID="gloss-lt" TIME_ALIGNABLE="false"/>
  <CONSTRAINT DESCRIPTION="1-1 association with a parent annotation" STEREOTYPE="Symbolic_Association"/>
</ANNOTATION_DOCUMENT>
`

describe('ELAN .eaf', () => {
  it('reads the first alignable tier with labels; slots in ms, an unaligned slot spread evenly', () => {
    const notes: string[] = []
    expect(readEaf(EAF, 'a.eaf', undefined, (m) => notes.push(m))).toEqual([
      { start: 0.5, end: 1, label: 'bird & song' },
      { start: 1.5, end: 2, label: 'call' },
    ])
    // the other tiers are named, reference tiers as such, never dropped silently
    expect(notes).toEqual([
      'a.eaf: read tier "words"; not read: "empty" (alignable, 0 labelled), "gloss" (reference tier of "words", 2 labelled), "noise" (alignable, 1 labelled) (pick one with the tier option)',
    ])
  })

  it('reads a tier by name; a reference tier takes the times of what it refers to', () => {
    expect(readEaf(EAF, 'a.eaf', 'noise')).toEqual([{ start: 2.5, end: 3.25, label: 'wind' }])
    const notes: string[] = []
    expect(readEaf(EAF, 'a.eaf', 'gloss', (m) => notes.push(m))).toEqual([
      { start: 0.5, end: 1, label: 'BS' },
      { start: 0.5, end: 1, label: 'x<y' },
    ])
    expect(notes[0]).toContain('tier "gloss" refers to "words"')
    expect(() => readEaf(EAF, 'a.eaf', 'nope')).toThrow(
      /a\.eaf: no tier named "nope" \(tiers: "empty" \(alignable, 0 labelled\), "words"/,
    )
    expect(readEafTiers(EAF, 'a.eaf').map((t) => [t.name, t.kind])).toEqual([
      ['empty', 'alignable'],
      ['words', 'alignable'],
      ['gloss', 'reference'],
      ['noise', 'alignable'],
    ])
  })

  it('round-trips through writeEaf, cutting overlaps and leaving points out as a tier must', async () => {
    const segs = [
      { start: 0.25, end: 1.5, label: 'a <"&\'> b' },
      { start: 1, end: 2.125, label: 'c' },
      { start: 3, end: 3, label: 'point' },
    ]
    const p = path.join(dir, 'rt.eaf')
    await writeLabels(p, segs, 'eaf')
    expect(await readLabels(p)).toEqual([
      { start: 0.25, end: 1, label: 'a <"&\'> b' },
      { start: 1, end: 2.125, label: 'c' },
    ])
    const out = path.join(dir, 'back.eaf')
    const report = (await convertCommand({ input: p, to: 'eaf', out })) as { warnings: string[] }
    expect(report.warnings).toEqual([])
    const withPoint = path.join(dir, 'point.json')
    await writeLabels(withPoint, segs, 'json')
    const r2 = (await convertCommand({
      input: withPoint,
      to: 'eaf',
      out: path.join(dir, 'p.eaf'),
    })) as {
      warnings: string[]
    }
    expect(r2.warnings).toEqual([
      '1 overlapping pair(s) were cut: an ELAN tier cannot hold overlaps',
      '1 point label(s) left out: an ELAN tier has no points',
    ])
  })

  it('is recognised by its content, whatever the ending', async () => {
    const p = await put('session.xml', EAF)
    expect((await readLabels(p)).map((s) => s.label)).toEqual(['bird & song', 'call'])
    expect((await readLabels(p, { tier: 'noise' })).map((s) => s.label)).toEqual(['wind'])
  })

  it('refuses broken documents with the line, and what it does not support', () => {
    expect(() =>
      readEaf(
        EAF.replace(
          '</TIER>\n  <TIER LINGUISTIC_TYPE_REF="gloss-lt"',
          '</TIRE>\n  <TIER LINGUISTIC_TYPE_REF="gloss-lt"',
        ),
        'a.eaf',
      ),
    ).toThrow(/^a\.eaf:23: <\/TIRE> closes <TIER> \(opened on line 16\)$/)
    expect(() => readEaf(EAF.slice(0, 600), 'a.eaf')).toThrow(
      /a\.eaf:13: truncated XML: the file ends inside <TIME_SLOT>/,
    )
    expect(() => readEaf(EAF.slice(0, EAF.indexOf('</ANNOTATION_DOCUMENT>')), 'a.eaf')).toThrow(
      'a.eaf: truncated XML: <ANNOTATION_DOCUMENT> (line 3) is never closed',
    )
    expect(() => readEaf(EAF.replace('milliseconds', 'PAL-frames'), 'a.eaf')).toThrow(
      /TIME_UNITS "PAL-frames" is not supported/,
    )
    expect(() =>
      readEaf(EAF.replace('TIME_SLOT_REF2="ts6"', 'TIME_SLOT_REF2="ts9"'), 'a.eaf', 'noise'),
    ).toThrow(/a\.eaf:\d+: annotation a6 refers to unknown time slot "ts9"/)
    expect(() =>
      readEaf(EAF.replace('ANNOTATION_REF="a1"', 'ANNOTATION_REF="a5"'), 'a.eaf', 'gloss'),
    ).toThrow(/references form a cycle/)
    expect(() => parseXml('<a>&bomb;</a>', 'x.xml')).toThrow(/unknown entity &bomb;/)
    expect(parseXml('<a b="&#x41;&#66;">&lt;t&gt;</a>', 'x.xml')).toMatchObject({
      attrs: { b: 'AB' },
      text: '<t>',
    })
  })

  it('a long chain of references is followed without recursion', () => {
    const n = 50_000
    const refs = Array.from(
      { length: n },
      (_, i) =>
        `<ANNOTATION><REF_ANNOTATION ANNOTATION_ID="r${i + 1}" ANNOTATION_REF="r${i}"><ANNOTATION_VALUE>v</ANNOTATION_VALUE></REF_ANNOTATION></ANNOTATION>`,
    )
      .reverse() // the first one read is the deepest
      .join('')
    const doc =
      '<ANNOTATION_DOCUMENT><TIME_ORDER><TIME_SLOT TIME_SLOT_ID="t1" TIME_VALUE="0"/><TIME_SLOT TIME_SLOT_ID="t2" TIME_VALUE="10"/></TIME_ORDER>' +
      '<TIER TIER_ID="a"><ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="r0" TIME_SLOT_REF1="t1" TIME_SLOT_REF2="t2"><ANNOTATION_VALUE>x</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION></TIER>' +
      `<TIER TIER_ID="b" PARENT_REF="a">${refs}</TIER></ANNOTATION_DOCUMENT>`
    const segs = readEaf(doc, 'chain.eaf', 'b')
    expect(segs).toHaveLength(n)
    expect(segs[0]).toEqual({ start: 0, end: 0.01, label: 'v' })
  })

  it('an empty document writes and reads back empty', () => {
    expect(readEaf(writeEaf([]), 'e.eaf')).toEqual([])
  })
})

describe('Label Studio exports', () => {
  // Full export: tasks with annotations[].result[] (the Label Studio task format page).
  const task = (file: string, results: unknown[], more: unknown[] = []) => ({
    id: 1,
    data: { audio: `/data/upload/1/3f2a1b9c-${file}` },
    annotations: [{ id: 10, result: results, was_cancelled: false }, ...more],
  })
  const audio = (start: number, end: number, labels: string[]) => ({
    id: 'r',
    type: 'labels',
    from_name: 'label',
    to_name: 'audio',
    value: { start, end, channel: 0, labels },
  })

  it('full export: audio regions, one segment per label; other result kinds skipped with a note', () => {
    const notes: string[] = []
    const raw = [
      task(
        'rec.wav',
        [
          audio(0.5, 1.25, ['Bird']),
          audio(2, 3, ['Bird', 'Frog']),
          { type: 'choices', from_name: 'q', to_name: 'audio', value: { choices: ['good'] } },
          {
            type: 'labels',
            from_name: 'ner',
            to_name: 'text',
            value: { start: 3, end: 9, text: 'a word', labels: ['Bird'] },
          },
        ],
        [{ id: 11, result: [audio(9, 10, ['Other'])] }],
      ),
    ]
    expect(readLabelStudio(raw, 'ls.json', { note: (m) => notes.push(m) })).toEqual([
      { start: 0.5, end: 1.25, label: 'Bird' },
      { start: 2, end: 3, label: 'Bird' },
      { start: 2, end: 3, label: 'Frog' },
    ])
    expect(notes).toEqual([
      'ls.json: skipped results that are not time labels: 1 choices, 1 text spans',
      'ls.json: read the first annotation of the task; 1 more (other annotators) not read',
    ])
  })

  it('time series: numeric times, instants as points, dates placed by the time origin', () => {
    const ts = (start: unknown, end: unknown, extra: object = {}) => ({
      type: 'timeserieslabels',
      from_name: 'label',
      to_name: 'ts',
      value: { start, end, instant: false, timeserieslabels: ['Run'], ...extra },
    })
    expect(
      readLabelStudio([task('imu.csv', [ts(1.5, 4, {}), ts(6, 6, { instant: true })])], 'ls.json'),
    ).toEqual([
      { start: 1.5, end: 4, label: 'Run' },
      { start: 6, end: 6, label: 'Run' },
    ])
    const dated = [task('imu.csv', [ts('2024-03-01T10:00:02.5Z', '2024-03-01T10:00:04Z')])]
    expect(readLabelStudio(dated, 'ls.json', { timeOrigin: '2024-03-01T10:00:00.000Z' })).toEqual([
      { start: 2.5, end: 4, label: 'Run' },
    ])
    expect(() => readLabelStudio(dated, 'ls.json')).toThrow(
      /^ls\.json: result 1: time "2024-03-01T10:00:02.5Z" is a date: import it for a time series whose time column holds dates/,
    )
    expect(() => readLabelStudio([task('x', [ts('soon', 2)])], 'ls.json')).toThrow(
      /time "soon" is not seconds nor a date/,
    )
  })

  it('timeline ranges: frames from 1, by the label config frame rate or the one given', () => {
    const timeline = {
      type: 'timelinelabels',
      from_name: 'videoLabels',
      to_name: 'video',
      value: {
        ranges: [
          { start: 1, end: 25 },
          { start: 51, end: 60 },
        ],
        timelinelabels: ['Car'],
      },
    }
    // the ML backend's { task, annotation, project } payload, with the project's label config
    const payload = {
      annotation: { id: 1, result: [timeline] },
      project: {
        label_config: '<View><Video name="video" value="$video" framerate="25.0"/></View>',
      },
      task: { id: 2, data: { video: 'v.mp4' } },
    }
    expect(readLabelStudio(payload, 'ls.json')).toEqual([
      { start: 0, end: 1, label: 'Car' },
      { start: 2, end: 2.4, label: 'Car' },
    ])
    expect(readLabelStudio([task('v.mp4', [timeline])], 'ls.json', { frameRate: 50 })).toEqual([
      { start: 0, end: 0.5, label: 'Car' },
      { start: 1, end: 1.2, label: 'Car' },
    ])
    expect(() => readLabelStudio([task('v.mp4', [timeline])], 'ls.json')).toThrow(
      'ls.json: result 1: timeline ranges count video frames: give the frame rate (--frame-rate)',
    )
  })

  it('JSON_MIN export, and picking the task of this recording in an export of several', async () => {
    const min = [
      {
        id: 1,
        audio: '/data/upload/1/a1b2c3d4-a.wav',
        label: [
          { start: 0, end: 1, channel: 0, labels: ['Bird'] },
          { start: 10, end: 40, text: 'not audio', labels: ['Bird'] },
        ],
        annotator: 'x@y',
        lead_time: 3.2,
      },
      {
        id: 2,
        audio: '/data/upload/1/e5f6a7b8-b.wav',
        label: [{ start: 5, end: 6, channel: 0, labels: ['Frog'] }],
      },
    ]
    const p = await put('project-1-at-2024.json', JSON.stringify(min))
    expect(await readLabels(p, { media: '/anywhere/b.wav' })).toEqual([
      { start: 5, end: 6, label: 'Frog' },
    ])
    expect(await readLabels(p, { media: 'a.wav' })).toEqual([{ start: 0, end: 1, label: 'Bird' }])
    await expect(readLabels(p)).rejects.toThrow(
      /2 tasks \(a1b2c3d4-a\.wav, e5f6a7b8-b\.wav\) and no recording to pick one by: export the task of this recording alone/,
    )
    await expect(readLabels(p, { media: 'c.wav' })).rejects.toThrow(/none names c\.wav alone/)
    // Framewise's own JSON is not taken for a Label Studio export
    const own = await put(
      'own.json',
      JSON.stringify({ segments: [{ start: 0, end: 1, label: 'x' }] }),
    )
    expect(detectFormat(own, await fs.readFile(own, 'utf8')).name).toBe('json')
  })
})

describe('BORIS exports', () => {
  it('aggregated events: start/stop per row, POINT rows are points', () => {
    const tsv = [
      'Observation id\tObservation date\tDescription\tObservation type\tSource\tTime offset (s)\tMedia duration (s)\tFPS\tSubject\tObservation duration by subject by observation\tBehavior\tBehavioral category\tBehavior type\tStart (s)\tStop (s)\tDuration (s)\tMedia file name\tImage index start\tImage index stop\tImage file path start\tImage file path stop\tComment start\tComment stop',
      'obs1\t2024-01-01 10:00:00\t\tMedia file\tplayer #1:rec.mp4\t0.0\t60.000\t25.000\tmouse A\t12.5\tgrooming\tcare\tSTATE\t1.500\t4.000\t2.500\trec.mp4\tNA\tNA\tNA\tNA\t\t',
      'obs1\t2024-01-01 10:00:00\t\tMedia file\tplayer #1:rec.mp4\t0.0\t60.000\t25.000\tmouse A\t12.5\tsniff\tcare\tPOINT\t7.000\t7.000\tNA\trec.mp4\tNA\tNA\tNA\tNA\t\t',
      '',
    ].join('\n')
    const notes: string[] = []
    const unstopped =
      'obs1\t2024-01-01 10:00:00\t\tMedia file\tplayer #1:rec.mp4\t0.0\t60.000\t25.000\tmouse A\t12.5\trest\tcare\tSTATE\t50.000\tNA\tNA\trec.mp4\tNA\tNA\tNA\tNA\t\t\n'
    expect(readBoris(tsv + unstopped, 'agg.tsv', { note: (m) => notes.push(m) })).toEqual([
      { start: 1.5, end: 4, label: 'grooming' },
      { start: 7, end: 7, label: 'sniff' },
    ])
    expect(notes).toEqual(['agg.tsv:4: "rest" starts at 50 s and never stops: left out'])
  })

  it('tabular events after the observation lines: START/STOP paired per subject and behavior', () => {
    const notes: string[] = []
    const tsv = [
      'Observation id\tobs2',
      'Observation date\t2024-01-01T10:00:00',
      'Description\t',
      '',
      'Media file(s)',
      'Player #1\trec.mp4',
      '',
      'Time\tMedia file path\tTotal length\tFPS\tSubject\tBehavior\tBehavioral category\tComment\tStatus',
      '1.0\trec.mp4\t60\t25\tA\twalk\tmove\t\tSTART',
      '2.0\trec.mp4\t60\t25\tB\twalk\tmove\t\tSTART',
      '3.5\trec.mp4\t60\t25\tA\twalk\tmove\t\tSTOP',
      '4.0\trec.mp4\t60\t25\tA\tbark\tsound\t\tPOINT',
      '5.0\trec.mp4\t60\t25\tB\twalk\tmove\t\tSTOP',
      '8.0\trec.mp4\t60\t25\tA\trest\tmove\t\tSTART',
    ].join('\r\n')
    expect(readBoris(tsv, 'tab.tsv', { note: (m) => notes.push(m) })).toEqual([
      { start: 1, end: 3.5, label: 'walk' },
      { start: 2, end: 5, label: 'walk' },
      { start: 4, end: 4, label: 'bark' },
    ])
    expect(notes).toEqual(['tab.tsv:14: "rest" of A starts at 8 s and never stops: left out'])
    // newer BORIS: the status in "Behavior type"; a STOP with no START is refused with its line
    const header =
      'Observation id\tSubject\tBehavior\tBehavioral category\tBehavior type\tTime\tMedia file name\n'
    expect(() => readBoris(header + 'o\tA\twalk\tmove\tSTOP\t3\trec.mp4\n', 't.tsv')).toThrow(
      /^t\.tsv:2: STOP of "walk" of A without a START$/,
    )
  })

  it('is sniffed by its header, and a table of several observations needs the recording', async () => {
    const header =
      'Observation id\tSubject\tBehavior\tBehavioral category\tBehavior type\tTime\tMedia file name\n'
    const rows =
      'o1\tA\twalk\tmove\tPOINT\t3\tC:\\videos\\day1.mp4\no2\tA\trun\tmove\tPOINT\t5\tC:\\videos\\day2.mp4\n'
    const p = await put('events.tsv', header + rows)
    expect(await readLabels(p, { media: '/data/day2.mp4' })).toEqual([
      { start: 5, end: 5, label: 'run' },
    ])
    await expect(readLabels(p)).rejects.toThrow(
      /2 observations \(o1, o2\) and no recording to pick one by/,
    )
  })
})

describe('sample-index labels (TIMIT .PHN/.WRD)', () => {
  const phn = '0 3050 h#\n3050 4559 sh\n4559 5723 ix\n'
  it('turns samples into seconds at the rate given, and refuses without one', async () => {
    expect(readSampleIndex(phn, 'SA1.PHN', 16000)).toEqual([
      { start: 0, end: 3050 / 16000, label: 'h#' },
      { start: 3050 / 16000, end: 4559 / 16000, label: 'sh' },
      { start: 4559 / 16000, end: 5723 / 16000, label: 'ix' },
    ])
    const p = await put('SA1.PHN', phn)
    await expect(readLabels(p)).rejects.toThrow(
      `${p}: times are sample numbers: give the recording's sample rate (--rate 16000 for TIMIT), or import it for an audio file of the project`,
    )
    expect(() => readSampleIndex('0 1.5 a\n', 'x.wrd', 16000)).toThrow(
      'x.wrd:1: end sample "1.5" is not a whole number of samples',
    )
    expect(() => readSampleIndex('10 5 a\n', 'x.wrd', 16000)).toThrow(DataError)
  })
  it('the CLI: convert --rate reads it; without one, one line saying to give it (exit 1)', async () => {
    const p = await put('SA2.PHN', '0 8000 h#\n')
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'engine/cli.ts', 'convert', p, ...args], {
        encoding: 'utf8',
        timeout: 120_000,
      })
    const out = path.join(dir, 'sa2.txt')
    expect(cli('--to', 'audacity', '--out', out, '--rate', '16000').status).toBe(0)
    expect(await fs.readFile(out, 'utf8')).toBe('0.000000\t0.500000\th#\n')
    const refused = cli('--to', 'audacity', '--out', path.join(dir, 'x.txt'))
    expect(refused.status).toBe(1)
    expect(refused.stderr).toBe(
      `framewise: ${p}: times are sample numbers: give the recording's sample rate (--rate 16000 for TIMIT), or import it for an audio file of the project\n`,
    )
    const zero = cli('--to', 'audacity', '--out', path.join(dir, 'y.txt'), '--rate', '0')
    expect(zero.status).toBe(2)
    expect(zero.stderr).toContain('--rate must be > 0, not 0')
    expect(cli('--to', 'boris', '--out', path.join(dir, 'z.tsv')).stderr).toContain(
      '--to must be one of audacity, raven, textgrid, csv, json, eaf',
    )
  }, 60_000)

  it('convert takes --rate', async () => {
    const p = await put('SA1.WRD', '3050 5720 she\n')
    const out = path.join(dir, 'sa1.txt')
    await convertCommand({ input: p, to: 'audacity', out, rate: 16000 })
    expect(await fs.readFile(out, 'utf8')).toBe('0.190625\t0.357500\tshe\n')
  })
})

describe('refusals say what the file looks like and what is read', () => {
  it.each([
    [
      'a.not.mat',
      'MATLAB 5.0 MAT-file, Platform: GLNXA64\u0000\u0001\u0002',
      'a MATLAB MAT-file (binary)',
    ],
    [
      'Annotation.xml',
      '<?xml version="1.0"?>\n<Sequences><Sequence/></Sequences>',
      'XML with root element <Sequences>',
    ],
    ['x.dat', 'onset;offset;what\n1;2;a\n', 'a table with columns "onset", "offset", "what"'],
  ])('%s', async (name, text, seems) => {
    const p = await put(name, text)
    const err = await readLabels(p).catch((e: Error) => e)
    expect(err).toBeInstanceOf(DataError)
    const message = (err as Error).message
    expect(message).toContain(`${p}: not a label format Framewise reads`)
    expect(message).toContain(`it looks like ${seems}`)
    expect(message).toContain('formats read: Audacity label track (.txt, .labels), Raven')
    expect(message).toContain('ELAN .eaf (.eaf), Label Studio JSON export, BORIS events export')
    expect(message).not.toContain('\n')
  })
})

describe('through the service: the recording gives the rate, and frequency bounds survive', () => {
  let service: Service
  const ok = async <T>(method: string, params: unknown): Promise<T> => {
    const r = await service.call(method, params)
    if (!r.ok) throw new Error(r.error.message)
    return r.result as T
  }
  beforeEach(async () => {
    service = new Service(() => {})
    await fs.writeFile(
      path.join(dir, 'tone.wav'),
      makeWav({ bits: 16, rate: 8000, channels: [new Float64Array(16000)] }),
    )
    await ok('createProject', { dir })
    await ok('addMedia', { paths: ['tone.wav'] })
  })

  it('imports a .phn at the recording rate (8 kHz here)', async () => {
    await put('tone.phn', '0 4000 event\n4000 12000 event\n')
    const read = await ok<{ segments: unknown[] }>('importLabels', {
      media: 'tone.wav',
      path: 'tone.phn',
    })
    expect(read.segments).toEqual([
      { start: 0, end: 0.5, label: 'event' },
      { start: 0.5, end: 1.5, label: 'event' },
    ])
  })

  it('Audacity spectral lines and point labels: import → save → export keeps them', async () => {
    const aud =
      '0.500000\t1.250000\tevent\n\\\t440.000000\t880.500000\n2.000000\t2.000000\tevent\n\\\t1000.000000\t1000.000000\n3.000000\t4.000000\tevent\n'
    await put('in.txt', aud)
    const read = await ok<{ segments: object[]; unknownClasses: string[]; notes: string[] }>(
      'importLabels',
      { media: 'tone.wav', path: 'in.txt' },
    )
    expect(read).toMatchObject({
      segments: [
        { start: 0.5, end: 1.25, label: 'event', lowFreq: 440, highFreq: 880.5 },
        { start: 2, end: 2, label: 'event', lowFreq: 1000, highFreq: 1000 },
        { start: 3, end: 4, label: 'event' },
      ],
      unknownClasses: [],
      notes: [],
    })
    await ok('saveLabels', { media: 'tone.wav', baseRevision: 0, segments: read.segments })
    const saved = await ok<{ segments: object[] }>('getLabels', { media: 'tone.wav' })
    expect(saved.segments).toEqual(read.segments)
    await ok('exportLabels', { media: 'tone.wav', path: 'out.txt' })
    expect(await fs.readFile(path.join(dir, 'out.txt'), 'utf8')).toBe(aud)
  })

  it('notes come back with the import; read-only formats are not offered for export', async () => {
    await put('s.eaf', EAF)
    const read = await ok<{ notes: string[]; unknownClasses: string[] }>('importLabels', {
      media: 'tone.wav',
      path: 's.eaf',
    })
    expect(read.notes).toHaveLength(1)
    expect(read.unknownClasses).toEqual(['bird & song', 'call'])
    const noise = await ok<{ segments: unknown[] }>('importLabels', {
      media: 'tone.wav',
      path: 's.eaf',
      tier: 'noise',
    })
    expect(noise.segments).toEqual([{ start: 2.5, end: 3.25, label: 'wind' }])
    expect(await service.call('exportLabels', { media: 'tone.wav', path: 'x.phn' })).toMatchObject({
      ok: false,
      error: { code: 'bad-input', message: expect.stringContaining('does not write them') },
    })
    expect(
      await service.call('exportLabels', { media: 'tone.wav', path: 'x.json', format: 'boris' }),
    ).toMatchObject({ ok: false, error: { code: 'invalid-request' } })
  })
})
