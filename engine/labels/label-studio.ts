/**
 * Label Studio JSON exports. Three shapes hold the same results:
 *   - the full export ("JSON"): an array of tasks `{ data, annotations: [{ result: [...] }] }`
 *     (a single task object, or the ML backend's `{ task, annotation: { result } }`, too);
 *   - the "JSON_MIN" export: an array of records `{ <data keys>, <control name>: [values] }`;
 *   - a result list on its own.
 * The results read, by their value's label key:
 *   - `labels` (Audio regions): `start`/`end` in seconds;
 *   - `timeserieslabels`: `start`/`end` in the time column's units (seconds as numbers, or dates
 *     as strings, placed on the recording's time axis by `timeOrigin`), `instant` → a point;
 *   - `timelinelabels` (video timeline): `ranges[{start, end}]` in frames counted from 1, turned
 *     into seconds by the frame rate (the `<Video framerate>` of the export's label config, else
 *     `frameRate`).
 * Several labels on one region give one segment each. Text spans, choices and the like are not
 * time labels and are skipped with a note. An export of several tasks is narrowed to the one whose
 * data names the recording (`media`), else refused with the recordings it names.
 */
import { basename } from 'node:path'
import { DataError } from '../errors'
import type { Segment } from './segments'

export interface LabelStudioOptions {
  /** File name of the recording the labels are for (picks its task in a multi-task export). */
  media?: string
  /** Frames per second of the video a timeline refers to. */
  frameRate?: number
  /** ISO 8601 time of the recording's first sample (string times in a time-series result). */
  timeOrigin?: string
  /** Hears what was skipped. */
  note?: (message: string) => void
}

type Json = Record<string, unknown>
const isObj = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x)
const LABEL_KEYS = ['labels', 'timeserieslabels', 'timelinelabels'] as const

/** A value that carries time labels (a text span has `start`/`end` too, in characters, and its `text`). */
const isTimeValue = (v: unknown): v is Json =>
  isObj(v) &&
  LABEL_KEYS.some((k) => Array.isArray(v[k])) &&
  ('start' in v || 'ranges' in v) &&
  typeof v.text !== 'string'

interface Task {
  /** What the task's data names (file paths, URLs), to match the recording. */
  names: string[]
  /** Values with time labels. */
  values: Json[]
  /** Results of other kinds, by type. */
  skipped: Map<string, number>
  /** Annotations beyond the first, not read. */
  extraAnnotations: number
}

function dataNames(data: unknown): string[] {
  if (!isObj(data)) return []
  // file paths and URLs, not the annotator or dates a JSON_MIN record carries beside them
  return Object.values(data).filter(
    (v): v is string => typeof v === 'string' && (v.includes('/') || /\.\w{2,5}$/.test(v)),
  )
}

function fromResults(results: unknown[], task: Task) {
  for (const r of results) {
    const value = isObj(r) ? r.value : undefined
    if (isTimeValue(value)) task.values.push(value)
    else {
      const text = isObj(value) && typeof value.text === 'string'
      const type = text ? 'text spans' : isObj(r) && typeof r.type === 'string' ? r.type : 'unknown'
      task.skipped.set(type, (task.skipped.get(type) ?? 0) + 1)
    }
  }
}

function fullTask(t: Json): Task {
  const task: Task = {
    names: dataNames(t.data),
    values: [],
    skipped: new Map(),
    extraAnnotations: 0,
  }
  const annotations = (Array.isArray(t.annotations) ? t.annotations : t.completions) as unknown
  const list = Array.isArray(annotations)
    ? annotations.filter((a) => isObj(a) && !a.was_cancelled && Array.isArray(a.result))
    : []
  if (list.length) {
    fromResults((list[0] as Json).result as unknown[], task)
    task.extraAnnotations = list.length - 1
  } else if (Array.isArray(t.result)) fromResults(t.result, task)
  return task
}

function minTask(record: Json): Task {
  const task: Task = {
    names: dataNames(record),
    values: [],
    skipped: new Map(),
    extraAnnotations: 0,
  }
  for (const v of Object.values(record)) {
    if (Array.isArray(v)) for (const item of v) if (isTimeValue(item)) task.values.push(item)
  }
  return task
}

/** True when `raw` (parsed JSON) is a Label Studio export with at least one task. */
export function isLabelStudioJson(raw: unknown): boolean {
  const items = Array.isArray(raw) ? raw : [raw]
  const first = items[0]
  if (!isObj(first)) return false
  if (Array.isArray(first.annotations) || Array.isArray(first.completions)) return true
  if (isObj(first.annotation) && Array.isArray(first.annotation.result)) return true
  if (isObj(first.value) && typeof first.type === 'string' && 'from_name' in first) return true
  return Object.values(first).some((v) => Array.isArray(v) && v.some(isTimeValue))
}

