/** `framewise eval`: score a model on a labelled project or data folder. */
import { evaluateClips } from '../infer/clip'
import { isClipModel } from '../onnx/clip'
import { clipItemsOf } from '../train/clip-project'
import { evaluateModel } from '../eval/evaluate'
import {
  type Command,
  UsageError,
  VITERBI_OPTIONS,
  cliJob,
  numberFlag,
  viterbiFlags,
} from './command'

export const evalCommand: Command = {
  brief: 'score a model on labelled data',
  usage:
    'eval <model.onnx> <project-or-data-dir> [--files validation|all] [--include-unreviewed] [--collar 0.2] [--viterbi [--viterbi-weight X] | --no-viterbi]',
  summary:
    "score a model on labelled data: frame accuracy, per-class P/R/F1, macro-F1, event F1, confusion, per-file scores (worst first), on the model's validation files unless --files all (files whose labels are accepted predictions not marked reviewed only with --include-unreviewed); a clip classifier: accuracy, macro-F1, confusion over the files' clip classes",
  options: {
    collar: { type: 'string' },
    files: { type: 'string' },
    'include-unreviewed': { type: 'boolean' },
    ...VITERBI_OPTIONS,
  },
  async run({ positionals, values }) {
    if (positionals.length !== 2) throw new UsageError('eval takes a model and a data folder')
    const files = values.files ?? 'validation'
    if (files !== 'validation' && files !== 'all')
      throw new UsageError(`--files must be validation or all, not ${JSON.stringify(files)}`)
    const ctx = cliJob()
    if (await isClipModel(positionals[0]))
      return evaluateClips(positionals[0], await clipItemsOf(positionals[1]), {
        signal: ctx.signal,
        onProgress: (f, m) => ctx.progress(f, m),
      })
    return evaluateModel(positionals[0], positionals[1], {
      collar: numberFlag(values, 'collar'),
      postprocess: viterbiFlags(values),
      files,
      includeUnreviewed: values['include-unreviewed'] === true,
      signal: ctx.signal,
      onProgress: (f, m) => ctx.progress(f, m),
    })
  },
}
