/**
 * Playback of a project media file, for both transports: browser mode's `/media` route
 * (server.ts) and Electron's `framewise-media:` protocol (electron/media.ts). Either way the
 * file is named by its media id and resolved by the project store (project media only, `..`
 * and symlinks confined), never taken as a path from the URL; single byte ranges are honoured
 * so the <audio> element can seek.
 */
import { promises as fs } from 'node:fs'
import type { Project } from './project/store'
import { audioMime } from './views'

/** What to answer a playback request with; `body` is the byte range to stream, if any. */
export interface MediaReply {
  status: number
  headers: Record<string, string>
  /** Inclusive byte range of `file` to send; null for HEAD, errors and empty files. */
  body: { file: string; start: number; end: number } | null
  /** Why the request was refused (status ≥ 400). */
  error?: string
}

/** The reply to GET/HEAD of media `id`, honouring a `Range` header. */
export async function mediaReply(
  project: Project,
  id: string,
  method: string,
  range: string | undefined,
): Promise<MediaReply> {
  const refuse = (status: number, error: string): MediaReply => ({
    status,
    headers: { 'Content-Type': 'text/plain; charset=utf-8' },
    body: null,
    error,
  })
  if (method !== 'GET' && method !== 'HEAD') return refuse(405, 'method not allowed')
  let file: string
  try {
    file = project.mediaPath(id)
  } catch {
    return refuse(404, 'not a media file of the open project')
  }
  const mime = audioMime(file)
  const size = mime
    ? await fs.stat(file).then(
        (s) => (s.isFile() ? s.size : null),
        () => null,
      )
    : null
  if (!mime || size === null) return refuse(404, 'not found')
  const headers: Record<string, string> = {
    'Content-Type': mime,
    'Accept-Ranges': 'bytes',
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
  }
  const parsed = parseRange(range, size)
  if (parsed === 'invalid')
    return { status: 416, headers: { 'Content-Range': `bytes */${size}` }, body: null, error: 'bad range' }
  const [start, end] = parsed ?? [0, size - 1]
  if (parsed) headers['Content-Range'] = `bytes ${start}-${end}/${size}`
  headers['Content-Length'] = String(size === 0 ? 0 : end - start + 1)
  const body = method === 'HEAD' || size === 0 ? null : { file, start, end }
  return { status: parsed ? 206 : 200, headers, body }
}

/** A single `bytes=a-b`, `a-` or `-n` range → [first, last]; null without a header. */
export function parseRange(header: string | undefined, size: number): [number, number] | null | 'invalid' {
  if (!header) return null
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (!m || (m[1] === '' && m[2] === '')) return 'invalid'
  let first: number
  let last: number
  if (m[1] === '') {
    first = Math.max(0, size - Number(m[2]))
    last = size - 1
  } else {
    first = Number(m[1])
    last = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1)
  }
  if (first > last || first >= size) return 'invalid'
  return [first, last]
}
