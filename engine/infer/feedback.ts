/**
 * Decoding an output-recurrent model (models/feedback.ts) through its exported ONNX graph: the
 * graph takes features, previous_labels and each layer's initial state (h0_l{l}, c0_l{l}) and
 * returns probabilities and the final state (hT_l{l}, cT_l{l}), so the engine runs it one frame
 * at a time with the K live beam hypotheses as the batch, feeding back the labels it chose and
 * the states of their parents (models/feedback.ts BeamSearch; greedy is width 1).
 *
 * Why the loop is here and not an ONNX Loop/Scan: beam search needs top-k over K·C candidates,
 * back-pointers and state gathers per frame, which an ONNX Loop can express only clumsily and
 * no other runtime would call; the graph stays a plain tagger any runtime can run teacher-forced
 * (previous_labels given), and the one decoder is tested against the engine's own forward.
 * Cost: one onnxruntime call per frame (measured in docs/sequence-models.md).
 */
import * as ort from 'onnxruntime-node'
import { BeamSearch, gatherRows, type Decoded } from '../../models/feedback'
import { DataError } from '../errors'
import type { TaggerModel, TensorInfo } from '../onnx/read'

/** The extra inputs and outputs of an output-recurrent graph. */
export interface FeedbackLayout {
  /** C: width of previous_labels. */
  C: number
  /** Per layer: state input/output names (c only for LSTM) and H. */
  layers: { h0: string; c0: string | null; hT: string; cT: string | null; H: number }[]
}

/** The layout of a model whose metadata says it is output-recurrent; DataError when it is not. */
export function feedbackLayoutOf(
  file: string,
  inputs: TensorInfo[],
  outputs: TensorInfo[],
): FeedbackLayout {
  const inp = new Map(inputs.map((i) => [i.name, i]))
  const out = new Map(outputs.map((o) => [o.name, o]))
  const fail = (why: string): never => {
    throw new DataError(file, `says it is output-recurrent (framewise.decoder) but ${why}`)
  }
  if (!inp.has('features')) fail("has no 'features' input")
  const prev = inp.get('previous_labels') ?? fail("has no 'previous_labels' input")
  const C = prev.shape[2]
  if (typeof C !== 'number' || C < 1) fail('previous_labels has no fixed class count')
  const layers: FeedbackLayout['layers'] = []
  for (let l = 0; inp.has(`h0_l${l}`); l++) {
    const H = inp.get(`h0_l${l}`)!.shape[2]
    if (typeof H !== 'number' || H < 1) fail(`h0_l${l} has no fixed hidden size`)
    if (!out.has(`hT_l${l}`)) fail(`has no output hT_l${l}`)
    const lstm = inp.has(`c0_l${l}`)
    if (lstm && !out.has(`cT_l${l}`)) fail(`has no output cT_l${l}`)
    layers.push({
      h0: `h0_l${l}`,
      c0: lstm ? `c0_l${l}` : null,
      hT: `hT_l${l}`,
      cT: lstm ? `cT_l${l}` : null,
      H: H as number,
    })
  }
  if (layers.length === 0) fail('has no state inputs h0_l0 …')
  const known = 2 + layers.reduce((n, s) => n + (s.c0 ? 2 : 1), 0)
  if (inputs.length !== known)
    fail(`has unexpected inputs (${inputs.map((i) => i.name).join(', ')})`)
  return { C: C as number, layers }
}

const zeros = (dims: number[]): ort.Tensor =>
  new ort.Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)), dims)

/** Zero previous labels and states for a [1, T, F] probe run (teacher forcing from nothing). */
export function probeFeedbackFeeds(layout: FeedbackLayout, T: number): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = { previous_labels: zeros([1, T, layout.C]) }
  for (const s of layout.layers) {
    feeds[s.h0] = zeros([1, 1, s.H])
    if (s.c0) feeds[s.c0] = zeros([1, 1, s.H])
  }
  return feeds
}

export interface DecodeOptions {
  /** Beam width; default the model's (metadata), 1 = greedy. */
  width?: number
  /** Checked every few hundred frames. */
  signal?: AbortSignal
  /** Fraction 0..1 of the frames decoded. */
  onProgress?: (fraction: number) => void
}

/** Decodes features x (T, F) of one file with `model` (which must have a decoder). */
export async function decodeOnnx(
  model: TaggerModel,
  x: Float32Array,
  T: number,
  F: number,
  options: DecodeOptions = {},
): Promise<Decoded> {
  const dec = model.decoder
  if (!dec) throw new Error(`${model.file} is not an output-recurrent model`)
  const { C, layers } = dec.layout
  const W = options.width ?? dec.beam
  const beam = new BeamSearch(T, C, W)
  const xt = new Float32Array(W * F) // (K, 1, F)
  const prev = new Float32Array(W * C) // (K, 1, C)
  // state per layer: (1, K, H) now, and the parents' rows gathered for the next frame
  const state = layers.map((s) => ({
    h: new Float32Array(W * s.H),
    c: s.c0 ? new Float32Array(W * s.H) : null,
  }))
  const logp = new Float32Array(W * C) // (K, C)
  const wanted = [model.outputName, ...layers.flatMap((s) => (s.cT ? [s.hT, s.cT] : [s.hT]))]
  for (let t = 0; t < T; t++) {
    if (t % 256 === 0) {
      options.signal?.throwIfAborted()
      options.onProgress?.(t / T)
    }
    const K = beam.K
    prev.fill(0)
    for (let j = 0; j < K; j++) {
      xt.set(x.subarray(t * F, (t + 1) * F), j * F)
      if (t > 0) prev[j * C + beam.labels[j]] = 1
    }
    const feeds: Record<string, ort.Tensor> = {
      [model.inputName]: new ort.Tensor('float32', xt.subarray(0, K * F), [K, 1, F]),
      previous_labels: new ort.Tensor('float32', prev.subarray(0, K * C), [K, 1, C]),
    }
    layers.forEach((s, l) => {
      feeds[s.h0] = new ort.Tensor('float32', state[l].h.subarray(0, K * s.H), [1, K, s.H])
      if (s.c0) feeds[s.c0] = new ort.Tensor('float32', state[l].c!.subarray(0, K * s.H), [1, K, s.H])
    })
    let out: ort.InferenceSession.ReturnType
    try {
      out = await model.session.run(feeds, wanted)
    } catch (err) {
      throw new DataError(
        model.file,
        `onnxruntime failed at frame ${t} (${String((err as Error).message).split('\n')[0]})`,
      )
    }
    const y = out[model.outputName].data as Float32Array // (K, 1, C)
    for (let r = 0; r < K * C; r += C) {
      // log-probabilities, from probabilities or logits
      let m = -Infinity
      for (let c = 0; c < C; c++) m = Math.max(m, y[r + c])
      let s = 0
      for (let c = 0; c < C; c++) {
        const v = model.output === 'logits' ? y[r + c] - m : Math.log(y[r + c])
        logp[r + c] = v
        s += Math.exp(v)
      }
      if (model.output === 'logits') for (let c = 0; c < C; c++) logp[r + c] -= Math.log(s)
    }
    beam.step(logp)
    layers.forEach((s, l) => {
      gatherRows(state[l].h, out[s.hT].data as Float32Array, beam.parents, beam.K, s.H)
      if (s.cT) gatherRows(state[l].c!, out[s.cT].data as Float32Array, beam.parents, beam.K, s.H)
    })
  }
  options.signal?.throwIfAborted()
  options.onProgress?.(1)
  return beam.result()
}
