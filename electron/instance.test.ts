import { describe, expect, it } from 'vitest'
import { projectFromArgv, secondInstance } from './instance'

const exe = '/opt/Framewise/framewise'

describe('the project a command line names', () => {
  it('reads --project DIR, --project=DIR and a framewise.json path, resolved against the launch folder', () => {
    expect(projectFromArgv([exe, '--project', 'p'], '/home/u', 'linux')).toEqual({
      dir: '/home/u/p',
    })
    expect(projectFromArgv([exe, '--project=/data/p/'], '/home/u', 'linux')).toEqual({
      dir: '/data/p',
    })
    expect(projectFromArgv([exe, '/data/birds/framewise.json'], '/', 'linux')).toEqual({
      dir: '/data/birds',
    })
    expect(
      projectFromArgv(['electron', 'out/main/main.js', '--project', '../x'], '/a/b', 'darwin'),
    ).toEqual({ dir: '/a/x' })
    expect(
      projectFromArgv(
        ['C:\\Framewise\\Framewise.exe', 'D:\\data\\birds\\Framewise.JSON'],
        'C:\\Users\\u',
        'win32',
      ),
    ).toEqual({ dir: 'D:\\data\\birds' })
  })

  it('ignores the executable, the app script and flags Chromium adds; names nothing then', () => {
    expect(projectFromArgv([exe], '/', 'linux')).toBeNull()
    expect(projectFromArgv(['/x/framewise.json'], '/', 'linux')).toBeNull() // argv[0] is the executable
    expect(
      projectFromArgv(
        [exe, '--original-process-start-time=1', '--allow-file-access-from-files', 'notes.wav'],
        '/',
        'linux',
      ),
    ).toBeNull()
  })

  it('says what is wrong with a bad argument', () => {
    expect(projectFromArgv([exe, '--project'], '/', 'linux')).toEqual({
      error: '--project: needs a project folder (--project DIR)',
    })
    expect(projectFromArgv([exe, '--project', '--other'], '/', 'linux')).toMatchObject({
      error: expect.stringContaining('needs a project folder'),
    })
    expect(projectFromArgv([exe, '--project=a\0b'], '/', 'linux')).toEqual({
      error: '--project: not a usable path',
    })
    expect(projectFromArgv([exe, `--project=${'x'.repeat(5000)}`], '/', 'linux')).toMatchObject({
      error: expect.stringContaining('not a usable path'),
    })
  })
})

describe('a second launch', () => {
  it('focuses the running window, and opens the project it names there unless it is open already', () => {
    expect(secondInstance([exe], '/', 'linux', '/data/p')).toEqual({ action: 'focus' })
    expect(secondInstance([exe, '/data/q/framewise.json'], '/', 'linux', '/data/p')).toEqual({
      action: 'open',
      dir: '/data/q',
    })
    expect(secondInstance([exe, '--project', 'q'], '/data', 'linux', null)).toEqual({
      action: 'open',
      dir: '/data/q',
    })
    expect(secondInstance([exe, '/data/p/framewise.json'], '/', 'linux', '/data/p')).toEqual({
      action: 'focus',
    })
    expect(secondInstance([exe, '/Data/P/framewise.json'], '/', 'darwin', '/data/p')).toEqual({
      action: 'focus',
    })
    expect(secondInstance([exe, '/Data/P/framewise.json'], '/', 'linux', '/data/p')).toEqual({
      action: 'open',
      dir: '/Data/P',
    })
    expect(secondInstance([exe, '--project'], '/', 'linux', '/data/p')).toEqual({
      action: 'report',
      message: '--project: needs a project folder (--project DIR)',
    })
  })
})
