/**
 * The data scripts/test-slurm.sh runs the SLURM job array over, in the folder given: `train/`,
 * a data folder of tone recordings with their Audacity labels (for a tiny model trained through
 * the CLI), and `in/`, 24 unlabelled recordings of uneven lengths (0.5–6 s, so the shards are
 * balanced by duration, not by count) in two subfolders, as an archive's sites would be.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { toneWav } from '../engine/infer/testing'

const dir = process.argv[2]
if (!dir) throw new Error('usage: slurm-fixture.ts DIR')
await mkdir(path.join(dir, 'train'), { recursive: true })
for (let i = 0; i < 8; i++) {
  const from = 0.3 + 0.15 * i
  const to = from + 0.4 + 0.1 * (i % 3)
  const stem = path.join(dir, 'train', `tone${i}`)
  await writeFile(`${stem}.wav`, toneWav(3, from, to))
  await writeFile(`${stem}.txt`, `${from}\t${to}\ttone\n`)
}
for (let i = 0; i < 24; i++) {
  const seconds = [0.5, 6, 1, 2.5, 4, 1.5][i % 6] + 0.25 * (i % 4)
  const site = path.join(dir, 'in', `site${i % 2}`)
  await mkdir(site, { recursive: true })
  await writeFile(
    path.join(site, `rec${String(i).padStart(2, '0')}.wav`),
    toneWav(seconds, seconds * 0.2, seconds * 0.5),
  )
}
