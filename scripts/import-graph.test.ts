/**
 * Layers point one way: no import cycle among the non-test modules of engine/ and models/, and none
 * of the edges ARCHITECTURE.md rules out inside engine/. Type-only imports count too, so a cycle
 * cannot hide behind `import type`.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const ROOT = path.resolve(__dirname, '..')
const SCANNED = ['engine', 'models']

/** Edges that must not exist: a module under `from` importing one under `to` (paths relative to the repo, `/` for a folder). */
const FORBIDDEN: { from: string; to: string; why: string }[] = [
  { from: 'engine/infer/', to: 'engine/train/', why: 'inference must not depend on training' },
  { from: 'engine/onnx/', to: 'engine/infer/', why: 'model files sit below inference' },
  {
    from: 'engine/media/playback.ts',
    to: 'engine/media/view-windows.ts',
    why: 'media serving sits below the views',
  },
  {
    from: 'engine/project/models.ts',
    to: 'engine/train/runs.ts',
    why: 'the model registry sits below training runs',
  },
]

function sources(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name)
    if (statSync(file).isDirectory()) {
      if (name !== 'node_modules' && name !== 'fixtures') out.push(...sources(file))
    } else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts'))
      out.push(file)
  }
  return out
}

/** Relative specifiers of every import, export-from, side-effect and dynamic import, as TypeScript reads them. */
export function specifiers(text: string): string[] {
  return ts
    .preProcessFile(text, true, true)
    .importedFiles.map((f) => f.fileName)
    .filter((s) => s.startsWith('./') || s.startsWith('../'))
}

function resolve(from: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(from), spec)
  for (const file of [base, `${base}.ts`, path.join(base, 'index.ts')]) {
    if (existsSync(file) && statSync(file).isFile() && file.endsWith('.ts')) return file
  }
  return undefined
}

function graph(): Map<string, string[]> {
  const edges = new Map<string, string[]>()
  for (const file of SCANNED.flatMap((d) => sources(path.join(ROOT, d)))) {
    const rel = path.relative(ROOT, file)
    const targets = specifiers(readFileSync(file, 'utf8'))
      .map((s) => resolve(file, s))
      .filter((t): t is string => t !== undefined)
      .map((t) => path.relative(ROOT, t))
    edges.set(rel, [...new Set(targets)])
  }
  return edges
}

/** Strongly connected components with more than one module, or a module importing itself (Tarjan). */
function components(edges: Map<string, string[]>): string[][] {
  let next = 0
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const out: string[][] = []
  const visit = (v: string): void => {
    index.set(v, next)
    low.set(v, next++)
    stack.push(v)
    onStack.add(v)
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!))
    }
    if (low.get(v) !== index.get(v)) return
    const scc: string[] = []
    let w: string
    do {
      w = stack.pop()!
      onStack.delete(w)
      scc.push(w)
    } while (w !== v)
    if (scc.length > 1 || (edges.get(v) ?? []).includes(v)) out.push(scc.sort())
  }
  for (const v of [...edges.keys()].sort()) if (!index.has(v)) visit(v)
  return out
}

/** The shortest chain from `start` back to itself inside one component, as `a → b → a`. */
function shortestCycle(
  start: string,
  members: Set<string>,
  edges: Map<string, string[]>,
): string[] {
  const prev = new Map<string, string>()
  const queue = [start]
  while (queue.length) {
    const v = queue.shift()!
    for (const w of edges.get(v) ?? []) {
      if (!members.has(w)) continue
      if (w === start) {
        const chain = [v]
        while (chain[0] !== start) chain.unshift(prev.get(chain[0])!)
        return [...chain, start]
      }
      if (!prev.has(w)) {
        prev.set(w, v)
        queue.push(w)
      }
    }
  }
  return [start]
}

/** One readable chain per module of each cycle, without repeats (a chain is the same whichever module it starts at). */
export function cycles(edges: Map<string, string[]>): string[] {
  const seen = new Set<string>()
  const out: string[] = []
  for (const scc of components(edges)) {
    const members = new Set(scc)
    for (const start of scc) {
      const chain = shortestCycle(start, members, edges)
      const ring = chain.slice(0, -1)
      const first = ring.indexOf([...ring].sort()[0])
      const canonical = [...ring.slice(first), ...ring.slice(0, first)]
      const key = canonical.join(' ')
      if (seen.has(key)) continue
      seen.add(key)
      out.push([...canonical, canonical[0]].join(' → '))
    }
  }
  return out.sort()
}

describe('import graph of engine/ and models/', () => {
  const edges = graph()

  it('reads the imports of every source module', () => {
    expect(edges.size).toBeGreaterThan(100)
    expect(edges.get('engine/service.ts')).toContain('engine/api.ts')
  })

  it('has no import cycle', () => {
    expect(cycles(edges)).toEqual([])
  })

  it('has none of the forbidden edges', () => {
    const found: string[] = []
    for (const [from, targets] of edges) {
      for (const rule of FORBIDDEN) {
        if (!from.startsWith(rule.from)) continue
        for (const to of targets)
          if (to.startsWith(rule.to)) found.push(`${from} → ${to}: ${rule.why}`)
      }
    }
    expect(found).toEqual([])
  })
})

describe('the cycle finder', () => {
  it('finds a planted two-module and three-module cycle and nothing in a chain', () => {
    const planted = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['a.ts', 'c.ts']],
      ['c.ts', ['d.ts']],
      ['d.ts', ['e.ts']],
      ['e.ts', ['c.ts']],
      ['f.ts', ['a.ts']],
    ])
    expect(cycles(planted)).toEqual(['a.ts → b.ts → a.ts', 'c.ts → d.ts → e.ts → c.ts'])
  })

  it('reads import, export-from, type-only, multi-line, side-effect and dynamic imports, not comments or strings', () => {
    const text = [
      "import { a } from './a'",
      "import type { B } from '../b'",
      "export { c } from './c'",
      'import {',
      '  d,',
      "} from './d'",
      "import './e'",
      "import fs from 'node:fs'",
      "// import { x } from './x'",
      "/* import { y } from './y' */",
      "const glob = '/** from \\'./z\\''",
      "const m = await import('./m')",
    ].join('\n')
    expect(specifiers(text)).toEqual(['./a', '../b', './c', './d', './e', './m'])
  })
})
