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

/**
 * A relative path at most `max` characters, its file name kept whole when it fits (the folders
 * are cut in their middle: 'field/2024/…/dawn 07.wav'), else the whole path cut in its middle.
 */
export function elidePath(path: string, max: number): string {
  const chars = [...path]
  if (chars.length <= max) return path
  const slash = path.lastIndexOf('/')
  const base = [...path.slice(slash + 1)]
  // the folders need at least '…/' beside the name
  if (slash < 0 || base.length + 2 > max) return elideMiddle(path, max)
  const dirs = [...path.slice(0, slash + 1)]
  const room = max - base.length - 1
  const head = Math.ceil(room / 2)
  const tail = room - head
  return `${dirs.slice(0, head).join('')}…${dirs.slice(dirs.length - tail).join('')}${base.join('')}`
}
