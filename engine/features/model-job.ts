/**
 * onnxruntime windows run by a feature-pool worker (engine/infer/predict.ts): session.run blocks
 * the thread that calls it, so while the main thread runs one batch of windows, a pool worker —
 * idle once features are done — runs the next on the second core. Each worker opens its own
 * session (one intra-op thread, no spinning, as engine/onnx/read.ts), cached by file identity;
 * onnxruntime is imported on the first model job, so feature-only workers never load it.
 */
import { statSync } from 'node:fs'
import path from 'node:path'
import type { InferenceSession } from 'onnxruntime-node'

export interface ModelJob {
  kind: 'model'
  /** Request id (set by the pool). */
  id?: number
  /** The ONNX file. */
  file: string
  /** Input tensor name. */
  inputName: string
  /** Output tensor name. */
  outputName: string
  /** Input (batch, n, F), transferred. */
  x: Float32Array
  /** [batch, n, F]. */
  dims: [number, number, number]
}

const sessions = new Map<string, Promise<InferenceSession>>()

async function session(file: string): Promise<InferenceSession> {
  const s = statSync(file)
  const key = `${path.resolve(file)}\0${s.size}\0${s.mtimeMs}`
  let p = sessions.get(key)
  if (!p) {
    const ort = await import('onnxruntime-node')
    p = ort.InferenceSession.create(file, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      extra: { session: { intra_op: { allow_spinning: '0' } } },
      logSeverityLevel: 3,
    })
    sessions.set(key, p)
    p.catch(() => sessions.delete(key))
  }
  return p
}

/** The model's output (batch, n, C) for job.x, as a transferable copy. */
export async function runModelJob(job: ModelJob): Promise<Float32Array> {
  const ort = await import('onnxruntime-node')
  const s = await session(job.file)
  const out = await s.run({ [job.inputName]: new ort.Tensor('float32', job.x, job.dims) }, [
    job.outputName,
  ])
  return (out[job.outputName].data as Float32Array).slice()
}
