/**
 * Stable identities of a FeatureSpec: its canonical JSON and a hash of it, under which models
 * name their features and the feature cache files its rows (spec.ts holds the schema itself).
 */
import { createHash } from 'node:crypto'
import { parseFeatureSpec, type FeatureSpec, type FeatureSpecInput } from './spec'

/** JSON with object keys sorted, so equal specs serialise identically. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`
  }
  return JSON.stringify(value)
}

/** Stable hash (16 hex digits of SHA-256) of the spec with defaults filled. */
export function specHash(spec: FeatureSpecInput | FeatureSpec): string {
  return createHash('sha256')
    .update(canonicalJson(parseFeatureSpec(spec)))
    .digest('hex')
    .slice(0, 16)
}

/** Hash of everything but the normalisation: the key for cached un-normalised features. */
export function extractionHash(spec: FeatureSpec): string {
  return specHash({ ...spec, normalization: { mode: 'none' } })
}
