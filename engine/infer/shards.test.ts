/**
 * `predict --shard I/N` and `merge-outputs`: the split is disjoint, covers every input, is
 * balanced by header duration and comes out the same whatever order the files are listed in; the
 * shards' outputs and merged manifest equal one process's (apart from `updated`); --resume reruns
 * a shard without redoing it; merging refuses a missing or unfinished shard and shards of another
 * count, model or options, each with one line naming the file.
 */
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { releaseSessions } from '../onnx/read'
import { runCli } from '../testing/cli'
import { MANIFEST_NAME } from './batch'
import { assignShards, parseShard, pickShard, shardManifestName } from './shards'
import { rmsModel, toneWav } from './testing'

let dir: string
let model: string
let tree: string
/** Seconds of each generated recording (set0/rec00.wav …): uneven, so balancing matters. */
const SECONDS = [0.5, 3, 1, 0.5, 2.5, 1, 4, 0.5, 1.5, 2, 0.5, 1, 3.5, 0.5]
const relOf = (i: number) => path.join(`set${i % 2}`, `rec${String(i).padStart(2, '0')}.wav`)

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fw-shards-'))
  model = path.join(dir, 'rms.onnx')
  await writeFile(model, rmsModel(0.1))
  tree = path.join(dir, 'tree')
  for (const [i, s] of SECONDS.entries()) {
    await mkdir(path.join(tree, `set${i % 2}`), { recursive: true })
    await writeFile(path.join(tree, relOf(i)), toneWav(s, s / 4, s / 2))
  }
})
afterAll(async () => {
  await releaseSessions()
  await rm(dir, { recursive: true, force: true })
})

/** Every file under `root`, relative, sorted. */
async function listTree(root: string): Promise<string[]> {
  const out: string[] = []
  const walk = async (d: string, rel: string) => {
    for (const e of await readdir(d, { withFileTypes: true }))
      if (e.isDirectory()) await walk(path.join(d, e.name), path.join(rel, e.name))
      else out.push(path.join(rel, e.name))
  }
  await walk(root, '')
  return out.sort()
}
/** A manifest without its time, the out folder's path written OUT. */
const comparable = (m: Record<string, any>, out: string) =>
  JSON.parse(JSON.stringify({ ...m, updated: 'T' }).replaceAll(out, 'OUT'))
const readJson = async (f: string) => JSON.parse(await readFile(f, 'utf8')) as Record<string, any>

describe('assignShards', () => {
  const rels = Array.from({ length: 200 }, (_, k) => `d${k % 7}/f${k}.wav`)
  // durations spread over two orders of magnitude, with repeats (ties go by path)
  const weights = rels.map((_, k) => [1, 10, 100, 3, 30][k % 5] * (1 + (k % 3)))

  it('puts each file in exactly one shard, with loads within the longest file of each other', () => {
    for (const n of [1, 2, 3, 8, 250]) {
      const shardOf = assignShards(rels, weights, n)
      expect(shardOf.every((s) => Number.isInteger(s) && s >= 0 && s < n)).toBe(true)
      const load = new Array<number>(n).fill(0)
      shardOf.forEach((s, k) => (load[s] += weights[k]))
      const total = weights.reduce((a, b) => a + b, 0)
      expect(load.reduce((a, b) => a + b, 0)).toBeCloseTo(total, 9)
      // the greedy rule's guarantee: no shard exceeds the mean by more than one file
      if (n <= rels.length)
        expect(Math.max(...load) - total / n).toBeLessThanOrEqual(Math.max(...weights))
      if (n === 8) expect(Math.max(...load) / Math.min(...load)).toBeLessThan(1.02)
    }
  })

  it('gives each path the same shard whatever order the list comes in', () => {
    const base = assignShards(rels, weights, 5)
    const perm = rels.map((_, k) => (k * 37) % rels.length) // 37 is prime to 200
    const shuffled = assignShards(
      perm.map((k) => rels[k]),
      perm.map((k) => weights[k]),
      5,
    )
    perm.forEach((k, j) => expect(shuffled[j]).toBe(base[k]))
  })

  it('breaks equal durations by path, not by position', () => {
    const names = ['c.wav', 'a.wav', 'b.wav', 'd.wav']
    // longest first, ties by path: a→0, b→1, c→2, d→0 (the least loaded, lower index)
    expect(assignShards(names, [1, 1, 1, 1], 3)).toEqual([2, 0, 1, 0])
  })
})

