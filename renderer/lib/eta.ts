/**
 * Time left of a long job from its progress: elapsed time scaled by the fraction still to do,
 * once enough is done for the rate to mean something; and how to say it.
 */

/** Seconds left after `elapsed` seconds at `fraction` done, or null while too early to tell. */
export function secondsLeft(fraction: number, elapsed: number): number | null {
  if (!(fraction > 0.02) || elapsed < 1 || fraction >= 1) return null
  return (elapsed * (1 - fraction)) / fraction
}

/** "about 2 min 10 s left", "about 40 s left", "less than 5 s left". */
export function formatLeft(seconds: number): string {
  if (seconds < 5) return 'less than 5 s left'
  if (seconds < 60) return `about ${Math.round(seconds / 5) * 5} s left`
  const tens = Math.round(seconds / 10) * 10
  const minutes = Math.floor(tens / 60)
  if (minutes >= 60) return `about ${Math.floor(minutes / 60)} h ${minutes % 60} min left`
  return `about ${minutes} min${tens % 60 ? ` ${tens % 60} s` : ''} left`
}
