/** FeatureSpec JSON files as users give them (--spec, --features): read, parsed, one line per problem. */
import { DataError } from '../errors'
import { READ_LIMITS, readRegularText } from '../io/input-files'
import { parseFeatureSpec, type FeatureSpec } from './spec'

/** Reads and validates a FeatureSpec JSON file; problems are DataErrors naming the file. */
export async function loadFeatureSpec(path: string): Promise<FeatureSpec> {
  let text: string
  try {
    text = await readRegularText(path, READ_LIMITS.json)
  } catch (e) {
    if (e instanceof DataError) throw e
    throw new DataError(
      path,
      `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    )
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    throw new DataError(path, `invalid JSON (${(e as Error).message})`)
  }
  try {
    return parseFeatureSpec(json)
  } catch (e) {
    throw new DataError(path, `invalid FeatureSpec: ${specProblem(e)}`)
  }
}

/** A FeatureSpec parse failure in one line: its first issue and where, not zod's JSON list. */
export function specProblem(err: unknown): string {
  const issue = (err as { issues?: { path: PropertyKey[]; message: string }[] }).issues?.[0]
  return issue ? `${issue.path.join('.') || 'top level'}: ${issue.message}` : (err as Error).message
}
