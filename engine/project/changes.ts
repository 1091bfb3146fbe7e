/**
 * Which writes are the store's own: the sha256 of each file as the store last handed it out or
 * wrote it, the last few texts it wrote, and the write queue per file. A save over a file whose
 * hash differs from the remembered one is a conflict (labels-store.ts, store.ts); a watcher
 * event for a file that matches it is not an external change.
 */
import type { ExternalChange } from '../api'
import { writeJsonAtomic } from '../io/atomic-write'
import { readRegularText } from '../io/input-files'
import { sha256 } from './history'
import type { MediaRecord } from './manifest'

export class FileChanges {
  /** Tail of the write queue per file, so concurrent saves land in order. */
  readonly #writes = new Map<string, Promise<unknown>>()
  /** sha256 of each file (absolute path) as last read out or written by this store. */
  readonly #seen = new Map<string, string>()
  /** sha256 of the last few texts this store wrote per file: a watcher event that reads a
   * file between two quick saves sees an older own write, not an outside change. */
  readonly #written = new Map<string, string[]>()

  /** The hash of `file` as this store last read out or wrote it (undefined: not yet). */
  seen(file: string): string | undefined {
    return this.#seen.get(file)
  }

  /** Note `text` as what this store handed out of `file`; null (no such file) forgets it. */
  saw(file: string, text: string | null): void {
    if (text !== null) this.#seen.set(file, sha256(text))
    else this.#seen.delete(file)
  }

  #remember(file: string, hash: string): void {
    this.#written.set(file, [...(this.#written.get(file) ?? []).slice(-3), hash])
  }

  /**
   * Write `value` (serialised as `text`) to `file`, noted as this store's own before the rename
   * so the watcher does not report it. When the write fails and the file does not hold `text`
   * (the fault came before the rename), the note is undone, so the next save is not taken for
   * a change by another program.
   */
  async write(file: string, text: string, value: unknown): Promise<void> {
    const seen = this.#seen.get(file)
    this.#seen.set(file, sha256(text))
    this.#remember(file, sha256(text))
    try {
      await writeJsonAtomic(file, value)
    } catch (err) {
      if ((await readRegularText(file, Buffer.byteLength(text)).catch(() => null)) !== text) {
        if (seen === undefined) this.#seen.delete(file)
        else this.#seen.set(file, seen)
      }
      throw err
    }
  }

  /**
   * The change to `file` (the manifest, or the label file of `record`) since this store last saw
   * it, or null (unchanged, or one of its own writes). `forget` drops what was derived from the
   * file when it did change.
   */
  async externalChange(
    file: string,
    record: MediaRecord | undefined,
    maxBytes: number,
    forget: (file: string) => void,
  ): Promise<ExternalChange | null> {
    const seen = this.#seen.get(file)
    const text = await readRegularText(file, maxBytes).catch(() => null)
    if (
      text === null
        ? seen === undefined
        : sha256(text) === seen || this.#written.get(file)?.includes(sha256(text))
    )
      return null
    forget(file)
    if (seen === undefined && record) return null // labels the page has not loaded yet
    return {
      kind: record ? 'labels' : 'manifest',
      media: record?.path ?? null,
      file,
      deleted: text === null,
    }
  }

  /** Run `work` after every earlier write to `file` has settled. */
  serialise<T>(file: string, work: () => Promise<T>): Promise<T> {
    const run = (this.#writes.get(file) ?? Promise.resolve()).then(work, work)
    this.#writes.set(
      file,
      run.catch(() => {}),
    )
    return run
  }
}
