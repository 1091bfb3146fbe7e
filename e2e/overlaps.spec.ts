/**
 * Annotations as they really are, in the studio (browser mode): one lane per tier, two events
 * that overlap drawn on two tiers, a time–frequency box drawn on the spectrogram and resized, all
 * kept on disk and after a reload; the overlapping tier exported as a Raven table and imported
 * back unchanged (frequency bounds included). Then a multi-label model trained on an overlapping
 * tier: its prediction is a lane of stacked events, one accepted into the tier, one rejected,
 * both undone. Screenshots at 1440×900 and 1280×720.
 */
import { expect, test, type Page, type TestInfo } from '@playwright/test'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import type { Segment, Tier } from '../engine/api'
import { Project } from '../engine/project/store'
import { syntheticAudio } from '../engine/data/synthetic'
import { makeWav } from '../engine/media/audio/testing'
import { stack } from '../renderer/lib/lanes'
import { collectPageErrors, drag, startEngine, tempDir, xAt, type Engine } from './helpers'

async function shots(page: Page, info: TestInfo, name: string) {
  for (const [width, height] of [
    [1280, 720],
    [1440, 900],
  ]) {
    await page.setViewportSize({ width, height })
    await page.screenshot({ path: info.outputPath(`${name}-${width}x${height}.png`) })
  }
}

const labelsOf = async (dir: string, media: string) =>
  JSON.parse(await fs.readFile(path.join(dir, 'labels', `${media}.labels.json`), 'utf8')) as {
    tiers: Tier[]
  }

/** Drag across a surface from fractions (a, y) to (b, y2) of its box. */
async function dragOn(page: Page, testid: string, a: number, b: number, y = 0.5, y2 = y) {
  const box = (await page.getByTestId(testid).boundingBox())!
  await drag(
    page,
    [box.x + a * box.width, box.y + y * box.height],
    [box.x + b * box.width, box.y + y2 * box.height],
  )
}

