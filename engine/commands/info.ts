/**
 * `framewise info`: a project (manifest, media, label counts, a problem per unreadable label file,
 * the notes of reading each recording), a model, or one recording (format, rate, channels,
 * length, metadata, warnings), as JSON.
 */
import { audioFileInfo } from '../media/audio/file-info'
import { mediaKindOf } from '../media/kinds'
import { inspectModel } from '../onnx/read'
import { Project } from '../project/store'
import { type Command, UsageError, WithProblems } from './command'

export const info: Command = {
  brief: 'a project, a model or a recording, as JSON',
  usage: 'info <project-dir | model.onnx | recording>',
  summary:
    'print a project (manifest, media, label counts), a model (inputs, outputs, metadata, card) or a recording (format, rate, channels, length, metadata chunks, warnings) as JSON',
  async run({ positionals }) {
    if (positionals.length !== 1)
      throw new UsageError('info takes exactly one project folder, .onnx file or recording')
    if (positionals[0].toLowerCase().endsWith('.onnx')) return inspectModel(positionals[0])
    if (mediaKindOf(positionals[0]) === 'audio') return audioFileInfo(positionals[0])
    const project = await Project.open(positionals[0])
    const view = await project.view()
    // A damaged label file is reported per file, as the app shows it, not counted as empty.
    const result = {
      ...project.toJSON(),
      dir: view.dir,
      media: view.media.map((m, i) => ({
        ...project.media[i],
        segmentCount: m.segmentCount,
        ...(m.notes ? { notes: m.notes } : {}),
        ...(m.problem ? { problem: m.problem } : {}),
      })),
    }
    const problems = view.media.flatMap((m) => (m.problem ? [m.problem] : []))
    return problems.length ? new WithProblems(result, problems) : result
  },
}
