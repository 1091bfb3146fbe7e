import { describe, expect, it } from 'vitest'
import { DataError } from '../errors'
import { parseTrainSettings } from '../train/settings'
import { folderLevel, groupsOf, splitByGroup } from './groups'

const where = { root: '/data', by: 'folder' }

describe('groups of files', () => {
  const names = [
    'recordings/site1/day1/a.wav',
    'recordings/site1/day2/b.wav',
    'recordings/site2/day1/c.wav',
    'recordings/site3/day1/d.wav',
  ]

  it('by folder: the first level under the deepest shared folder, or the N-th', () => {
    expect(groupsOf(names, 'folder', '/p')).toEqual(['site1', 'site1', 'site2', 'site3'])
    expect(groupsOf(names, 'folder:2', '/p')).toEqual(['day1', 'day2', 'day1', 'day1'])
    expect(groupsOf(['s1/a.wav', 's2/b.wav'], 'folder', '/p')).toEqual(['s1', 's2'])
    // all in one site's folder: one group (refused by the split as such), not 'outside any group'
    expect(groupsOf(['rec/site1/a.wav', 'rec/site1/b.wav'], 'folder', '/p')).toEqual([
      'site1',
      'site1',
    ])
    expect(folderLevel('folder:3')).toBe(3)
    expect(folderLevel('manifest')).toBeNull()
  })

  it('by file: each file its own group', () => {
    expect(groupsOf(['a.wav', 'b.wav'], 'file', '/p')).toEqual(['a.wav', 'b.wav'])
  })

  it('refuses a file above the folder level, naming it and the fix', () => {
    expect(() => groupsOf(['s1/a.wav', 's2/x/b.wav', 'c.wav'], 'folder:2', '/p')).toThrow(
      /s1\/a\.wav is not inside a folder at level 2 .*own folder/,
    )
    expect(() => groupsOf(['s1/a.wav', 's2/x/b.wav'], 'folder:2', '/p')).toThrow(DataError)
  })

  it("by manifest: the media records' groups; a file without one is refused by name", () => {
    expect(groupsOf(['a.wav', 'b.wav'], 'manifest', '/p', ['north', ' south '])).toEqual([
      'north',
      'south',
    ])
    expect(() => groupsOf(['a.wav', 'b.wav'], 'manifest', '/p', ['north', undefined])).toThrow(
      /media file b\.wav has no "group" in framewise\.json/,
    )
    expect(() => groupsOf(['a.wav'], 'manifest', '/data')).toThrow(/needs a project/)
  })

  it('the settings accept only the documented forms', () => {
    expect(parseTrainSettings({}).groupBy).toBe('file')
    expect(parseTrainSettings({ groupBy: 'folder:2' }).groupBy).toBe('folder:2')
    expect(() => parseTrainSettings({ groupBy: 'folder:0' })).toThrow(/group-by must be/)
    expect(() => parseTrainSettings({ groupBy: 'site' })).toThrow(/group-by must be/)
    // clip classifiers split by file (the exclusion table says why)
    expect(() => parseTrainSettings({ task: 'classify', groupBy: 'folder' })).toThrow(
      /Clip classifiers split by file/,
    )
  })
})

describe('a split by group', () => {
  // 6 groups of uneven size, 30 files
  const groups = Array.from({ length: 30 }, (_, i) => `g${[0, 0, 0, 1, 1, 2][i % 6] + (i % 5)}`)

  it('keeps every group on one side and covers every file once', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const s = splitByGroup(groups, 0.2, seed, where)
      const trainGroups = new Set(s.train.map((i) => groups[i]))
      const valGroups = new Set(s.val.map((i) => groups[i]))
      expect([...trainGroups].filter((g) => valGroups.has(g))).toEqual([])
      expect([...s.train, ...s.val].sort((a, b) => a - b)).toEqual(groups.map((_, i) => i))
      expect(s.val.length).toBeGreaterThan(0)
      expect(s.train.length).toBeGreaterThan(0)
      expect(s.split.train).toEqual([...trainGroups].sort())
      expect(s.split.val).toEqual([...valGroups].sort())
      expect(s.split.by).toBe('folder')
    }
  })

  it('is the same for the same seed and differs across seeds', () => {
    const a = splitByGroup(groups, 0.3, 7, where)
    expect(splitByGroup(groups, 0.3, 7, where)).toEqual(a)
    const others = [8, 9, 10, 11].map((seed) => splitByGroup(groups, 0.3, seed, where).split.val)
    expect(others.some((v) => v.join() !== a.split.val.join())).toBe(true)
  })

  it('does not depend on the order of the files', () => {
    const reversed = groups.slice().reverse()
    const a = splitByGroup(groups, 0.2, 3, where).split
    expect(splitByGroup(reversed, 0.2, 3, where).split).toEqual(a)
  })

  it('fills validation to about the fraction of files, leaving training at least one group', () => {
    const s = splitByGroup(groups, 0.5, 1, where)
    expect(s.val.length).toBeGreaterThanOrEqual(15)
    const two = splitByGroup(['a', 'a', 'b'], 0.9, 1, where)
    expect(two.split.train).toHaveLength(1)
    expect(two.split.val).toHaveLength(1)
  })

  it('refuses one group in one line naming the setting, the count and the fix', () => {
    const err = (() => {
      try {
        splitByGroup(['site1', 'site1', 'site1'], 0.2, 1, where)
      } catch (e) {
        return e as DataError
      }
    })()
    expect(err).toBeInstanceOf(DataError)
    expect(err!.message).toMatch(
      /\/data: --group-by folder puts all 3 labelled files in one group \("site1"\).*another source/,
    )
    expect(err!.message).not.toContain('\n')
  })

  it('without validation asked for, everything trains (one group is then fine)', () => {
    const s = splitByGroup(['a', 'a'], 0, 1, where)
    expect(s.val).toEqual([])
    expect(s.train).toEqual([0, 1])
  })
})