test.describe('overlaps', () => {
  let engine: Engine
  let dir: string
  test.beforeAll(async () => {
    dir = await tempDir('fw-e2e-overlaps-')
    const project = await Project.create(dir, 'overlaps')
    await project.setClasses([
      { name: 'background', color: '#888888', hotkey: null, role: 'background' },
      { name: 'tone', color: '#e6550d', hotkey: 1, role: 'class' },
      { name: 'chirp', color: '#31a354', hotkey: 2, role: 'class' },
      { name: 'noise', color: '#4a6fa5', hotkey: 3, role: 'class' },
    ])
    await fs.writeFile(path.join(dir, 'rec.wav'), syntheticAudio(4200, 8).wav)
    await project.addMedia(['rec.wav'])
    engine = await startEngine(['--project', dir])
  })
  test.afterAll(async () => {
    await engine?.stop()
    await fs.rm(dir, { recursive: true, force: true })
  })

  test('lanes, overlapping events on two tiers, a box on the spectrogram, Raven round trip', async ({
    page,
  }, info) => {
    test.setTimeout(120_000)
    const errors = collectPageErrors(page)
    await page.setViewportSize({ width: 1440, height: 900 })
    await page.goto(engine.url)
    await page.getByTestId('media-item').filter({ hasText: 'rec.wav' }).click()
    await expect(page.getByTestId('waveform-surface')).toBeVisible()

    // tier 1 (exclusive): one event drawn on the label track
    await dragOn(page, 'label-track', 0.1, 0.4)
    // tier 2 (overlapping): two events that overlap each other and the first tier's
    await page.getByTestId('tier-add').click()
    await page.getByTestId('tier-name').fill('events')
    await page.getByTestId('tier-kind').selectOption('overlapping')
    await page.getByTestId('tier-submit').click()
    await expect(page.getByTestId('tier-lane')).toHaveCount(2)
    await page.getByRole('radio', { name: /chirp/ }).click()
    await dragOn(page, 'label-track', 0.2, 0.5)
    // the lane's last row is empty: a drag there draws over the first event
    await expect(page.getByTestId('label-track')).toHaveAttribute('data-rows', '2')
    await dragOn(page, 'label-track', 0.3, 0.6, 0.9)
    await expect(page.getByTestId('label-track')).toHaveAttribute('data-rows', '3')
    await expect(page.getByTestId('segment-row')).toHaveCount(2)

    // a box on the spectrogram: drag a rectangle, then drag its top edge higher
    await page.getByTestId('spectrogram-toggle').check()
    await expect(page.getByTestId('box-layer')).toHaveAttribute('data-active', 'true')
    await expect(page.getByTestId('spectrogram')).not.toHaveAttribute('data-columns', '0')
    await page.getByRole('radio', { name: /noise/ }).click()
    await dragOn(page, 'box-layer', 0.65, 0.8, 0.6, 0.3)
    await expect(page.getByTestId('segment-row')).toHaveCount(3)
    await expect(page.getByTestId('save-status')).toHaveAttribute('data-status', 'saved')
    let box = (await labelsOf(dir, 'rec')).tiers[1].segments.find((s) => s.label === 'noise')!
    expect(box.lowFreq).toBeGreaterThan(0)
    expect(box.highFreq).toBeGreaterThan(box.lowFreq!)
    const { lowFreq, highFreq } = box
    await dragOn(page, 'box-layer', 0.72, 0.72, 0.3, 0.15)
    await expect(page.getByTestId('save-status')).toHaveAttribute('data-status', 'saved')
    box = (await labelsOf(dir, 'rec')).tiers[1].segments.find((s) => s.label === 'noise')!
    expect(box.lowFreq).toBeCloseTo(lowFreq!, 6)
    expect(box.highFreq).toBeGreaterThan(highFreq! + 100)
    await shots(page, info, 'h12-1-lanes-box')
    // undo the resize, redo it
    await page.keyboard.press('Control+z')
    await expect(page.getByTestId('save-status')).toHaveAttribute('data-status', 'saved')
    box = (await labelsOf(dir, 'rec')).tiers[1].segments.find((s) => s.label === 'noise')!
    expect(box.highFreq).toBeCloseTo(highFreq!, 6)
    await page.keyboard.press('Control+Shift+z')
    await expect(page.getByTestId('save-status')).toHaveAttribute('data-status', 'saved')

    const onDisk = (await labelsOf(dir, 'rec')).tiers
    expect(onDisk.map((t) => [t.name, t.kind, t.segments.length])).toEqual([
      ['labels', 'exclusive', 1],
      ['events', 'overlapping', 3],
    ])
    const [a, b] = onDisk[1].segments
    expect(a.end).toBeGreaterThan(b.start) // the two events overlap
    expect(onDisk[0].segments[0].end).toBeGreaterThan(a.start) // and the first tier's event

    // reload: both lanes, the selected tier's three events
    await page.reload()
    await expect(page.getByTestId('tier-lane')).toHaveCount(2)
    await page.getByTestId('tier-select').selectOption({ label: 'events · overlapping' })
    await expect(page.getByTestId('segment-row')).toHaveCount(3)
    // press the other lane: its tier is selected; move 'events' up, then undo it
    await page.locator('[data-tier="labels"] canvas').click()
    await expect(page.getByTestId('tier-select')).toHaveValue('0')
    await expect(page.getByTestId('segment-row')).toHaveCount(1)
    await page.getByRole('button', { name: 'Move tier events up' }).click()
    await expect(page.getByTestId('tier-lane').first()).toHaveAttribute('data-tier', 'events')
    await page.keyboard.press('Control+z')
    await expect(page.getByTestId('tier-lane').first()).toHaveAttribute('data-tier', 'labels')
    // hide the 'labels' lane and show it again from the tier picker
    await page.getByTestId('lane-select').filter({ hasText: 'events' }).click()
    await page.getByRole('button', { name: 'Hide tier labels' }).click()
    await expect(page.getByTestId('tier-lane')).toHaveCount(1)
    await page.getByTestId('tier-show').click()
    await expect(page.getByTestId('tier-lane')).toHaveCount(2)
    await expect(page.getByTestId('segment-row')).toHaveCount(3)

    // export the overlapping tier as a Raven table, clear it, import it back: the same events
    await page.getByTestId('label-files').locator('summary').click()
    await page.getByTestId('export-format').selectOption('raven')
    const table = path.join(dir, 'events.selections.txt')
    await page.getByTestId('export-path').fill(table)
    await page.getByTestId('export-submit').click()
    await expect(page.getByTestId('label-files-message')).toContainText('Wrote 3 segments')
    for (let i = 0; i < 3; i++) {
      await page.getByTestId('segment-row').first().click()
      await page.keyboard.press('Delete')
    }
    await expect(page.getByTestId('segment-row')).toHaveCount(0)
    await page.getByTestId('import-labels-input').fill(table)
    await page.getByTestId('import-labels-submit').click()
    await page.getByTestId('import-dialog').getByRole('button', { name: 'Import' }).click()
    await expect(page.getByTestId('segment-row')).toHaveCount(3)
    await expect(page.getByTestId('save-status')).toHaveAttribute('data-status', 'saved')
    const back = (await labelsOf(dir, 'rec')).tiers[1].segments
    const key = (s: Segment) => [s.start, s.end, s.label, s.lowFreq ?? 0, s.highFreq ?? 0]
    const near = (x: Segment[], y: Segment[]) =>
      x.forEach((s, i) =>
        key(s).forEach((v, k) =>
          typeof v === 'number'
            ? expect(v).toBeCloseTo(key(y[i])[k] as number, 3)
            : expect(v).toBe(key(y[i])[k]),
        ),
      )
    expect(back).toHaveLength(3)
    near(back, onDisk[1].segments)
    await shots(page, info, 'h12-2-after-raven')
    expect(errors).toEqual([])
  })

  test.describe('a multi-label model', () => {
    let mlDir: string
    let ml: Engine
    test.beforeAll(async () => {
      mlDir = await tempDir('fw-e2e-multilabel-')
      const project = await Project.create(mlDir, 'multilabel')
      await project.setClasses([
        { name: 'background', color: '#888888', hotkey: null, role: 'background' },
        { name: 'tone', color: '#e6550d', hotkey: 1, role: 'class' },
        { name: 'chirp', color: '#31a354', hotkey: 2, role: 'class' },
        { name: 'noise', color: '#4a6fa5', hotkey: 3, role: 'class' },
      ])
      for (let i = 0; i < 4; i++) {
        const a = syntheticAudio(4300 + i, 8)
        await fs.writeFile(path.join(mlDir, `rec${i}.wav`), a.wav)
        await project.addMedia([`rec${i}.wav`])
        if (i === 3) continue
        // an overlapping tier: every event, and a 'noise' event over each pair of neighbours
        const events: Segment[] = [...a.segments]
        for (let k = 0; k + 1 < a.segments.length; k += 2)
          events.push({
            start: a.segments[k].start,
            end: a.segments[k + 1].end,
            label: 'noise',
          })
        await project.writeLabels(
          `rec${i}.wav`,
          [
            { name: 'labels', kind: 'exclusive', segments: a.segments },
            {
              name: 'events',
              kind: 'overlapping',
              segments: events.sort((x, y) => x.start - y.start || x.end - y.end),
            },
          ],
          0,
        )
      }
      ml = await startEngine(['--project', mlDir])
    })
    test.afterAll(async () => {
      await ml?.stop()
      await fs.rm(mlDir, { recursive: true, force: true })
    })

    test('trained on an overlapping tier: accept one predicted event, reject another, undo', async ({
      page,
    }, info) => {
      test.setTimeout(420_000)
      const errors = collectPageErrors(page)
      await page.setViewportSize({ width: 1440, height: 900 })
      await page.goto(ml.url)
      await expect(page.getByTestId('media-item')).toHaveCount(4)
      await page.getByTestId('tab-train').click()
      await page.getByTestId('train-tier').fill('events')
      await page.getByTestId('train-head').selectOption('sigmoid')
      await page.getByTestId('train-epochs').fill('6')
      await page.getByTestId('train-chunk').fill('200')
      await page.getByTestId('train-start').click()
      await expect(page.getByTestId('run-history')).toContainText('done', { timeout: 300_000 })

      await page.getByTestId('tab-models').click()
      await page.getByTestId('media-item').filter({ hasText: 'rec3.wav' }).click()
      await page.getByTestId('predict-current').click()
      const track = page.getByTestId('prediction-track')
      await expect(track).toBeVisible({ timeout: 60_000 })
      const predictions = path.join(mlDir, 'predictions')
      const predFile = (await fs.readdir(predictions, { recursive: true })).find((n) =>
        String(n).endsWith('rec3.prediction.json'),
      )!
      const saved = async () =>
        JSON.parse(await fs.readFile(path.join(predictions, String(predFile)), 'utf8')) as {
          segments: Segment[]
          rejected?: number[]
        }
      const predicted = (await saved()).segments
      expect(predicted.length).toBeGreaterThanOrEqual(2)
      const rows = stack(predicted)
      await expect(track).toHaveAttribute('data-rows', String(rows.length))

      // accept into the model's overlapping tier: rec3 has no labels yet, so add the tier first
      await page.getByTestId('tier-add').click()
      await page.getByTestId('tier-name').fill('events')
      await page.getByTestId('tier-kind').selectOption('overlapping')
      await page.getByTestId('tier-submit').click()
      await expect(page.getByTestId('segment-row')).toHaveCount(0)
      await page.keyboard.press('0')
      const at = async (i: number): Promise<[number, number]> => {
        const box = (await track.locator('canvas').boundingBox())!
        const row = rows.findIndex((r) => r.index.includes(i))
        const s = predicted[i]
        const y = rows.length > 1 ? box.y + row * 16 + 10 : box.y + 10
        return [xAt(box, (s.start + s.end) / 2, 8), y]
      }
      await page.mouse.click(...(await at(0)))
      await expect(page.getByTestId('segment-row')).toHaveCount(1)
      await page.keyboard.down('Shift')
      await page.mouse.click(...(await at(1)))
      await page.keyboard.up('Shift')
      await expect(track).toHaveAttribute('data-rejected', '1')
      await expect.poll(async () => (await saved()).rejected).toEqual([1])
      await expect(page.getByTestId('save-status')).toHaveAttribute('data-status', 'saved')
      const tiers = (await labelsOf(mlDir, 'rec3')).tiers
      const events = tiers.find((t) => t.name === 'events')!
      expect(events.kind).toBe('overlapping')
      expect(events.segments.map((s) => s.label)).toEqual([predicted[0].label])
      await shots(page, info, 'h12-3-multilabel-review')
      // undo the rejection, then the acceptance (the tier stays)
      await page.keyboard.press('Control+z')
      await expect(track).toHaveAttribute('data-rejected', '0')
      await expect.poll(async () => (await saved()).rejected).toEqual([])
      await expect(page.getByTestId('segment-row')).toHaveCount(1)
      await page.keyboard.press('Control+z')
      await expect(page.getByTestId('segment-row')).toHaveCount(0)
      await expect(page.getByTestId('tier-select')).toHaveValue('1')
      await expect(page.getByTestId('save-status')).toHaveAttribute('data-status', 'saved')
      expect(errors).toEqual([])
    })
  })

  test('a segment drawn on a channel row of a stereo file gets that channel', async ({
    page,
  }, info) => {
    const errors = collectPageErrors(page)
    const n = 16000 * 4
    const left = Float64Array.from({ length: n }, (_, i) => 0.2 * Math.sin(i / 7))
    const right = Float64Array.from({ length: n }, (_, i) => 0.5 * Math.sin(i / 3))
    await fs.writeFile(
      path.join(dir, 'stereo.wav'),
      makeWav({ bits: 16, rate: 16000, channels: [left, right] }),
    )
    await page.setViewportSize({ width: 1440, height: 900 })
    await page.goto(engine.url)
    await page.getByTestId('add-media-input').fill(path.join(dir, 'stereo.wav'))
    await page.getByTestId('add-media-submit').click()
    await page.getByTestId('media-item').filter({ hasText: 'stereo.wav' }).click()
    const wave = page.getByTestId('waveform-surface')
    await expect(wave).toHaveAttribute('data-channels', '0,1')
    await expect(page.getByTestId('draw-channel')).toHaveValue('0')
    // the lower row is channel 2
    await dragOn(page, 'waveform-surface', 0.2, 0.4, 0.75)
    await expect(page.getByTestId('draw-channel')).toHaveValue('2')
    await expect(page.getByTestId('save-status')).toHaveAttribute('data-status', 'saved')
    const [seg] = (await labelsOf(dir, 'stereo')).tiers[0].segments
    expect(seg.channel).toBe(2)
    // the upper row, channel 1
    await dragOn(page, 'waveform-surface', 0.6, 0.8, 0.25)
    await expect(page.getByTestId('save-status')).toHaveAttribute('data-status', 'saved')
    const segs = (await labelsOf(dir, 'stereo')).tiers[0].segments
    // channel 1 is written as none (Raven's first channel reads so)
    expect(segs.map((s) => s.channel)).toEqual([2, undefined])
    await expect(page.getByTestId('draw-channel')).toHaveValue('1')
    await shots(page, info, 'h12-4-channels')
    expect(errors).toEqual([])
  })
})
