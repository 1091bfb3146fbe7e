import { describe, expect, it } from 'vitest'
import { Adam, adamW, clipGradNorm, type Optimizer } from './optim'
import optimFixture from './fixtures/fixture_optim.json'

interface OptimFixture {
  p0: number[]
  grads: number[][]
  runs: Record<
    string,
    { options: Record<string, number | boolean | number[]>; trajectory: number[][] }
  >
  clip: { max_norm: number; grads: number[]; norm: number; clipped: number[] }
}

const fix = optimFixture as unknown as OptimFixture

function make(name: string, n: number): Optimizer {
  const o = fix.runs[name].options as {
    lr: number
    weight_decay?: number
    betas?: number[]
    eps?: number
  }
  const [beta1, beta2] = o.betas ?? [0.9, 0.999]
  const opts = { lr: o.lr, beta1, beta2, eps: o.eps, weightDecay: o.weight_decay }
  return name === 'adamw' ? adamW(n, opts) : new Adam(n, opts)
}

describe('optimisers against torch.optim trajectories (float64)', () => {
  // the fixture also holds SGD trajectories; Framewise trains with Adam/AdamW only
  for (const name of Object.keys(fix.runs).filter((n) => !n.startsWith('sgd'))) {
    it(`${name}: ${fix.grads.length} steps match to 1e-12`, () => {
      const n = fix.p0.length
      const params = Float64Array.from(fix.p0)
      const opt = make(name, n)
      let maxDiff = 0
      fix.grads.forEach((g, s) => {
        opt.step(params, Float64Array.from(g))
        fix.runs[name].trajectory[s].forEach(
          (want, i) => (maxDiff = Math.max(maxDiff, Math.abs(params[i] - want))),
        )
      })
      expect(maxDiff).toBeLessThan(1e-12)
      // and it moved: the trajectory is not the starting point
      expect(Math.abs(params[0] - fix.p0[0])).toBeGreaterThan(1e-3)
    })
  }

  it('clipGradNorm matches torch.nn.utils.clip_grad_norm_ and leaves small gradients alone', () => {
    const g = Float64Array.from(fix.clip.grads)
    const norm = clipGradNorm(g, fix.clip.max_norm)
    expect(Math.abs(norm - fix.clip.norm)).toBeLessThan(1e-12)
    let maxDiff = 0
    g.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - fix.clip.clipped[i]))))
    expect(maxDiff).toBeLessThan(1e-12)
    const small = Float32Array.of(0.3, -0.4)
    expect(clipGradNorm(small, 1)).toBeCloseTo(0.5, 6)
    expect(Array.from(small)).toEqual([Math.fround(0.3), Math.fround(-0.4)])
  })
})
