/**
 * Decoding an output-recurrent model (models/feedback.ts) from its exported ONNX file. The graph
 * takes features, previous_labels and each layer's initial state (h0_l{l}, c0_l{l}) and returns
 * probabilities and the final state (hT_l{l}, cT_l{l}). Two drivers of one beam search
 * (models/feedback.ts BeamSearch; greedy is width 1), one frame at a time:
 *   engine   the file's weights read back into the engine's tagger (`taggerFromGraph`, the
 *            inverse of models/onnx-graph.ts) and its native forward; used when the read-back
 *            tagger reproduces onnxruntime on a teacher-forced probe (≤ 1e-4), i.e. for every
 *            graph Framewise wrote;
 *   onnx     onnxruntime on the graph, the K live hypotheses as its batch and their states fed
 *            back: for any other graph with the same contract, and the reference in tests.
 * Why not onnxruntime alone: each call has a fixed cost (~70 µs at best, its async run; several
 * times that on a loaded machine), so the engine's forward decodes 2–3.5× faster
 * (docs/sequence-models.md); the weights and the graph are the same file, and both drivers find
 * the same paths (engine/infer/feedback.test.ts).
 * Why the loop is here and not an ONNX Loop/Scan: beam search needs top-k over K·C candidates,
 * back-pointers and state gathers per frame, which an ONNX Loop can express only clumsily and
 * no other runtime would call; the graph stays a plain tagger any runtime can run teacher-forced.
 */
import onnxProto from 'onnx-proto'
import * as ort from 'onnxruntime-node'
import { BeamSearch, gatherRows, TaggerDecoder, type Decoded } from '../../models/feedback'
import { ONNX_GATE_BLOCKS } from '../../models/onnx-graph'
import { gatesOf, type CellType, type TaggerConfig } from '../../models/params'
import { createTagger, type Tagger } from '../../models/tagger'
import { pickKernels } from '../kernels/load'
import { DataError } from '../errors'
import { READ_LIMITS, readRegular } from '../io/input-files'
import type { TaggerModel } from '../onnx/read'

export interface DecodeOptions {
  /** Beam width; default the model's (metadata), 1 = greedy. */
  width?: number
  /** 'auto' (default): the engine's forward when the graph reads back, else onnxruntime. */
  driver?: 'auto' | 'engine' | 'onnx'
  /** Checked every few hundred frames. */
  signal?: AbortSignal
  /** Fraction 0..1 of the frames decoded. */
  onProgress?: (fraction: number) => void
}

/** A tagger read back from an exported graph, with the graph's feature normalisation. */
export interface GraphTagger {
  tagger: Tagger<Float32Array>
  norm: { mean: Float32Array; std: Float32Array } | null
}

const { onnx } = onnxProto

/**
 * The output-recurrent tagger a graph of models/onnx-graph.ts holds (weights back in PyTorch
 * gate order and layout), or null when the graph is not such a one (another producer, attention).
 */
export function taggerFromGraph(bytes: Uint8Array): GraphTagger | null {
  const g = onnx.ModelProto.decode(bytes).graph
  if (!g) return null
  const [inits, nodes] = [g.initializer ?? [], g.node ?? []]
  const init = new Map<string, { dims: number[]; data: Float32Array }>()
  for (const t of inits) {
    if (t.dataType !== onnx.TensorProto.DataType.FLOAT || !t.rawData || !t.name) continue
    const raw = t.rawData
    const data = new Float32Array(raw.byteLength / 4)
    new Uint8Array(data.buffer).set(raw)
    init.set(t.name, { dims: (t.dims ?? []).map(Number), data })
  }
  const rnns = nodes.filter((n) => ['LSTM', 'GRU', 'RNN'].includes(n.opType ?? ''))
  const outB = init.get('out_bias')
  const outW = init.get('out_weight_t')
  if (rnns.length === 0 || !outB || !outW || inits.some((t) => t.name?.startsWith('self_attn')))
    return null
  const attr = (n: onnxProto.onnx.INodeProto, name: string) =>
    n.attribute?.find((a) => a.name === name)
  const first = rnns[0]
  const acts = attr(first, 'activations')?.strings?.map((b) => new TextDecoder().decode(b)) ?? []
  const cell: CellType =
    first.opType === 'LSTM'
      ? 'lstm'
      : first.opType === 'GRU'
        ? 'gru'
        : acts[0] === 'Relu'
          ? 'rnn-relu'
          : 'rnn-tanh'
  const H = Number(attr(first, 'hidden_size')?.i ?? 0)
  const W0 = init.get('W_l0')
  if (!W0 || W0.dims.length !== 3 || W0.dims[0] !== 1 || !(H > 0)) return null
  const C = outB.dims[0]
  const config: TaggerConfig = {
    cell,
    inputSize: W0.dims[2],
    hiddenSize: H,
    numLayers: rnns.length,
    numClasses: C,
    bidirectional: false,
    dropout: 0,
    residual: nodes.some((n) => n.name === 'residual_l1'),
    outputRecurrence: true,
  }
  // every weight present with its size before allocating (a hostile file cannot make us
  // allocate more than it holds)
  const G = gatesOf(cell)
  for (let l = 0; l < config.numLayers; l++) {
    const In = l === 0 ? config.inputSize : H
    const [W, R, B] = [init.get(`W_l${l}`), init.get(`R_l${l}`), init.get(`B_l${l}`)]
    if (
      !W ||
      !R ||
      !B ||
      W.data.length !== G * H * In ||
      R.data.length !== G * H * H ||
      B.data.length !== 2 * G * H
    )
      return null
  }
  if (outW.data.length !== H * C) return null
  let m: Tagger<Float32Array>
  try {
    m = createTagger(config, pickKernels('auto'))
  } catch {
    return null
  }
  const blocks = ONNX_GATE_BLOCKS[cell]
  // PyTorch block `from` sits at ONNX block `to`: copy it back
  const unpermute = (dst: Float32Array, src: Float32Array, off: number, cols: number): void =>
    blocks.forEach((from, to) =>
      dst.set(src.subarray(off + to * H * cols, off + (to + 1) * H * cols), from * H * cols),
    )
  for (let l = 0; l < config.numLayers; l++) {
    const [W, R, B] = [init.get(`W_l${l}`)!, init.get(`R_l${l}`)!, init.get(`B_l${l}`)!]
    const c = m.p.cells[l][0]
    const In = c.Wih.length / (G * H)
    unpermute(c.Wih, W.data, 0, In)
    unpermute(c.Whh, R.data, 0, H)
    unpermute(c.bih, B.data, 0, 1)
    unpermute(c.bhh, B.data, G * H, 1)
  }
  for (let c = 0; c < C; c++) for (let j = 0; j < H; j++) m.p.Wout[c * H + j] = outW.data[j * C + c]
  m.p.bout.set(outB.data)
  const [mean, std] = [init.get('norm_mean'), init.get('norm_std')]
  return { tagger: m, norm: mean && std ? { mean: mean.data, std: std.data } : null }
}

