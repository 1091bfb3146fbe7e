/**
 * Drag-to-label on a signal surface (waveform, spectrogram, series plots), as a Svelte
 * attachment: press to start a segment of the current class (or move the playhead on a click),
 * drag to extend it, release to commit; the hover time follows the pointer. One implementation
 * for every surface, so they behave the same.
 */
import type { EditState } from '../state/edit.svelte'
import type { ViewState } from '../state/view.svelte'

export function dragToLabel(view: ViewState, edit: EditState) {
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
