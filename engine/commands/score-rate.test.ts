/**
 * `framewise score --rate HZ`: references whose times count samples (TIMIT `.phn`) are scored at
 * that rate; without it they are refused saying to give it.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { UsageError } from './command'
import { score, scoreCommand } from './score'

describe('score --rate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-score-rate-'))
  const pred = join(dir, 'pred')
  const ref = join(dir, 'ref')
  mkdirSync(pred)
  mkdirSync(ref)
  // 0.5–1 s "sh" at 16 kHz: samples 8000–16000
  writeFileSync(join(ref, 'sa1.phn'), '0 8000 h#\n8000 16000 sh\n')
  writeFileSync(join(pred, 'sa1.txt'), '0\t0.5\th#\n0.5\t1\tsh\n')

  it('scores sample-index references at the rate given', async () => {
    const r = (await scoreCommand({ predDir: pred, refDir: ref, rate: 16000 })) as {
      pairs: number
      frame: { accuracy: number }
    }
    expect(r.pairs).toBe(1)
    expect(r.frame.accuracy).toBe(1)
    // at the wrong rate the reference is half as long: frames disagree
    const wrong = (await scoreCommand({ predDir: pred, refDir: ref, rate: 32000 })) as {
      frame: { accuracy: number }
    }
    expect(wrong.frame.accuracy).toBeLessThan(0.9)
  })
  it('without a rate the reference is refused saying to give it; a bad rate is a usage error', async () => {
    await expect(scoreCommand({ predDir: pred, refDir: ref })).rejects.toThrow(
      /sa1\.phn: times are sample numbers: give the recording's sample rate \(--rate 16000 for TIMIT\)/,
    )
    await expect(
      score.run({ positionals: [pred, ref], values: { rate: '0' } }),
    ).rejects.toBeInstanceOf(UsageError)
  })
})
