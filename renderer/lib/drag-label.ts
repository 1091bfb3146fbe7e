/**
 * Drag-to-label on a signal surface (waveform, spectrogram, series plots), as a Svelte
 * attachment: press to start a segment of the current class (or move the playhead on a click),
 * drag to extend it, release to commit; the hover time follows the pointer. One implementation
 * for every surface, so they behave the same.
 */
import type { Viewport } from './timescale'

/** What the attachment reads and moves of the visible window (a ViewState is one). */
export interface HoverView {
  start: number
  span: number
  viewport: Viewport
  hover: number | null
}

/** The pointer gesture it drives, x in px from the surface's left (an EditState is one). */
export interface Gesture {
  down(x: number, createOnly?: boolean): void
  move(x: number): void
  up(x: number): void
  cancel(): void
}

export function dragToLabel(view: HoverView, edit: Gesture) {
  return (node: HTMLElement | SVGElement): (() => void) => {
    const xOf = (e: PointerEvent) => e.clientX - node.getBoundingClientRect().left
    const handlers: [string, (e: PointerEvent) => void][] = [
      [
        'pointerdown',
        (e) => {
          if (e.button !== 0) return
          node.setPointerCapture(e.pointerId)
          edit.down(xOf(e), true)
        },
      ],
      [
        'pointermove',
        (e) => {
          view.hover = view.start + (xOf(e) / view.viewport.width) * view.span
          edit.move(xOf(e))
        },
      ],
      ['pointerup', (e) => edit.up(xOf(e))],
      ['pointercancel', () => edit.cancel()],
      ['pointerleave', () => (view.hover = null)],
    ]
    for (const [type, fn] of handlers) node.addEventListener(type, fn as EventListener)
    return () => {
      for (const [type, fn] of handlers) node.removeEventListener(type, fn as EventListener)
    }
  }
}
