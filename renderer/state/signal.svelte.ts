/**
 * The signal under the visible window, fetched from the engine as the view moves: waveform
 * peaks for audio, decimated channels for a CSV series. At most one request is in flight; when
 * it lands, the view is checked again (it may have moved meanwhile).
 */
import type { PeaksWindow, SeriesWindow } from '../../engine/api'
import { api, newJobId } from '../api/client'
import { fetchWindow, needsFetch, type Held } from '../lib/fetchwindow'
import type { ViewState } from './view.svelte'

/** Overview resolution: enough for a minimap on a wide screen. */
const OVERVIEW_PX = 2048
/** Waveform rows shown at once; a file with more channels shows the ones picked. */
export const MAX_CHANNEL_ROWS = 16

export class SignalState {
  media = $state<string | null>(null)
  kind = $state<'audio' | 'series' | null>(null)
  /** Whole-file peaks (audio) for the minimap. */
  overview = $state.raw<PeaksWindow | null>(null)
  /** Peaks around the visible window (audio): the first row's. */
  peaks = $state.raw<PeaksWindow | null>(null)
  /** Channels of the audio file. */
  channels = $state(1)
  /** Channels the waveform shows, one row each (0-based); null: every channel. */
  shownChannels = $state.raw<number[] | null>(null)
  /** What each waveform row shows: the mix of a mono file, else the channels shown. */
  rowChannels: ('mix' | number)[] = $derived(
    this.channels <= 1
      ? ['mix']
      : (this.shownChannels ?? Array.from({ length: this.channels }, (_, c) => c)).slice(
          0,
          MAX_CHANNEL_ROWS,
        ),
  )
  /** Peaks around the visible window of each channel last fetched (audio), by channel. */
  rows = $state.raw<{ channel: 'mix' | number; peaks: PeaksWindow }[]>([])
  /** The whole series at overview resolution, for the minimap. */
  seriesOverview = $state.raw<SeriesWindow | null>(null)
  /** Channels around the visible window (series). */
  series = $state.raw<SeriesWindow | null>(null)
  /** Sample rate of the file (audio: Hz; series: rows/s). */
  sampleRate = $state(0)
  loading = $state(false)
  error = $state<string | null>(null)

  #held: Held | null = null
  #busy = false

  /** `onOpened` hears each file's duration once it is known (the file list shows it). */
  constructor(
    private readonly view: ViewState,
    private readonly onOpened: (media: string, duration: number) => void = () => {},
  ) {}

  /** Open a media file: learn its duration, show all of it. */
  async open(media: string | null, kind: 'audio' | 'series' | null): Promise<void> {
    this.media = media
    this.kind = kind
    this.overview = this.peaks = null
    this.rows = []
    this.channels = 1
    this.shownChannels = null
    this.series = null
    this.seriesOverview = null
    this.#held = null
    this.error = null
    if (!media) return
    this.loading = true
    try {
      if (kind === 'audio') {
        const whole = await api.getPeaks({
          media,
          start: 0,
          end: 1e9,
          pixels: OVERVIEW_PX,
          jobId: newJobId(),
        })
        if (this.media !== media) return
        this.view.reset(whole.duration)
        this.sampleRate = whole.sampleRate
        this.channels = whole.channels
        this.overview = whole
      } else {
        const whole = await api.getSeries({
          media,
          start: 0,
          end: 1e12,
          points: OVERVIEW_PX,
          jobId: newJobId(),
        })
        if (this.media !== media) return
        this.view.reset(whole.duration)
        this.sampleRate = whole.sampleRate
        this.seriesOverview = whole
      }
      this.loading = false
      if (this.view.duration > 0) this.onOpened(media, this.view.duration)
      this.update()
    } catch (err) {
      if (this.media === media) {
        this.error = (err as Error).message
        this.loading = false
      }
    }
  }

  /** Show these channels' waveforms (0-based, in file order); none is refused, null shows all. */
  showChannels(channels: number[] | null): void {
    if (channels && channels.length === 0) return
    this.shownChannels = channels && [...new Set(channels)].sort((a, b) => a - b)
    this.#held = null
    this.update()
  }

  /** Fetch what the current view needs, unless it is here or on its way. */
  update(): void {
    const media = this.media
    const v = this.view.viewport
    const duration = this.view.duration
    if (
      !media ||
      this.loading ||
      this.#busy ||
      duration <= 0 ||
      !needsFetch(this.#held, v, duration)
    )
      return
    const w = fetchWindow(v, duration)
    const spp = (w.end - w.start) / w.pixels
    this.#busy = true
    // After a success the view may have moved on: look again. After a failure, wait for the
    // next view change instead of asking again at once (no request storm against a bad file).
    let failed = false
    const done = () => {
      this.#busy = false
      if (this.media === media && !failed) queueMicrotask(() => this.update())
    }
    const fail = (err: Error) => {
      failed = true
      this.error = err.message
    }
    if (this.kind === 'audio') {
      const rowChannels = this.rowChannels
      Promise.all(
        rowChannels.map((c) =>
          api.getPeaks({ media, ...w, ...(c === 'mix' ? {} : { channel: c }), jobId: newJobId() }),
        ),
      )
        .then((rows) => {
          if (this.media !== media || rowChannels !== this.rowChannels) return
          const p = rows[0]
          this.rows = rows.map((peaks, i) => ({ channel: rowChannels[i], peaks }))
          this.peaks = p
          this.#held = {
            start: w.start,
            end: w.end,
            resolution: p.secondsPerBucket,
            finest: p.secondsPerBucket > spp,
          }
        })
        .catch(fail)
        .finally(done)
    } else {
      api
        .getSeries({
          media,
          start: w.start,
          end: w.end,
          points: Math.min(200_000, 2 * w.pixels),
          jobId: newJobId(),
        })
        .then((s) => {
          if (this.media !== media) return
          this.series = s
          const decimated = s.times.length >= 2 * w.pixels
          this.#held = {
            start: w.start,
            end: w.end,
            resolution: decimated ? spp : 1 / Math.max(s.sampleRate, 1e-9),
            finest: !decimated,
          }
        })
        .catch(fail)
        .finally(done)
    }
  }
}
