/**
 * The renderer's one typed `api`. It picks the transport at start-up — window.framewise from
 * Electron's preload, else the browser-mode socket — and from then on nothing else in the
 * renderer can tell which one it is using.
 */
import type { Api, ErrorCode, Transport } from '../../engine/api'
import { connectSocket } from './socket'

declare global {
  interface Window {
    framewise?: Transport
  }
}

/** A failed request, as thrown by `api` methods. */
export class RequestError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message)
  }
}

export let api: Api

/** Connect once, before mounting the app. */
export async function connectApi(): Promise<void> {
  let transport: Transport
  if (window.framewise) transport = window.framewise
  else {
    const token = new URLSearchParams(location.search).get('token')
    if (!token) throw new Error('This page needs the address printed by `npm start` (it carries an access token).')
    transport = await connectSocket(token)
  }
  const t = transport as unknown as Record<string, (params: unknown) => Promise<{ ok: boolean; result?: unknown; error?: { code: ErrorCode; message: string } }>>
  api = new Proxy({} as Api, {
    get: (_, name) => {
      if (typeof name !== 'string' || name === 'then') return undefined
      if (name === 'on') return transport.on
      return async (params: unknown) => {
        const envelope = await t[name](params ?? {})
        if (!envelope.ok) throw new RequestError(envelope.error!.code, envelope.error!.message)
        return envelope.result
      }
    },
  })
}

let jobCounter = 0
/** A fresh job id for a long request. */
export function newJobId(): string {
  return `job-${Date.now().toString(36)}-${(jobCounter++).toString(36)}`
}
