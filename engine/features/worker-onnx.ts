/**
 * onnxruntime windows run by a feature-pool worker (engine/infer/predict.ts): session.run blocks
 * the thread that calls it, so while the main thread runs one batch of windows, a pool worker —
 * idle once features are done — runs the next on the second core. Each worker opens its own
 * session (one intra-op thread, no spinning, as engine/onnx/read.ts), kept for the last model;
 * onnxruntime is imported on the first model job, so feature-only workers never load it.
 */
import { closeSync, fstatSync } from 'node:fs'
import path from 'node:path'
import type { InferenceSession } from 'onnxruntime-node'
import { openRegularSync } from '../io/input-files'

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

/**
 * Sessions by file identity. Only the last model's is kept (its buffers, ≈ 100 MB for 4 × 16000
 * frames on config A, stay allocated); an older one is released once no job is using it.
 */
const sessions = new Map<string, { session: Promise<InferenceSession>; busy: number }>()
let current = ''

function releaseIdle(): void {
  for (const [key, e] of sessions)
    if (key !== current && e.busy === 0) {
      sessions.delete(key)
      void e.session.then((s) => s.release()).catch(() => {})
    }
}

/** The model's output (batch, n, C) for job.x, as a transferable copy. */
export async function runModelJob(job: ModelJob): Promise<Float32Array> {
  const ort = await import('onnxruntime-node')
  // onnxruntime opens the path itself: make sure it is a regular file (a FIFO would block it).
  const fd = openRegularSync(job.file)
  let st
  try {
    st = fstatSync(fd)
  } finally {
    closeSync(fd)
  }
  const key = `${path.resolve(job.file)}\0${st.size}\0${st.mtimeMs}`
  let e = sessions.get(key)
  if (!e) {
    const session = ort.InferenceSession.create(job.file, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      extra: { session: { intra_op: { allow_spinning: '0' } } },
      logSeverityLevel: 3,
    })
    sessions.set(key, (e = { session, busy: 0 }))
    session.catch(() => sessions.delete(key))
  }
  current = key
  e.busy++
  try {
    const s = await e.session
    const out = await s.run({ [job.inputName]: new ort.Tensor('float32', job.x, job.dims) }, [
      job.outputName,
    ])
    return (out[job.outputName].data as Float32Array).slice()
  } finally {
    e.busy--
    releaseIdle()
  }
}