const engineTaggers = new WeakMap<TaggerModel, Promise<GraphTagger | null>>()

/** The read-back tagger when it reproduces onnxruntime on a probe, else null (once per model). */
export async function engineTaggerOf(model: TaggerModel, F: number): Promise<GraphTagger | null> {
  let p = engineTaggers.get(model)
  if (!p) {
    p = (async () => {
      const gt = taggerFromGraph(await readRegular(model.file, READ_LIMITS.model))
      if (!gt || gt.tagger.config.inputSize !== F + gt.tagger.config.numClasses) return null
      // both drivers on the same teacher-forced probe: greedy from noise, 64 frames
      const T = 64
      const rng = {
        s: 7,
        next() {
          return ((this.s = (Math.imul(this.s, 1103515245) + 12345) >>> 0) / 2 ** 32 - 0.5) * 4
        },
      }
      const x = Float32Array.from({ length: T * F }, () => rng.next())
      const a = await decodeOnnxDriver(model, x, T, F, 1, {})
      const b = engineDecode(gt, x, T, F, 1)
      let diff = 0
      for (let i = 0; i < a.probabilities.length; i++)
        diff = Math.max(diff, Math.abs(a.probabilities[i] - b.probabilities[i]))
      return diff <= 1e-4 && a.path.every((y, t) => y === b.path[t]) ? gt : null
    })()
    engineTaggers.set(model, p)
  }
  return p
}

function normalised(gt: GraphTagger, x: Float32Array, F: number): Float32Array {
  if (!gt.norm) return x
  const { mean, std } = gt.norm
  return x.map((v, i) => (v - mean[i % F]) / std[i % F])
}

function engineDecode(gt: GraphTagger, x: Float32Array, T: number, F: number, W: number): Decoded {
  const d = new TaggerDecoder(gt.tagger, pickKernels('auto'), T, W)
  const xn = normalised(gt, x, F)
  for (let t = 0; t < T; t++) d.step(xn, t)
  return d.beam.result()
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
  const W = options.width ?? dec.beam
  const driver = options.driver ?? 'auto'
  const gt = driver === 'onnx' ? null : await engineTaggerOf(model, F)
  if (driver === 'engine' && !gt)
    throw new DataError(model.file, 'its graph cannot be read back into the engine tagger')
  if (!gt) return decodeOnnxDriver(model, x, T, F, W, options)
  // the engine's forward, in slices between which cancel and progress get through
  const d = new TaggerDecoder(gt.tagger, pickKernels('auto'), T, W)
  const xn = normalised(gt, x, F)
  for (let t = 0; t < T; t++) {
    if (t % 2048 === 0) {
      options.signal?.throwIfAborted()
      options.onProgress?.(t / T)
      if (t > 0) await new Promise((resolve) => setImmediate(resolve))
    }
    d.step(xn, t)
  }
  options.signal?.throwIfAborted()
  options.onProgress?.(1)
  return d.beam.result()
}

/** The onnxruntime driver: one session run per frame. */
async function decodeOnnxDriver(
  model: TaggerModel,
  x: Float32Array,
  T: number,
  F: number,
  W: number,
  options: DecodeOptions,
): Promise<Decoded> {
  const { C, layers } = model.decoder!.layout
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
      if (s.c0)
        feeds[s.c0] = new ort.Tensor('float32', state[l].c!.subarray(0, K * s.H), [1, K, s.H])
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
    const sizeOk = (name: string, n: number) => out[name]?.data.length === n
    if (
      !sizeOk(model.outputName, K * C) ||
      layers.some((s) => !sizeOk(s.hT, K * s.H) || (s.cT && !sizeOk(s.cT, K * s.H)))
    )
      throw new DataError(model.file, `gave outputs of the wrong size for ${K} rows of one frame`)
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
