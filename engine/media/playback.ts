/**
 * Playback of a project media file, for both transports: browser mode's `/media` route
 * (server.ts) and Electron's `framewise-media:` protocol (electron/media.ts). Either way the
 * file is named by its media id and resolved by the project store (project media only, `..`
 * and symlinks confined), never taken as a path from the URL; single byte ranges are honoured
 * so the <audio> element can seek. A file is served only when its first bytes are audio of the
 * kind its extension claims: a picked file named `.wav` that holds something else is refused.
 */
import { DataError } from '../errors'
import { openRegular, timeBound } from '../io/input-files'
import { audioMime } from './kinds'
import type { Project } from '../project/store'

/**
 * What the first bytes of each type we play must be, and how to say so. (media/audio/decode.ts picks
 * a decoder from the same signatures; this checks the claim an extension makes before the
 * bytes go to a browser.)
 */
const SIGNATURES: Record<
  string,
  { kind: string; expected: string; test: (head: Buffer) => boolean }
> = {
  'audio/wav': {
    kind: 'WAV',
    expected: 'RIFF (or RIFX, RF64, BW64) … WAVE',
    test: (b) =>
      ['RIFF', 'RIFX', 'RF64', 'BW64'].includes(b.toString('latin1', 0, 4)) &&
      b.toString('latin1', 8, 12) === 'WAVE',
  },
  'audio/aiff': {
    kind: 'AIFF',
    expected: 'FORM … AIFF (or AIFC)',
    test: (b) =>
      b.toString('latin1', 0, 4) === 'FORM' &&
      ['AIFF', 'AIFC'].includes(b.toString('latin1', 8, 12)),
  },
  'audio/flac': {
    kind: 'FLAC',
    expected: 'fLaC',
    test: (b) => b.toString('latin1', 0, 4) === 'fLaC',
  },
  'audio/ogg': {
    kind: 'Ogg',
    expected: 'OggS',
    test: (b) => b.toString('latin1', 0, 4) === 'OggS' && b[4] === 0,
  },
  'audio/mpeg': {
    kind: 'MP3',
    expected: 'an ID3 tag or an MPEG audio frame',
    // ID3v2, or a frame sync (11 bits) whose version is not the reserved 01 and layer not 00.
    test: (b) =>
      (b.toString('latin1', 0, 3) === 'ID3' && b[3] >= 2 && b[3] <= 4) ||
      (b[0] === 0xff && (b[1] & 0xe0) === 0xe0 && (b[1] & 0x18) !== 0x08 && (b[1] & 0x06) !== 0),
  },
}

/** Why `head` is not audio of type `mime`, or null when it is. */
export function notAudioOf(mime: string, head: Buffer): string | null {
  const signature = SIGNATURES[mime]
  if (!signature) return 'is not a type of audio Framewise plays'
  if (head.length === 0) return 'is empty'
  return signature.test(head)
    ? null
    : `does not hold ${signature.kind} audio (it does not start with ${signature.expected})`
}

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
  if (!mime) return refuse(404, 'not an audio file')
  let size: number
  const head = Buffer.alloc(12)
  try {
    const handle = await openRegular(file)
    try {
      size = (await handle.stat()).size
      const { bytesRead } = await timeBound(file, handle.read(head, 0, head.length, 0))
      const problem = notAudioOf(mime, head.subarray(0, bytesRead))
      if (problem) return refuse(415, `${id}: ${problem}; not played`)
    } finally {
      await handle.close()
    }
  } catch (e) {
    return refuse(404, e instanceof DataError ? `${id}: ${e.problem}` : 'not found')
  }
  const headers: Record<string, string> = {
    'Content-Type': mime,
    'Accept-Ranges': 'bytes',
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
  }
  const parsed = parseRange(range, size)
  if (parsed === 'invalid')
    return {
      status: 416,
      headers: { 'Content-Range': `bytes */${size}` },
      body: null,
      error: 'bad range',
    }
  const [start, end] = parsed ?? [0, size - 1]
  if (parsed) headers['Content-Range'] = `bytes ${start}-${end}/${size}`
  headers['Content-Length'] = String(size === 0 ? 0 : end - start + 1)
  const body = method === 'HEAD' || size === 0 ? null : { file, start, end }
  return { status: parsed ? 206 : 200, headers, body }
}

/** A single `bytes=a-b`, `a-` or `-n` range → [first, last]; null without a header. */
export function parseRange(
  header: string | undefined,
  size: number,
): [number, number] | null | 'invalid' {
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
