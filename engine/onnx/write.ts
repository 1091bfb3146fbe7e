/**
 * Writing an ONNX model: a graph description (models/onnx-types.ts) becomes a ModelProto
 * (onnx-proto's protobuf classes, not hand-encoded bytes) with Framewise's metadata_props.
 */
import onnxProto from 'onnx-proto'
import {
  ONNX_OPSET,
  type OnnxAttribute,
  type OnnxGraph,
  type OnnxValueInfo,
} from '../../models/onnx-types'

const { onnx } = onnxProto

/** IR version 8 is what opset 17 needs (ONNX 1.12). */
const IR_VERSION = 8

function attribute(name: string, value: OnnxAttribute): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType
  if (typeof value === 'number') {
    return Number.isInteger(value)
      ? { name, type: T.INT, i: value }
      : { name, type: T.FLOAT, f: value }
  }
  if (typeof value === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(value) }
  if (value.length > 0 && typeof value[0] === 'string')
    return {
      name,
      type: T.STRINGS,
      strings: (value as string[]).map((s) => new TextEncoder().encode(s)),
    }
  return { name, type: T.INTS, ints: value as number[] }
}

function valueInfo(v: OnnxValueInfo): onnxProto.onnx.IValueInfoProto {
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: {
          dim: v.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })),
        },
      },
    },
  }
}

/** Encode `graph` as an ONNX model file (bytes), with `metadata` as metadata_props. */
export function encodeModel(
  graph: OnnxGraph,
  metadata: Record<string, string>,
  producerVersion: string,
): Uint8Array {
  const model: onnxProto.onnx.IModelProto = {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'framewise',
    producerVersion,
    graph: {
      name: graph.name,
      input: graph.inputs.map(valueInfo),
      output: graph.outputs.map(valueInfo),
      node: graph.nodes.map((n) => ({
        opType: n.op,
        name: n.name,
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attributes ?? {}).map(([k, v]) => attribute(k, v)),
      })),
      initializer: graph.initializers.map((t) =>
        t.float
          ? {
              name: t.name,
              dims: t.dims,
              dataType: onnx.TensorProto.DataType.FLOAT,
              rawData: new Uint8Array(
                t.float.buffer.slice(t.float.byteOffset, t.float.byteOffset + t.float.byteLength),
              ),
            }
          : {
              name: t.name,
              dims: t.dims,
              dataType: onnx.TensorProto.DataType.INT64,
              int64Data: t.int64 ?? [],
            },
      ),
    },
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  }
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish()
}
