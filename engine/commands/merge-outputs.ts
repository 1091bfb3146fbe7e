/** `framewise merge-outputs DIR`: the shard manifests of `predict --shard` joined into the one manifest a single run writes. */
import path from 'node:path'
import { writeJsonAtomic } from '../io/atomic-write'
import { MANIFEST_NAME } from '../infer/batch'
import { mergeShardManifests } from '../infer/shards'
import { type Command, UsageError, WithProblems } from './command'

interface MergedFile {
  input: string
  status: string
  error?: string
}

export const mergeOutputs: Command = {
  brief: "join predict --shard's manifests into one",
  usage: 'merge-outputs <out-dir>',
  summary:
    'read framewise-manifest.shard-I-of-N.json of every shard I in the folder that predict --shard I/N --out wrote, and write framewise-manifest.json as one predict over all the inputs writes it (files in the same order); refuses when a shard is missing or unfinished, or was run with another model, inputs, options or N; exit 1 when files failed, listed as predict lists them',
  async run({ positionals }) {
    if (positionals.length !== 1) throw new UsageError('merge-outputs takes one folder')
    const [dir] = positionals
    const merged = await mergeShardManifests(dir)
    const manifest = path.join(dir, MANIFEST_NAME)
    await writeJsonAtomic(manifest, merged.manifest)
    const files = merged.manifest.files as MergedFile[]
    const count = (s: string) => files.filter((f) => f.status === s).length
    const result = {
      manifest,
      shards: merged.shards,
      inputs: files.length,
      done: count('done'),
      skipped: count('skipped'),
      failed: count('failed'),
    }
    if (result.failed === 0) return result
    return new WithProblems(result, [
      `${result.failed} of ${files.length} files failed (listed in ${manifest}):`,
      ...files.filter((f) => f.status === 'failed').map((f) => `  ${f.error ?? f.input}`),
    ])
  },
}
