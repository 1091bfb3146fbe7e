/**
 * Long names shortened in the middle, so both the start (the recording's series) and the end
 * (its number and extension) stay readable: 'XC123456 - Turdus me…song 07.wav'. The name is
 * split into a head that CSS cuts with an ellipsis where the room ends, and a tail that always
 * shows (components/MiddleEllipsis.svelte), so the cut is exact at any width and the text of
 * the element (what search, copy and screen readers see) stays the whole name.
 */

/** Characters the tail keeps by default: a take number and an extension ('song 07.wav'). */
export const TAIL_CHARS = 11

/**
 * `name` as [head, tail]: the tail is its last `tail` characters (whole code points), or the
 * file name after the last '/' when that is shorter; head + tail === name.
 */
export function splitForEllipsis(name: string, tail = TAIL_CHARS): [string, string] {
  const chars = [...name]
  const base = [...name.slice(name.lastIndexOf('/') + 1)]
  const n = Math.min(Math.max(0, tail), chars.length, Math.max(1, base.length))
  return [chars.slice(0, chars.length - n).join(''), chars.slice(chars.length - n).join('')]
}
