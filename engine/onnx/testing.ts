/** Test helpers: random taggers, and small odd ONNX models built directly with onnx-proto. */
import onnxProto from 'onnx-proto'
import { initTagger } from '../../models/init'
import { paramLayout, type TaggerConfig } from '../../models/params'
import { Rng } from '../../models/rng'
import { parseFeatureSpec, type FeatureSpec } from '../features/spec'

const { onnx } = onnxProto

/** Config A of the reference benchmarks, with a chosen cell. */
export const configA = (cell: TaggerConfig['cell'] = 'lstm'): TaggerConfig => ({
  cell,
  inputSize: 40,
  hiddenSize: 64,
  numLayers: 1,
  numClasses: 4,
  bidirectional: true,
  dropout: 0,
})

/** 40 log-mel bands, no deltas: F = 40, as config A takes. */
export const specF40 = (): FeatureSpec =>
  parseFeatureSpec({ kind: 'audio', features: [{ name: 'logmel' }], deltas: 0 })

/** Initialised parameters (Glorot/orthogonal, as training starts), deterministic per seed. */
export function randomParams(config: TaggerConfig, seed = 1): Float32Array {
  const params = new Float32Array(paramLayout(config).size)
  initTagger(params, config, new Rng(seed))
  return params
}

export interface RawValue {
  name: string
  /** onnx.TensorProto.DataType, default FLOAT. */
  elemType?: number
  dims: (number | string)[]
}

/** A model of Identity nodes from each input i to output i (shapes as declared). */
export function identityModel(
  inputs: RawValue[],
  outputs: RawValue[],
  metadata: Record<string, string> = {},
): Uint8Array {
  const vi = (v: RawValue): onnxProto.onnx.IValueInfoProto => ({
    name: v.name,
    type: {
      tensorType: {
        elemType: v.elemType ?? onnx.TensorProto.DataType.FLOAT,
        shape: {
          dim: v.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })),
        },
      },
    },
  })
  const model: onnxProto.onnx.IModelProto = {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'test',
    graph: {
      name: 'odd',
      input: inputs.map(vi),
      output: outputs.map(vi),
      node: outputs.map((o, i) => ({
        opType: 'Identity',
        name: `id${i}`,
        input: [inputs[Math.min(i, inputs.length - 1)].name],
        output: [o.name],
      })),
    },
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  }
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish()
}
