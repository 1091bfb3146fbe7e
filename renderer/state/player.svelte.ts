/**
 * Playback with a moving playhead. Audio plays through an <audio> element streaming from the
 * engine (getMediaSource); a CSV series has no sound, so its playhead runs on the clock instead.
 * Either way the playhead is written to ViewState once per animation frame.
 */
import { api } from '../api/client'
import type { ViewState } from './view.svelte'

export class PlayerState {
  playing = $state(false)
  /** Playback rate (0.25–4). */
  rate = $state(1)
  /** Loop the played stretch. */
  loop = $state(false)
  error = $state<string | null>(null)

  #audio: HTMLAudioElement | null = null
  #range: [number, number] | null = null
  #frame = 0
  #clock: { wall: number; media: number } | null = null

  constructor(private readonly view: ViewState) {}

  /** Point the player at a media file (audio plays sound; series only moves the playhead). */
  async load(media: string | null, kind: 'audio' | 'series' | null): Promise<void> {
    this.stop()
    this.error = null
    this.#audio?.removeAttribute('src')
    this.#audio = null
    if (!media || kind !== 'audio') return
    try {
      const source = await api.getMediaSource({ media })
      const audio = new Audio()
      audio.preload = 'auto'
      audio.src = source.url
      audio.onerror = () => (this.error = `cannot play ${media} in this browser`)
      this.#audio = audio
    } catch (err) {
      this.error = (err as Error).message
    }
  }

  toggle(): void {
    if (this.playing) this.stop()
    else this.play()
  }

  /** Play from `from` (default the playhead) to `to` (default the end). */
  play(from = this.view.cursor, to?: number): void {
    this.stop()
    const end = to ?? this.view.duration
    const start = from >= end - 1e-3 && to === undefined ? 0 : from
    this.#range = [start, end]
    this.view.cursor = start
    this.playing = true
    if (this.#audio) {
      this.#audio.currentTime = start
      this.#audio.playbackRate = this.rate
      this.#audio.play().catch((err: Error) => {
        if (err.name !== 'AbortError') this.error = err.message
        this.stop()
      })
    } else this.#clock = { wall: performance.now(), media: start }
    this.#frame = requestAnimationFrame(this.#tick)
  }

  stop(): void {
    this.playing = false
    this.#audio?.pause()
    this.#clock = null
    cancelAnimationFrame(this.#frame)
  }

  setRate(rate: number): void {
    this.rate = rate
    if (this.#audio) this.#audio.playbackRate = rate
    if (this.#clock) this.#clock = { wall: performance.now(), media: this.view.cursor }
  }

  #tick = (): void => {
    if (!this.playing || !this.#range) return
    const [from, to] = this.#range
    const t = this.#audio
      ? this.#audio.currentTime
      : this.#clock!.media + ((performance.now() - this.#clock!.wall) / 1000) * this.rate
    if (t >= to || (this.#audio?.ended ?? false)) {
      if (this.loop) return this.play(from, to)
      this.view.cursor = Math.min(to, this.view.duration)
      return this.stop()
    }
    this.view.cursor = t
    // Page along with the playhead, as Audacity does.
    if (t > this.view.start + this.view.span || t < this.view.start) this.view.setWindow(t)
    this.#frame = requestAnimationFrame(this.#tick)
  }
}
