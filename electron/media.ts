/**
 * Playback in Electron: the page's <audio> streams from `framewise-media://project/media?id=…`,
 * served by a privileged custom protocol (browser mode has server.ts's `/media` route instead).
 * The URL names a media id, never a path: the project store resolves it (manifest entries only,
 * confined to the project or picked by the user) in engine/media/playback.ts, shared with browser mode.
 * Electron is imported for its types only: the handler and its registration are tested in plain
 * Node (registration against the typed stand-in in electron-stand-in.ts).
 */
import type { CustomScheme, Protocol } from 'electron'
import { createReadStream } from 'node:fs'
import { Readable } from 'node:stream'
import { mediaReply } from '../engine/media/playback'
import type { Project } from '../engine/project/store'

export const MEDIA_SCHEME = 'framewise-media'
const HOST = 'project'

/**
 * The scheme's privileges (registered before ready): `stream` lets <audio> seek with Range
 * requests. No bypassCSP: index.html names the scheme in media-src.
 */
export const MEDIA_SCHEME_PRIVILEGES = {
  scheme: MEDIA_SCHEME,
  privileges: { standard: true, secure: true, stream: true, supportFetchAPI: true },
} as const satisfies CustomScheme

/**
 * The URL the page plays media `id` from (given to `new Service(emit, { mediaUrl })`). The id
 * travels in the query, as in browser mode's `/media?id=`: a path segment would be normalised
 * (an id `..` or `a/../b` would change on the way).
 */
export function mediaUrl(id: string): string {
  return `${MEDIA_SCHEME}://${HOST}/media?id=${encodeURIComponent(id)}`
}

/** The media id a URL names, or null when it is not one of ours (other host or path, no id). */
export function mediaIdFromUrl(url: string): string | null {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return null
  }
  if (
    parsed.protocol !== `${MEDIA_SCHEME}:` ||
    parsed.host !== HOST ||
    parsed.pathname !== '/media'
  )
    return null
  const ids = parsed.searchParams.getAll('id')
  return ids.length === 1 && ids[0] !== '' ? ids[0] : null
}

/** The protocol handler: `project()` throws when no project is open (then 404). */
export async function handleMedia(request: Request, project: () => Project): Promise<Response> {
  const id = mediaIdFromUrl(request.url)
  if (id === null) return new Response('not a media URL', { status: 400 })
  let open: Project
  try {
    open = project()
  } catch {
    return new Response('no project is open', { status: 404 })
  }
  const reply = await mediaReply(
    open,
    id,
    request.method,
    request.headers.get('range') ?? undefined,
  )
  if (!reply.body)
    return new Response(reply.error ?? null, { status: reply.status, headers: reply.headers })
  const stream = createReadStream(reply.body.file, { start: reply.body.start, end: reply.body.end })
  return new Response(Readable.toWeb(stream) as ReadableStream, {
    status: reply.status,
    headers: reply.headers,
  })
}

/** Serve the scheme from the open project (after ready). */
export function registerMedia(protocol: Pick<Protocol, 'handle'>, project: () => Project): void {
  protocol.handle(MEDIA_SCHEME, (request) => handleMedia(request, project))
}
