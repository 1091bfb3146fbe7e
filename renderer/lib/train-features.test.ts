/** The Train panel's feature choice: the bandwidth warning's numbers and the full-band log-mel. */
import { describe, expect, it } from 'vitest'
// Test-only value imports from engine/: the real default spec and its schema.
import { parseFeatureSpec, PRESETS } from '../../engine/features/spec'
import {
  bandwidthWarning,
  describeFeatures,
  emptyBandNote,
  formatHz,
  fullBandLogmel,
  topHz,
} from './train-form'

type AudioSpec = Extract<ReturnType<typeof PRESETS.mfcc>, { kind: 'audio' }>
const mfcc = PRESETS.mfcc() as AudioSpec

describe('the feature choice', () => {
  it('says the 16 kHz default drops 8–22.05 kHz of a 44.1 kHz recording, with the numbers', () => {
    const w = bandwidthWarning(mfcc, 44100)
    expect(w).toContain('above 8 kHz')
    expect(w).toContain('44.1 kHz recording')
    expect(w).toContain('8 kHz–22.05 kHz, 64% of its band')
    expect(w).toContain('resamples to 16 kHz')
  })

  it('says nothing for a 16 kHz recording, or a spec at the recording’s rate', () => {
    expect(bandwidthWarning(mfcc, 16000)).toBeNull()
    expect(bandwidthWarning(mfcc, 8000)).toBeNull()
    expect(bandwidthWarning(fullBandLogmel(mfcc, 44100), 44100)).toBeNull()
  })

  it('names a mel range that stops below Nyquist as the cause', () => {
    const capped = parseFeatureSpec({ kind: 'audio', sampleRate: 44100, mel: { fMax: 11025 } })
    expect(bandwidthWarning(capped, 44100)).toContain('mel bands stop at 11.03 kHz')
  })

  it('builds a full-band log-mel the engine accepts, at the file’s rate up to Nyquist', () => {
    const s = fullBandLogmel(mfcc, 44100)
    expect(() => parseFeatureSpec(s)).not.toThrow()
    expect(s).toMatchObject({ sampleRate: 44100, frameLength: 1024, hopLength: 441, deltas: 0 })
    expect(s.features).toEqual([{ name: 'logmel' }])
    expect(topHz(s)).toBe(22050)
    expect(s.normalization).toEqual(mfcc.normalization)
  })

  it('describes a spec in one line and writes Hz as the panel does', () => {
    expect(describeFeatures(mfcc)).toBe(
      '16 kHz · 13 MFCC of 40 mel bands + Δ + ΔΔ · 32 ms frames every 10 ms · per-file',
    )
    expect(formatHz(22050)).toBe('22.05 kHz')
    expect(formatHz(500)).toBe('500 Hz')
  })
})

describe('a spec above the recording’s rate', () => {
  it('counts the mel bands a 16 kHz recording leaves empty under a 44.1 kHz full-band spec', () => {
    const full = fullBandLogmel(mfcc, 44100)
    const note = emptyBandNote(full, 16000)
    // HTK mel: 8 kHz is 2840 of 0…3923 mel; centres k·3923/65 above 2840 for k = 48…64: 17 bands
    expect(note).toBe(
      'This 16 kHz recording has nothing above 8 kHz: 17 of the 64 mel bands will be empty for it.',
    )
    expect(emptyBandNote(full, 44100)).toBeNull()
    expect(emptyBandNote(mfcc, 44100)).toBeNull()
  })
})
