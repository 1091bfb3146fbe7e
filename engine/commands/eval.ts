/** `framewise eval`: score a model on a labelled project or data folder. */
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { evaluateClips } from '../infer/clip'
import { isClipModel } from '../onnx/clip'
import { clipItemsOf } from '../train/clip-project'
import { evaluateModel } from '../eval/evaluate'
import { selectClipItems } from '../eval/selection'
import { MANIFEST_FILE } from '../project/manifest'
import {
  type Command,
  UsageError,
  VITERBI_OPTIONS,
  cliJob,
  numberFlag,
  RATE_OPTION,
  rateFlag,
  viterbiFlags,
} from './command'

export const evalCommand: Command = {
  brief: 'score a model on labelled data',
  usage:
    'eval <model.onnx> <project-or-data-dir> [--files validation|all] [--include-unreviewed] [--collar 0.2] [--rate HZ] [--viterbi [--viterbi-weight X] | --no-viterbi]',
  summary:
    "score a model on labelled data: frame accuracy, per-class P/R/F1, macro-F1, event F1, confusion, per-file scores (worst first); --rate HZ gives the rows per second of a data folder's CSV files without a time column (default the model's); on the model's validation files unless --files all (files whose labels are accepted predictions not marked reviewed only with --include-unreviewed); a clip classifier: accuracy, macro-F1, confusion over the files' clip classes",
  options: {
    collar: { type: 'string' },
    files: { type: 'string' },
    'include-unreviewed': { type: 'boolean' },
    ...RATE_OPTION,
    ...VITERBI_OPTIONS,
  },
  async run({ positionals, values }) {
    if (positionals.length !== 2) throw new UsageError('eval takes a model and a data folder')
    const files = values.files ?? 'validation'
    if (files !== 'validation' && files !== 'all')
      throw new UsageError(`--files must be validation or all, not ${JSON.stringify(files)}`)
    const seriesRate = rateFlag(values)
    if (seriesRate !== undefined && (await isProject(positionals[1])))
      throw new UsageError(
        '--rate is for a data folder; a project keeps the rate of each file (set it where the file is imported)',
      )
    const ctx = cliJob()
    const includeUnreviewed = values['include-unreviewed'] === true
    if (await isClipModel(positionals[0])) {
      const { chosen, selection } = await selectClipItems(
        await clipItemsOf(positionals[1]),
        positionals[0],
        positionals[1],
        { files, includeUnreviewed },
      )
      const ev = await evaluateClips(positionals[0], chosen, {
        signal: ctx.signal,
        onProgress: (f, m) => ctx.progress(f, m),
      })
      return { ...ev, selection }
    }
    return evaluateModel(positionals[0], positionals[1], {
      collar: numberFlag(values, 'collar'),
      postprocess: viterbiFlags(values),
      files,
      includeUnreviewed,
      seriesRate,
      signal: ctx.signal,
      onProgress: (f, m) => ctx.progress(f, m),
    })
  },
}

/** True when `dir` holds a project's manifest (a data folder does not). */
const isProject = (dir: string) =>
  stat(join(dir, MANIFEST_FILE)).then(
    (s) => s.isFile(),
    () => false,
  )