describe('pickShard', () => {
  it('balances by the durations in the WAV headers', async () => {
    const files = SECONDS.map((_, i) => ({ file: path.join(tree, relOf(i)), rel: relOf(i) }))
    const shards = await Promise.all(
      [0, 1, 2].map((index) => pickShard(files, 'audio', { index, count: 3, settings: 'x' })),
    )
    const all = shards.flatMap((s) => s.positions).sort((a, b) => a - b)
    expect(all).toEqual(SECONDS.map((_, i) => i))
    const loads = shards.map((s) => s.positions.reduce((a, k) => a + SECONDS[k], 0))
    const total = SECONDS.reduce((a, b) => a + b, 0)
    expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(0.5 + 1e-9)
    expect(loads.reduce((a, b) => a + b, 0)).toBeCloseTo(total, 9)
    // the 4 s recording is first to be placed, so shard 0 holds it
    expect(shards[0].positions).toContain(SECONDS.indexOf(4))
    expect(new Set(shards.map((s) => s.record.filesSha256)).size).toBe(1)
  })
})

describe('parseShard', () => {
  it('reads I/N and names what is wrong otherwise', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 })
    expect(parseShard('4/4')).toMatch(/I must be below N \(0 to 3\)/)
    expect(parseShard('1/0')).toMatch(/N ≥ 1/)
    expect(parseShard('1of4')).toMatch(/takes I\/N/)
  })
})

