/** Test helpers for prediction: a hand-built model with a known answer, and test signals. */
import type { OnnxGraph } from '../../models/onnx-types'
import { makeWav, sine } from '../media/audio/testing'
import { parseFeatureSpec } from '../features/spec'
import { metadataProps } from '../onnx/metadata'
import { postProcessSchema } from '../onnx/postprocess-settings'
import { encodeModel } from '../onnx/write'

/**
 * logits = [thr − rms, rms − thr] · 100 over the frame RMS (F = 1): classes
 * ['background', 'tone'], 'tone' wherever the RMS exceeds `thr`; min duration 0.1 s.
 */
export function rmsModel(thr: number): Uint8Array {
  const graph: OnnxGraph = {
    name: 'rms_threshold',
    inputs: [{ name: 'features', dims: ['batch', 'time', 1] }],
    outputs: [{ name: 'logits', dims: ['batch', 'time', 2] }],
    nodes: [
      { op: 'MatMul', name: 'mm', inputs: ['features', 'w'], outputs: ['mm_out'] },
      { op: 'Add', name: 'add', inputs: ['mm_out', 'b'], outputs: ['logits'] },
    ],
    initializers: [
      { name: 'w', dims: [1, 2], float: Float32Array.of(-100, 100) },
      { name: 'b', dims: [2], float: Float32Array.of(100 * thr, -100 * thr) },
    ],
  }
  const spec = parseFeatureSpec({
    kind: 'audio',
    features: [{ name: 'rms' }],
    deltas: 0,
    normalization: { mode: 'none' },
  })
  const meta = {
    classes: ['background', 'tone'],
    features: spec,
    postprocess: postProcessSchema.parse({ minDuration: 0.1 }),
    runId: null,
    output: 'logits' as const,
  }
  return encodeModel(graph, metadataProps(meta), 'test')
}

/** 16 kHz WAV of `seconds` s with a 440 Hz tone (amplitude 0.5) over [from, to) s. */
export function toneWav(seconds: number, from: number, to: number): Buffer {
  const rate = 16000
  const signal = new Float64Array(Math.round(seconds * rate))
  signal.set(sine(Math.round((to - from) * rate), 440, rate, 0.5), Math.round(from * rate))
  return makeWav({ bits: 16, rate, channels: [signal] })
}
