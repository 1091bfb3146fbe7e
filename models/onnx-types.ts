/**
 * An ONNX model as plain data: the graph description (nodes, initializers, inputs and outputs)
 * that the graph builders (onnx-graph.ts, onnx-attention.ts) emit and engine/onnx/write.ts
 * encodes as a ModelProto, and the opset its operators come from.
 */
export const ONNX_OPSET = 17

/** A tensor initializer: float32 data, or int64 given as numbers. */
export interface OnnxInitializer {
  name: string
  dims: number[]
  float?: Float32Array
  int64?: number[]
}

export type OnnxAttribute = number | string | number[] | string[]

export interface OnnxNode {
  op: string
  name: string
  inputs: string[]
  outputs: string[]
  attributes?: Record<string, OnnxAttribute>
}

/** A float32 tensor input/output with symbolic ('batch', 'time') or fixed dims. */
export interface OnnxValueInfo {
  name: string
  dims: (number | string)[]
}

export interface OnnxGraph {
  name: string
  inputs: OnnxValueInfo[]
  outputs: OnnxValueInfo[]
  nodes: OnnxNode[]
  initializers: OnnxInitializer[]
}
