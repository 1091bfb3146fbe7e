/**
 * The widths of the studio's side panels and whether each is open, remembered in localStorage
 * across sessions; a stored value that is missing, damaged or out of range falls back to the
 * default, so a bad entry never hides a panel for good.
 */

export interface PanelLayout {
  left: number
  right: number
  leftOpen: boolean
  rightOpen: boolean
}

export const PANEL_LIMITS = {
  left: { min: 160, max: 520, initial: 260 },
  right: { min: 280, max: 760, initial: 380 },
} as const

export const LAYOUT_KEY = 'framewise.panels'

export const DEFAULT_LAYOUT: PanelLayout = {
  left: PANEL_LIMITS.left.initial,
  right: PANEL_LIMITS.right.initial,
  leftOpen: true,
  rightOpen: true,
}

/** A width clamped to the side's range (NaN: the side's initial width). */
export function clampWidth(side: 'left' | 'right', px: number): number {
  const { min, max, initial } = PANEL_LIMITS[side]
  if (!Number.isFinite(px)) return initial
  return Math.round(Math.min(max, Math.max(min, px)))
}

/** The layout stored under LAYOUT_KEY, each field checked, or the default. */
export function loadLayout(storage: Pick<Storage, 'getItem'> | undefined): PanelLayout {
  let stored: Partial<Record<keyof PanelLayout, unknown>> = {}
  try {
    const parsed: unknown = JSON.parse(storage?.getItem(LAYOUT_KEY) ?? '{}')
    if (parsed && typeof parsed === 'object') stored = parsed
  } catch {
    // damaged: the defaults
  }
  const width = (side: 'left' | 'right') =>
    typeof stored[side] === 'number' ? clampWidth(side, stored[side]) : DEFAULT_LAYOUT[side]
  const open = (k: 'leftOpen' | 'rightOpen') =>
    typeof stored[k] === 'boolean' ? stored[k] : DEFAULT_LAYOUT[k]
  return {
    left: width('left'),
    right: width('right'),
    leftOpen: open('leftOpen'),
    rightOpen: open('rightOpen'),
  }
}

export function saveLayout(storage: Pick<Storage, 'setItem'> | undefined, l: PanelLayout): void {
  try {
    storage?.setItem(LAYOUT_KEY, JSON.stringify(l))
  } catch {
    // storage full or refused: the layout holds for this session
  }
}
