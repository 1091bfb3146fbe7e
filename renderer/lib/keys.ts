/**
 * The hotkey table (one list: the dispatcher and the '?' overlay both read it) and a pure
 * matcher from a keyboard event to an action.
 */

export type Action =
  | 'play'
  | 'play-selection'
  | 'loop'
  | 'mark-start'
  | 'mark-end'
  | 'class'
  | 'next-segment'
  | 'previous-segment'
  | 'next-unlabelled'
  | 'next-low-confidence'
  | 'accept-prediction'
  | 'reject-prediction'
  | 'next-file'
  | 'previous-file'
  | 'delete'
  | 'deselect'
  | 'undo'
  | 'redo'
  | 'zoom-in'
  | 'zoom-out'
  | 'zoom-fit'
  | 'zoom-selection'
  | 'amplitude-up'
  | 'amplitude-down'
  | 'step-back'
  | 'step-forward'
  | 'home'
  | 'end'
  | 'snap'
  | 'help'

export interface Binding {
  action: Action
  /** Keys as shown in the overlay. */
  keys: string
  /** What it does, for the overlay. */
  help: string
}

export const BINDINGS: Binding[] = [
  { action: 'play', keys: 'Space', help: 'Play / pause from the playhead' },
  { action: 'play-selection', keys: 'P', help: 'Play the selected segment' },
  { action: 'loop', keys: 'L', help: 'Loop playback on / off' },
  { action: 'mark-start', keys: '[', help: 'Mark a start at the playhead' },
  { action: 'mark-end', keys: ']', help: 'Label from the mark to the playhead' },
  {
    action: 'class',
    keys: '1 – 9',
    help: 'Set the class of the selected segment; with none, or right after drawing one, the class of the next segment',
  },
  { action: 'next-segment', keys: 'Tab', help: 'Select the next segment' },
  { action: 'previous-segment', keys: 'Shift+Tab', help: 'Select the previous segment' },
  { action: 'next-unlabelled', keys: 'N', help: 'Jump to the next unlabelled stretch' },
  {
    action: 'next-low-confidence',
    keys: 'C',
    help: 'Jump to the next stretch the model is unsure of',
  },
  {
    action: 'accept-prediction',
    keys: 'A',
    help: 'Accept the predicted segment at the playhead into the labels, then go to the next',
  },
  {
    action: 'reject-prediction',
    keys: 'X',
    help: 'Reject the predicted segment at the playhead (Accept all skips it), then go to the next',
  },
  { action: 'next-file', keys: 'Page Down', help: 'Open the next file' },
  { action: 'previous-file', keys: 'Page Up', help: 'Open the previous file' },
  { action: 'delete', keys: 'Delete / Backspace', help: 'Delete the selected segment' },
  { action: 'deselect', keys: 'Esc', help: 'Clear the selection and the mark' },
  { action: 'undo', keys: 'Ctrl+Z', help: 'Undo' },
  { action: 'redo', keys: 'Ctrl+Shift+Z / Ctrl+Y', help: 'Redo' },
  {
    action: 'zoom-in',
    keys: '+  or  Ctrl+wheel',
    help: 'Zoom in: + about the playhead (the centre when it is out of view), the wheel about the pointer',
  },
  { action: 'zoom-out', keys: '−', help: 'Zoom out about the playhead' },
  { action: 'zoom-fit', keys: '0', help: 'Show the whole file' },
  { action: 'zoom-selection', keys: 'Z', help: 'Zoom to the selection' },
  { action: 'amplitude-up', keys: '↑', help: 'Magnify the waveform’s amplitude (quiet sounds)' },
  { action: 'amplitude-down', keys: '↓', help: 'Shrink the waveform’s amplitude back' },
  { action: 'step-back', keys: '← (Shift: more)', help: 'Move the playhead back' },
  { action: 'step-forward', keys: '→ (Shift: more)', help: 'Move the playhead forward' },
  { action: 'home', keys: 'Home / End', help: 'Playhead to the start / end' },
  { action: 'snap', keys: 'S', help: 'Snap to the frame grid on / off' },
  { action: 'help', keys: '?', help: 'Show / hide this list' },
]

/** Elements that take keys themselves: hotkeys (and the menu's Undo/Redo) leave them their own. */
export const TEXT_FIELDS = 'input, textarea, select, [contenteditable]'

/** The parts of a KeyboardEvent the matcher reads. */
export interface KeyLike {
  key: string
  ctrlKey: boolean
  metaKey: boolean
  shiftKey: boolean
  altKey: boolean
}

/** The action for a key press, with the digit for 'class' and `big` for Shift+arrows. */
export function matchKey(e: KeyLike): { action: Action; digit?: number; big?: boolean } | null {
  const mod = e.ctrlKey || e.metaKey
  const k = e.key.length === 1 ? e.key.toLowerCase() : e.key
  if (mod && !e.altKey) {
    if (k === 'z') return { action: e.shiftKey ? 'redo' : 'undo' }
    if (k === 'y') return { action: 'redo' }
    return null
  }
  if (e.altKey || e.metaKey || e.ctrlKey) return null
  if (/^[1-9]$/.test(k)) return { action: 'class', digit: Number(k) }
  switch (k) {
    case ' ':
      return { action: 'play' }
    case 'p':
      return { action: 'play-selection' }
    case 'l':
      return { action: 'loop' }
    case '[':
      return { action: 'mark-start' }
    case ']':
      return { action: 'mark-end' }
    case 'Tab':
      return { action: e.shiftKey ? 'previous-segment' : 'next-segment' }
    case 'n':
      return { action: 'next-unlabelled' }
    case 'c':
      return { action: 'next-low-confidence' }
    case 'a':
      return { action: 'accept-prediction' }
    case 'x':
      return { action: 'reject-prediction' }
    case 'PageDown':
      return { action: 'next-file' }
    case 'PageUp':
      return { action: 'previous-file' }
    case 'Delete':
    case 'Backspace':
      return { action: 'delete' }
    case 'Escape':
      return { action: 'deselect' }
    case '+':
    case '=':
      return { action: 'zoom-in' }
    case '-':
    case '_':
      return { action: 'zoom-out' }
    case '0':
      return { action: 'zoom-fit' }
    case 'z':
      return { action: 'zoom-selection' }
    case 'ArrowLeft':
      return { action: 'step-back', big: e.shiftKey }
    case 'ArrowRight':
      return { action: 'step-forward', big: e.shiftKey }
    case 'ArrowUp':
      return { action: 'amplitude-up' }
    case 'ArrowDown':
      return { action: 'amplitude-down' }
    case 'Home':
      return { action: 'home' }
    case 'End':
      return { action: 'end' }
    case 's':
      return { action: 'snap' }
    case '?':
      return { action: 'help' }
  }
  return null
}
