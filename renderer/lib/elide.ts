/**
 * Long names shortened in the middle, so both the start (the recording's series) and the end
 * (its number and extension) stay readable: 'XC123456 - Turdus merula…song 07.wav'. The full
 * name goes in the element's tooltip.
 */

/** `name` at most `max` characters (≥ 5), with '…' in place of its middle. */
export function elideMiddle(name: string, max: number): string {
  const chars = [...name]
  const room = Math.max(5, Math.floor(max))
  if (chars.length <= room) return name
  const keep = room - 1
  // one more to the tail: it holds the distinguishing number and the extension
  const tail = Math.ceil(keep / 2)
  const head = keep - tail
  return `${chars.slice(0, head).join('')}…${chars.slice(chars.length - tail).join('')}`
}
