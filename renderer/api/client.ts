/**
 * The renderer's one typed `api`. It picks the transport at start-up — window.framewise from
 * Electron's preload, else the browser-mode socket — and from then on nothing else in the
 * renderer can tell which one it is using.
 */
import type {
  Api,
  ErrorCode,
  Params,
  RequestName,
  Requests,
  Results,
  Transport,
} from '../../engine/api'
import { connectSocket, type ConnectionStatus } from './socket'

export type { ConnectionStatus }

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

/** The link to the engine (Electron's is never lost; browser mode's may drop and come back). */
let status: ConnectionStatus = { connected: true, attempts: 0, retryInMs: 0 }
const statusListeners = new Set<(status: ConnectionStatus) => void>()

/** Hear the connection's status now and on every change; returns the unsubscribe function. */
export function onConnection(listener: (status: ConnectionStatus) => void): () => void {
  statusListeners.add(listener)
  listener(status)
  return () => void statusListeners.delete(listener)
}

function setStatus(next: ConnectionStatus): void {
  status = next
  for (const listener of statusListeners) listener(next)
}

/** Connect once, before mounting the app. */
export async function connectApi(): Promise<void> {
  let transport: Transport
  if (window.framewise) transport = window.framewise
  else {
    const token = new URLSearchParams(location.search).get('token')
    if (!token)
      throw new Error(
        'This page needs the address printed by `npm start` (it carries an access token).',
      )
    transport = await connectSocket(token, setStatus)
  }
  const requests: Requests = transport
  /** One request, typed by its name: its result, or a RequestError. */
  const request = async <M extends RequestName>(
    name: M,
    params: Params<M>,
  ): Promise<Results[M]> => {
    const envelope = await requests[name](params)
    if (!envelope.ok) throw new RequestError(envelope.error.code, envelope.error.message)
    return envelope.result
  }
  // The renderer imports no engine code, so it has no list of request names: a Proxy makes each
  // member on first use as the typed `request` of its name ('then' stays undefined, or awaiting
  // `api` would treat it as a promise).
  const members: Pick<Api, 'on'> = { on: transport.on }
  api = new Proxy(members as Api, {
    get: (target, name) => {
      if (name === 'on') return target.on
      if (typeof name !== 'string' || name === 'then') return undefined
      return (params: Params<RequestName> | undefined) => request(name as RequestName, params ?? {})
    },
  })
}

let jobCounter = 0
/** A fresh job id for a long request. */
export function newJobId(): string {
  return `job-${Date.now().toString(36)}-${(jobCounter++).toString(36)}`
}
