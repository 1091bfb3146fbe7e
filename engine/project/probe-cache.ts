/**
 * Header probes kept between sessions (probe.ts): one JSON file in the project's cache folder
 * mapping a media file's absolute path to its size, mtime and what its probe found, so a new
 * engine lists a project of thousands of files with one stat per file instead of opening every
 * header. An entry counts only while the file's size and mtime are the ones stored with it;
 * a damaged cache file or entry is ignored (the probe runs again), and the file is written
 * atomically (a cache: without waiting for the disk) only when a probe added something.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { writeFileAtomic } from '../io/atomic-write'

/** What a cheap probe tells: seconds (null when it cannot tell) and what the header got wrong. */
export interface Probe {
  duration: number | null
  /** Problems read past (e.g. a truncated data chunk), one sentence each. */
  warnings: string[]
}

const FORMAT = 'framewise-probes'
const VERSION = 1

interface Entry {
  size: number
  mtimeMs: number
  probe: Probe
}

export class ProbeCache {
  #changed = false

  private constructor(
    /** The cache file. */
    readonly file: string,
    private readonly entries: Map<string, Entry>,
  ) {}

  /** The cache stored in `file`, or an empty one when it is missing or damaged. */
  static async load(file: string): Promise<ProbeCache> {
    const text = await fs.readFile(file, 'utf8').catch(() => null)
    return new ProbeCache(file, text === null ? new Map() : parseEntries(text))
  }

  /** The stored probe of `file` when its size and mtime are still those probed. */
  get(file: string, size: number, mtimeMs: number): Probe | undefined {
    const e = this.entries.get(file)
    return e && e.size === size && e.mtimeMs === mtimeMs ? e.probe : undefined
  }

  /** Remembers a probe that found a duration (unknown ones are asked again next time). */
  set(file: string, size: number, mtimeMs: number, probe: Probe): void {
    if (probe.duration === null) return
    const e = this.entries.get(file)
    if (e && e.size === size && e.mtimeMs === mtimeMs) return
    this.entries.set(file, { size, mtimeMs, probe })
    this.#changed = true
  }

  /** Writes the cache when a probe added to it; a folder that cannot be written keeps none. */
  async save(): Promise<void> {
    if (!this.#changed) return
    this.#changed = false
    const entries = Object.fromEntries(
      [...this.entries].map(([k, e]) => [
        k,
        [e.size, e.mtimeMs, e.probe.duration, ...e.probe.warnings],
      ]),
    )
    try {
      await fs.mkdir(path.dirname(this.file), { recursive: true })
      await writeFileAtomic(
        this.file,
        JSON.stringify({ format: FORMAT, version: VERSION, entries }),
        {
          durable: false,
        },
      )
    } catch {
      this.#changed = true // try again after the next probe
    }
  }
}

/** Entries of a cache file's text; anything not of the expected shape is left out. */
function parseEntries(text: string): Map<string, Entry> {
  const out = new Map<string, Entry>()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return out
  }
  const o = json as { format?: unknown; version?: unknown; entries?: unknown }
  if (o?.format !== FORMAT || o.version !== VERSION || typeof o.entries !== 'object' || !o.entries)
    return out
  for (const [file, v] of Object.entries(o.entries as Record<string, unknown>)) {
    if (!Array.isArray(v) || v.length < 3) continue
    const [size, mtimeMs, duration, ...warnings] = v as unknown[]
    const finite = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n)
    if (!finite(size) || !finite(mtimeMs) || !finite(duration) || duration < 0) continue
    if (!warnings.every((w) => typeof w === 'string')) continue
    out.set(file, { size, mtimeMs, probe: { duration, warnings: warnings as string[] } })
  }
  return out
}
