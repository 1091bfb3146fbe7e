/**
 * `framewise export <model.onnx> --out FILE [--with-features]`: a copy of a model and its card;
 * with --with-features the FeatureSpec's front end goes inside the graph (onnx/front-end.ts), so
 * the copy takes mono samples at the spec's rate and any ONNX runtime returns frame
 * probabilities without computing features itself.
 */
import { promises as fs } from 'node:fs'
import { DataError } from '../errors'
import { cardPathOf } from '../onnx/card'
import { exportWithFeatures } from '../onnx/front-end'
import { type Command, UsageError, checkOutFile, statOrNull } from './command'

export const exportCommand: Command = {
  brief: 'a copy of a model, optionally taking raw audio',
  usage: 'export <model.onnx> --out FILE.onnx [--with-features]',
  summary:
    "a copy of a model and its card at --out; with --with-features the model's feature extraction (log-mel/MFCC, deltas, normalisation) is put inside the ONNX graph with standard opset-17 operators, so it takes mono float32 samples (input `samples`, batch × samples) at its spec's rate and returns frame probabilities; its card says so",
  options: { out: { type: 'string' }, 'with-features': { type: 'boolean' } },
  async run({ positionals, values }) {
    if (positionals.length !== 1) throw new UsageError('export takes exactly one .onnx model')
    const out = values.out
    if (typeof out !== 'string') throw new UsageError('export needs --out FILE.onnx')
    if (!out.toLowerCase().endsWith('.onnx'))
      throw new UsageError(`--out ${out}: the file name must end in .onnx`)
    await checkOutFile(out)
    const [source] = positionals
    if (values['with-features'] === true) return exportWithFeatures(source, out)
    await fs.copyFile(source, out).catch((err: Error) => {
      throw new DataError(source, `cannot copy the model (${err.message})`)
    })
    const card = cardPathOf(source)
    if (await statOrNull(card)) await fs.copyFile(card, cardPathOf(out))
    return { model: out, card: cardPathOf(out) }
  },
}
