/**
 * Which rows of a long list of fixed-height rows to put in the DOM: those in the viewport plus
 * `overscan` each side, so a 2,000-file project renders a few dozen rows, not 2,000.
 */
export interface RowRange {
  /** First rendered row. */
  first: number
  /** One past the last rendered row. */
  end: number
  /** Space above the first rendered row, px. */
  before: number
  /** Space below the last rendered row, px. */
  after: number
}

/** Rows of `rowHeight` px, `count` of them, seen through `viewport` px scrolled `scrollTop` px. */
export function visibleRows(
  count: number,
  rowHeight: number,
  scrollTop: number,
  viewport: number,
  overscan = 10,
): RowRange {
  const top = Math.max(0, Math.floor(scrollTop / rowHeight))
  // before the viewport is measured (0) render one screen's worth rather than nothing
  const seen = Math.ceil((viewport > 0 ? viewport : 600) / rowHeight) + 1
  const first = Math.min(count, Math.max(0, top - overscan))
  const end = Math.min(count, top + seen + overscan)
  return { first, end, before: first * rowHeight, after: (count - end) * rowHeight }
}

/** The scrollTop that brings row `i` into a viewport (unchanged when it is already in view). */
export function scrollToRow(
  i: number,
  rowHeight: number,
  scrollTop: number,
  viewport: number,
): number {
  const top = i * rowHeight
  if (top < scrollTop) return top
  if (top + rowHeight > scrollTop + viewport) return top + rowHeight - viewport
  return scrollTop
}
