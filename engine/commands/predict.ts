/** `framewise predict`: label recordings (files or folders) with a tagger, or classify them with a clip classifier, into files beside each other in --out. */
import { stat } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { expandInputs, predictToFiles } from '../infer/batch'
import { predictClipsToFile } from '../infer/clip'
import { parseShard, settingsDigest } from '../infer/shards'
import { isClipModel, readClipModel } from '../onnx/clip'
import { loadFeatureSpec } from '../features/spec-file'
import { isWritableLabelFormat, WRITABLE_LABEL_FORMATS } from '../labels/format-list'
import {
  type Command,
  RATE_OPTION,
  UsageError,
  VITERBI_OPTIONS,
  WithProblems,
  checkOutDir,
  cliJob,
  numberFlag,
  rateFlag,
  reportProgress,
  reportWarning,
  viterbiFlags,
} from './command'
import { throttledProgress } from '../jobs'
import { DataError } from '../errors'

export const predict: Command = {
  brief: 'label recordings with a model',
  usage:
    'predict <model.onnx> <file|dir>... --out DIR [--format audacity|raven|textgrid|csv|json] [--probabilities] [--resume] [--shard I/N] [--spec spec.json --classes a,b,c]',
  summary:
    "label files with a model: <stem>.<ext> of the non-background segments per input (folders through their subfolders, each output at the same relative place under --out), <stem>.probs.csv with --probabilities, and framewise-manifest.json listing each input's outputs, status and error; a file that fails is reported and the rest go on (exit 1); --resume skips inputs whose outputs exist and are newer than the model and the input; --shard I/N predicts only shard I (0..N-1) of the inputs, split by path and header duration the same way on every machine, into framewise-manifest.shard-I-of-N.json (framewise merge-outputs joins them); also --output logits|probabilities, --background NAME|none, --median N, --min-duration S, --merge-gap S, --viterbi [--viterbi-weight X] | --no-viterbi (decode frames with the label transitions stored at training), --threads N, --window N, --context N, --rate HZ (rows per second of CSV files without a time column; default the model's)",
  options: {
    out: { type: 'string' },
    format: { type: 'string', default: 'audacity' },
    probabilities: { type: 'boolean', default: false },
    resume: { type: 'boolean', default: false },
    shard: { type: 'string' },
    spec: { type: 'string' },
    classes: { type: 'string' },
    output: { type: 'string' },
    background: { type: 'string' },
    median: { type: 'string' },
    'min-duration': { type: 'string' },
    'merge-gap': { type: 'string' },
    ...VITERBI_OPTIONS,
    threads: { type: 'string' },
    window: { type: 'string' },
    context: { type: 'string' },
    ...RATE_OPTION,
  },
  async run({ positionals, values }) {
    const [model, ...inputs] = positionals
    if (!model || inputs.length === 0)
      throw new UsageError('predict takes a model and at least one file or folder')
    if (typeof values.out !== 'string') throw new UsageError('--out DIR is required')
    await checkOutDir(values.out)
    const seriesRate = rateFlag(values)
    const shard = typeof values.shard === 'string' ? parseShard(values.shard) : undefined
    if (typeof shard === 'string') throw new UsageError(shard)
    if (await isClipModel(model)) {
      if (shard)
        throw new UsageError(
          "--shard splits taggers' batches; a clip classifier writes one clips file",
        )
      // a clip classifier: one row per file in <out>/clips.json (default) or clips.csv
      const format = values.format === 'csv' ? 'csv' : 'json'
      const clip = await readClipModel(model)
      return predictClipsToFile(model, await expandInputs(inputs, clip.spec.kind), {
        out: values.out,
        format,
        seriesRate,
        onProgress: (f, m) => reportProgress(f, m),
      })
    }
    const format = String(values.format)
    if (!isWritableLabelFormat(format))
      throw new UsageError(`--format must be one of ${WRITABLE_LABEL_FORMATS.join(', ')}`)
    const output = values.output as string | undefined
    if (output !== undefined && output !== 'logits' && output !== 'probabilities')
      throw new UsageError('--output must be logits or probabilities')
    const median = numberFlag(values, 'median', { integer: true, min: 1 })
    if (median !== undefined && median % 2 === 0) throw new UsageError('--median must be odd')
    const spec = typeof values.spec === 'string' ? await loadFeatureSpec(values.spec) : undefined
    const classes =
      typeof values.classes === 'string'
        ? values.classes.split(',').map((c) => c.trim())
        : undefined
    const background = values.background as string | undefined
    const windowFrames = numberFlag(values, 'window', { integer: true, min: 1 })
    const contextFrames = numberFlag(values, 'context', { integer: true, min: 0 })
    const postprocess = {
      ...(median !== undefined ? { medianFilter: median } : {}),
      ...(values['min-duration'] !== undefined
        ? { minDuration: numberFlag(values, 'min-duration', { min: 0 }) }
        : {}),
      ...(values['merge-gap'] !== undefined
        ? { mergeGap: numberFlag(values, 'merge-gap', { min: 0 }) }
        : {}),
      ...(background !== undefined
        ? { background: background === 'none' ? null : background }
        : {}),
      ...viterbiFlags(values),
    }
    const probabilities = values.probabilities === true
    const job = cliJob()
    const progress = throttledProgress(reportProgress, 1000)
    let finished = 0
    const result = await predictToFiles(model, inputs, {
      out: values.out,
      format,
      probabilities,
      resume: values.resume === true,
      signal: job.signal,
      seriesRate,
      spec,
      classes,
      output,
      // every option that changes an output, so that merging refuses shards run with others
      shard: shard && {
        ...shard,
        settings: settingsDigest({
          format,
          probabilities,
          seriesRate,
          spec,
          classes,
          output,
          postprocess,
          windowFrames,
          contextFrames,
        }),
      },
      // The model runs after the features, when the feature workers are idle: both cores.
      threads:
        numberFlag(values, 'threads', { integer: true, min: 1 }) ??
        Math.min(2, availableParallelism()),
      windowFrames,
      contextFrames,
      postprocess,
      onProgress: progress,
      stopOnError: inputs.length === 1 && !(await isFolder(inputs[0])),
      onFile: (f) => {
        finished++
        if (f.status === 'failed') reportWarning(f.error ?? f.input)
      },
    }).catch((err: unknown) => {
      if (!job.signal.aborted) throw err
      const out = String(values.out)
      throw new DataError(out, `cancelled after ${finished} files; --resume goes on from there`)
    })
    if (result.failed === 0) return result
    const failed = result.files.filter((f) => f.status === 'failed')
    return new WithProblems(result, [
      `${failed.length} of ${result.files.length} files failed (listed in ${result.manifest}):`,
      ...failed.map((f) => `  ${f.error}`),
    ])
  },
}

/** Whether `p` names a folder (stat never blocks on a FIFO; a path that is missing is no folder). */
async function isFolder(p: string): Promise<boolean> {
  return (await stat(p).catch(() => null))?.isDirectory() === true
}
