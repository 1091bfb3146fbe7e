/**
 * The link to the engine as the UI shows it: one banner while it is down (api/socket.ts
 * reconnects by itself), and a short "reconnected" note once it is back.
 */
import { onConnection, type ConnectionStatus } from '../api/client'

/** How long the note that the connection is back stays up. */
const BACK_NOTE_MS = 4000

export class ConnectionState {
  status = $state<ConnectionStatus>({ connected: true, attempts: 0, retryInMs: 0 })
  /** The connection came back a moment ago (after a drop this session). */
  back = $state(false)
  #timer: ReturnType<typeof setTimeout> | null = null

  /** Follow the client's connection; returns the function that stops. */
  start(): () => void {
    const off = onConnection((next) => {
      const wasDown = !this.status.connected
      this.status = next
      if (next.connected && wasDown) {
        this.back = true
        if (this.#timer) clearTimeout(this.#timer)
        this.#timer = setTimeout(() => (this.back = false), BACK_NOTE_MS)
      } else if (!next.connected) this.back = false
    })
    return () => {
      off()
      if (this.#timer) clearTimeout(this.#timer)
    }
  }
}