describe('predict --shard and merge-outputs', () => {
  const N = 3
  let single: string
  let sharded: string

  beforeAll(async () => {
    single = path.join(dir, 'single')
    sharded = path.join(dir, 'sharded')
    const one = await runCli(['predict', model, tree, '--out', single, '--probabilities'])
    expect(one.code, one.stderr).toBe(0)
    for (let i = 0; i < N; i++) {
      const r = await runCli([
        'predict',
        model,
        tree,
        '--out',
        sharded,
        '--probabilities',
        '--shard',
        `${i}/${N}`,
      ])
      expect(r.code, r.stderr).toBe(0)
    }
  })

  it('writes the same outputs as one process, each input in one shard', async () => {
    const files = await listTree(single)
    const shardManifests = Array.from({ length: N }, (_, i) =>
      shardManifestName({ index: i, count: N }),
    )
    expect(await listTree(sharded)).toEqual(
      [...files.filter((f) => f !== MANIFEST_NAME), ...shardManifests].sort(),
    )
    for (const f of files.filter((f) => f !== MANIFEST_NAME))
      expect(await readFile(path.join(sharded, f), 'utf8'), f).toBe(
        await readFile(path.join(single, f), 'utf8'),
      )
    const inputs = new Set<string>()
    for (const m of shardManifests) {
      const shard = await readJson(path.join(sharded, m))
      expect(shard.inputs).toBe(shard.files.length)
      expect(shard.shard.inputs).toBe(SECONDS.length)
      for (const f of shard.files) {
        expect(inputs.has(f.input)).toBe(false)
        inputs.add(f.input)
      }
    }
    expect(inputs.size).toBe(SECONDS.length)
  })

  it("merges into the single run's manifest, apart from when it was written", async () => {
    const r = await runCli(['merge-outputs', sharded])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ inputs: SECONDS.length, done: 14, failed: 0 })
    const merged = await readJson(path.join(sharded, MANIFEST_NAME))
    const one = await readJson(path.join(single, MANIFEST_NAME))
    expect(comparable(merged, sharded)).toEqual(comparable(one, single))
    expect(Object.keys(merged)).toEqual(Object.keys(one))
  })

  it('reruns a shard with --resume without redoing its files, and still merges', async () => {
    const r = await runCli([
      'predict',
      model,
      tree,
      '--out',
      sharded,
      '--probabilities',
      '--shard',
      `1/${N}`,
      '--resume',
    ])
    expect(r.code, r.stderr).toBe(0)
    const shard = await readJson(path.join(sharded, shardManifestName({ index: 1, count: N })))
    expect(shard.files.length).toBeGreaterThan(0)
    expect(shard.files.every((f: { status: string }) => f.status === 'skipped')).toBe(true)
    expect((await runCli(['merge-outputs', sharded])).code).toBe(0)
  })

  it('refuses a missing shard, another count, another model and other options', async () => {
    const copy = async (name: string) => {
      const d = path.join(dir, name)
      await rm(d, { recursive: true, force: true })
      await mkdir(d)
      for (let i = 0; i < N; i++) {
        const m = shardManifestName({ index: i, count: N })
        await writeFile(path.join(d, m), await readFile(path.join(sharded, m)))
      }
      return d
    }
    const refusal = async (d: string) => {
      const r = await runCli(['merge-outputs', d])
      expect(r.code).toBe(1)
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
      return r.stderr
    }

    const missing = await copy('missing')
    await rm(path.join(missing, shardManifestName({ index: 2, count: N })))
    expect(await refusal(missing)).toMatch(
      /shard-2-of-3\.json: is missing: shard 2 of 3 has not run; run framewise predict --shard 2\/3 --resume/,
    )

    const counts = await copy('counts')
    await writeFile(path.join(counts, shardManifestName({ index: 0, count: 2 })), '{}')
    expect(await refusal(counts)).toMatch(/holds shards of 2 and of 3/)

    const otherModel = await copy('other-model')
    const m1 = path.join(otherModel, shardManifestName({ index: 1, count: N }))
    await writeFile(m1, JSON.stringify({ ...(await readJson(m1)), modelSha256: '00' }))
    expect(await refusal(otherModel)).toMatch(/shard-1-of-3\.json: was made with another model/)

    const otherInputs = await copy('other-inputs')
    const m3 = path.join(otherInputs, shardManifestName({ index: 2, count: N }))
    const shard2 = await readJson(m3)
    await writeFile(m3, JSON.stringify({ ...shard2, shard: { ...shard2.shard, filesSha256: '0' } }))
    expect(await refusal(otherInputs)).toMatch(
      /shard-2-of-3\.json: was made with another list of inputs/,
    )

    const unfinished = await copy('unfinished')
    const m2 = path.join(unfinished, shardManifestName({ index: 2, count: N }))
    await writeFile(m2, JSON.stringify({ ...(await readJson(m2)), state: 'cancelled' }))
    expect(await refusal(unfinished)).toMatch(/did not finish \(state cancelled\)/)

    // a shard run with other options than the rest: the settings digest differs
    const options = await copy('options')
    const r = await runCli(['predict', model, tree, '--out', options, '--shard', `0/${N}`])
    expect(r.code, r.stderr).toBe(0)
    expect(await refusal(options)).toMatch(/shard-1-of-3\.json: was made with other options/)

    const none = path.join(dir, 'none')
    await mkdir(none, { recursive: true })
    expect(await refusal(none)).toMatch(/holds no shard manifests/)
  })

  it('merges more shards than files, some of them empty, into the same manifest', async () => {
    const many = path.join(dir, 'many')
    const n = SECONDS.length + 2
    for (let i = 0; i < n; i++) {
      const r = await runCli([
        'predict',
        model,
        tree,
        '--out',
        many,
        '--probabilities',
        '--shard',
        `${i}/${n}`,
      ])
      expect(r.code, r.stderr).toBe(0)
    }
    const sizes = await Promise.all(
      Array.from(
        { length: n },
        async (_, i) =>
          (await readJson(path.join(many, shardManifestName({ index: i, count: n })))).files.length,
      ),
    )
    expect(sizes.filter((s) => s === 0)).toHaveLength(2)
    expect(sizes.every((s) => s <= 1)).toBe(true)
    expect((await runCli(['merge-outputs', many])).code).toBe(0)
    expect(comparable(await readJson(path.join(many, MANIFEST_NAME)), many)).toEqual(
      comparable(await readJson(path.join(single, MANIFEST_NAME)), single),
    )
  })

  it('refuses a malformed --shard as a usage error', async () => {
    const r = await runCli(['predict', model, tree, '--out', path.join(dir, 'x'), '--shard', '3/3'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--shard 3\/3: I must be below N/)
  })
})
