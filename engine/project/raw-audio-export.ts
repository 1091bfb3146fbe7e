/**
 * Exporting a project's model with its front end in the graph (onnx/front-end.ts): the Models
 * panel's "with features" export and the API's `exportModel { withFeatures: true }`.
 */
import { ApiError } from '../api'
import { exportWithFeatures } from '../onnx/front-end'
import { modelPath } from './models'
import type { Project } from './store'

/** Writes model `id` of `project` as a raw-audio model (and its card) to `dest`, a .onnx path. */
export async function exportRawAudioModel(
  project: Project,
  id: string,
  dest: string,
): Promise<{ model: string; card: string }> {
  const from = modelPath(project, id)
  if (!dest.toLowerCase().endsWith('.onnx'))
    throw new ApiError('invalid-request', `${dest}: the file name must end in .onnx`)
  const { model, card } = await exportWithFeatures(from, dest)
  return { model, card }
}