function tasksOf(raw: unknown): Task[] {
  if (isObj(raw) && isObj(raw.annotation))
    return [
      fullTask({
        data: isObj(raw.task) ? raw.task.data : undefined,
        result: raw.annotation.result,
      }),
    ]
  const items = Array.isArray(raw) ? raw : [raw]
  if (items.every((r) => isObj(r) && isObj(r.value) && 'from_name' in r)) {
    const task: Task = { names: [], values: [], skipped: new Map(), extraAnnotations: 0 }
    fromResults(items, task)
    return [task]
  }
  return items
    .filter(isObj)
    .map((t) =>
      Array.isArray(t.annotations) || Array.isArray(t.completions) || Array.isArray(t.result)
        ? fullTask(t)
        : minTask(t),
    )
}

/** `<Video ... framerate="25">` of a label config, when the export carries one. */
function configFrameRate(raw: unknown): number | undefined {
  const config = isObj(raw) && isObj(raw.project) ? raw.project.label_config : undefined
  if (typeof config !== 'string') return undefined
  const m = /<Video\b[^>]*\bframe[Rr]ate\s*=\s*"([\d.]+)"/.exec(config)
  const fps = m ? Number(m[1]) : NaN
  return fps > 0 ? fps : undefined
}

export function readLabelStudio(
  raw: unknown,
  file: string,
  options: LabelStudioOptions = {},
): Segment[] {
  let tasks = tasksOf(raw).filter((t) => t.values.length > 0 || t.skipped.size > 0)
  if (tasks.length > 1) {
    const want = options.media ? basename(options.media) : undefined
    const named = want
      ? tasks.filter((t) =>
          t.names.some((n) => {
            const b = basename(decodeURIComponent(n.split('?')[0]))
            // uploads are renamed "<8 hex>-<name>"
            return b === want || b.endsWith(`-${want}`)
          }),
        )
      : []
    if (named.length !== 1) {
      const list = tasks
        .map((t) => t.names.map((n) => basename(n)).join(' ') || '(no file)')
        .slice(0, 10)
        .join(', ')
      throw new DataError(
        file,
        `${tasks.length} tasks (${list}${tasks.length > 10 ? ', …' : ''}) and ${
          want ? `none names ${want} alone` : 'no recording to pick one by'
        }: export the task of this recording alone`,
      )
    }
    tasks = named
  }
  const task = tasks[0]
  if (!task) return []
  const fps = configFrameRate(raw) ?? options.frameRate
  const out: Segment[] = []
  task.values.forEach((v, i) => {
    const where = `result ${i + 1}`
    const key = LABEL_KEYS.find((k) => Array.isArray(v[k]))!
    const labels = (v[key] as unknown[]).filter((l): l is string => typeof l === 'string')
    const spans: Array<[number, number]> = []
    if (key === 'timelinelabels') {
      if (!Array.isArray(v.ranges))
        throw new DataError(file, `${where}: timelinelabels without ranges`)
      if (!fps)
        throw new DataError(
          file,
          `${where}: timeline ranges count video frames: give the frame rate (--frame-rate)`,
        )
      for (const r of v.ranges) {
        const s = isObj(r) ? Number(r.start) : NaN
        const e = isObj(r) ? Number(r.end) : NaN
        if (!Number.isFinite(s) || !Number.isFinite(e) || s < 1 || e < s)
          throw new DataError(file, `${where}: range ${JSON.stringify(r)} is not frames from 1`)
        spans.push([(s - 1) / fps, e / fps])
      }
    } else {
      const start = time(v.start, file, where, options.timeOrigin)
      const end =
        v.instant === true || v.end === undefined
          ? start
          : time(v.end, file, where, options.timeOrigin)
      if (end < start) throw new DataError(file, `${where}: end ${end} before start ${start}`)
      spans.push([start, end])
    }
    for (const [start, end] of spans)
      for (const label of labels) if (label.trim()) out.push({ start, end, label: label.trim() })
  })
  const skipped = [...task.skipped].map(([type, n]) => `${n} ${type}`).join(', ')
  if (skipped) options.note?.(`${file}: skipped results that are not time labels: ${skipped}`)
  if (task.extraAnnotations)
    options.note?.(
      `${file}: read the first annotation of the task; ${task.extraAnnotations} more (other annotators) not read`,
    )
  return out
}

function time(x: unknown, file: string, where: string, origin?: string): number {
  if (typeof x === 'number' && Number.isFinite(x) && x >= 0) return x
  if (typeof x === 'string') {
    const n = Number(x)
    if (x.trim() !== '' && Number.isFinite(n) && n >= 0) return n
    const d = /^\d{4}-\d\d-\d\d/.test(x) ? Date.parse(x) : NaN
    if (Number.isFinite(d)) {
      const t0 = origin !== undefined ? Date.parse(origin) : NaN
      if (!Number.isFinite(t0))
        throw new DataError(
          file,
          `${where}: time "${x}" is a date: import it for a time series whose time column holds dates, so it is placed on its time axis`,
        )
      if (d < t0)
        throw new DataError(
          file,
          `${where}: time "${x}" is before the recording starts (${origin})`,
        )
      return (d - t0) / 1000
    }
  }
  throw new DataError(file, `${where}: time ${JSON.stringify(x)} is not seconds nor a date`)
}
