/**
 * The colours new label classes get, in order (the class editor's next class and the classes an
 * import adds): distinct on the dark timeline, the first one for the first class.
 */
export const CLASS_COLOURS = [
  '#e6550d',
  '#3182bd',
  '#31a354',
  '#756bb1',
  '#d6616b',
  '#8c6d31',
  '#17becf',
  '#bcbd22',
  '#636363',
] as const

/** The colour of the `n`-th class (0-based), cycling through CLASS_COLOURS. */
export function classColour(n: number): string {
  return CLASS_COLOURS[n % CLASS_COLOURS.length]
}
