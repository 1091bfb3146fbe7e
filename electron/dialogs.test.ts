import { describe, expect, it, vi } from 'vitest'
import { DIALOG_OPEN_CHANNEL, DIALOG_SAVE_CHANNEL } from './channels'
import { answers, invoke, shown } from './electron-stand-in'

// The real module needs the Electron binary; the typed stand-in records the dialogs shown.
vi.mock('electron', async () => (await import('./electron-stand-in')).electron)
const { openDialogOptions, registerDialogs, saveDialogOptions } = await import('./dialogs')

const ours = 'file:///app/out/renderer/index.html'
registerDialogs(
  () => null,
  (url) => url.split(/[?#]/)[0] === ours,
)

describe('native dialogs', () => {
  it('turn validated arguments into Electron options', () => {
    expect(openDialogOptions({ kind: 'file', multiple: true, filter: 'media' })).toMatchObject({
      properties: ['openFile', 'multiSelections', 'createDirectory'],
      filters: [{ extensions: expect.arrayContaining(['wav', 'flac', 'csv']) }],
    })
    expect(openDialogOptions({ kind: 'dir' })).toMatchObject({
      properties: ['openDirectory', 'createDirectory'],
      filters: undefined,
    })
    expect(saveDialogOptions({ defaultName: 'model.onnx', filter: 'onnx' })).toMatchObject({
      defaultPath: 'model.onnx',
      filters: [{ extensions: ['onnx'] }],
    })
  })

  it('refuse bad arguments: unknown kinds and filters, extra fields, a folder in the default name', () => {
    for (const bad of [
      undefined,
      null,
      'x',
      { kind: 'exe' },
      { kind: 'file', filter: 'anything' },
      { kind: 'file', sneaky: 1 },
      { kind: 'file', title: 'x'.repeat(201) },
    ])
      expect(() => openDialogOptions(bad)).toThrow()
    for (const bad of [
      { defaultName: '../../etc/passwd', filter: 'onnx' },
      { defaultName: '/tmp/x.onnx', filter: 'onnx' },
      { defaultName: 'a\\b.onnx', filter: 'onnx' },
      { defaultName: 'x', filter: 'media' },
    ])
      expect(() => saveDialogOptions(bad)).toThrow()
  })

  it('answer only our renderer, in the envelope of every request; a cancel is null', async () => {
    answers.open = { canceled: false, filePaths: ['/data/a.wav', '/data/b.csv'] }
    answers.save = { canceled: true, filePath: '' }
    expect(
      await invoke(DIALOG_OPEN_CHANNEL, 'https://evil.example/', { kind: 'file' }),
    ).toMatchObject({ ok: false })
    expect(await invoke(DIALOG_OPEN_CHANNEL, undefined, { kind: 'file' })).toMatchObject({
      ok: false,
    })
    expect(shown).toHaveLength(0) // refused before any dialog showed
    expect(await invoke(DIALOG_OPEN_CHANNEL, ours, { kind: 'file', multiple: true })).toEqual({
      ok: true,
      result: ['/data/a.wav', '/data/b.csv'],
    })
    expect(
      await invoke(DIALOG_SAVE_CHANNEL, ours, { defaultName: 'm.onnx', filter: 'onnx' }),
    ).toEqual({ ok: true, result: null })
    expect(await invoke(DIALOG_OPEN_CHANNEL, ours, { kind: 7 })).toMatchObject({
      ok: false,
      error: { code: 'invalid-request' },
    })
    expect(
      await invoke(DIALOG_SAVE_CHANNEL, ours, { defaultName: '../x', filter: 'onnx' }),
    ).toMatchObject({ ok: false, error: { code: 'invalid-request' } })
    expect(shown).toHaveLength(2) // bad arguments showed nothing
    expect(shown[0]).toMatchObject({
      properties: ['openFile', 'multiSelections', 'createDirectory'],
    })
    answers.save = { canceled: false, filePath: '/data/m.onnx' }
    expect(
      await invoke(DIALOG_SAVE_CHANNEL, ours, { defaultName: 'm.onnx', filter: 'onnx' }),
    ).toEqual({ ok: true, result: '/data/m.onnx' })
  })
})
