/**
 * A row's bottom edge as a drag handle: an attachment ({@attach}) that sets the row's height
 * from the pointer's travel since the press. The waveform and spectrogram rows share it.
 */
export function rowResize(
  height: () => number,
  setHeight: (px: number) => void,
): (el: HTMLElement) => () => void {
  return (el) => {
    let from: { y: number; h: number } | null = null
    const down = (e: PointerEvent) => {
      el.setPointerCapture(e.pointerId)
      from = { y: e.clientY, h: height() }
    }
    const move = (e: PointerEvent) => {
      if (from) setHeight(from.h + e.clientY - from.y)
    }
    const up = () => (from = null)
    el.addEventListener('pointerdown', down)
    el.addEventListener('pointermove', move)
    el.addEventListener('pointerup', up)
    return () => {
      el.removeEventListener('pointerdown', down)
      el.removeEventListener('pointermove', move)
      el.removeEventListener('pointerup', up)
    }
  }
}
