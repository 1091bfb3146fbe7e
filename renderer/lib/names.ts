/**
 * How a media path reads in the UI. Files outside the project folder are stored as
 * `../data/x.wav`; the leading `../` steps say nothing to the user, so lists show the rest and
 * keep the stored path for tooltips.
 */
export function displayName(path: string): string {
  return path.replace(/^(\.\.\/)+/, '')
}
