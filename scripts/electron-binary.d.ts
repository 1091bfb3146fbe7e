/** Path of the installed Electron binary, or null when it is not installed. */
export function findElectronBinary(): string | null
