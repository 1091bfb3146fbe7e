/**
 * ELAN annotation documents (.eaf, EAF 2.x/3.x XML). Times live in TIME_ORDER as TIME_SLOTs in
 * milliseconds; a slot may have no TIME_VALUE (unaligned, inside a subdivided parent), and then
 * takes a time spread evenly between the aligned slots around it, as ELAN draws it. A tier holds
 * either ALIGNABLE_ANNOTATIONs (two slot references each) or REF_ANNOTATIONs, which point at an
 * annotation of the parent tier and take its times. One tier becomes the segments: the one named
 * by `tier`, else the first alignable tier that has labelled annotations; the others are named in
 * a note, never dropped silently. Empty annotation values are gaps.
 *
 * Writing gives one alignable tier per Framewise tier ("labels" for a list of segments), tiling
 * nothing (ELAN tiers may have gaps): a segment overlapping the next is cut where the next
 * starts, and point labels (start = end) are left out, since an ELAN annotation has a duration.
 * Times are whole milliseconds. As Framewise tiers, ELAN tiers read as exclusive unless their
 * annotations overlap (a reference tier's several annotations of one parent share its times).
 */
import { DataError } from '../errors'
import type { Segment } from './segments'
import { firstOverlap, type Tier } from './tiers'
import { childrenNamed, escapeXml, parseXml, type XmlElement } from './xml'

export interface EafTier {
  /** TIER_ID. */
  name: string
  /** 'alignable': own times; 'reference': times of the parent annotations referred to. */
  kind: 'alignable' | 'reference'
  /** PARENT_REF, when the tier depends on another. */
  parent?: string
  /** Labelled annotations, in document order. */
  segments: Segment[]
}

interface Annotation {
  tier: string
  value: string
  /** Slot ids (alignable) or the referred annotation id (reference). */
  slots?: [string, string]
  ref?: string
  line: number
}

export function readEafTiers(text: string, file: string): EafTier[] {
  const root = parseXml(text, file)
  if (root.name !== 'ANNOTATION_DOCUMENT')
    throw new DataError(file, `not an ELAN document (root element <${root.name}>)`, {
      line: root.line,
    })
  const header = childrenNamed(root, 'HEADER')[0]
  const units = header?.attrs.TIME_UNITS ?? 'milliseconds'
  if (units !== 'milliseconds')
    throw new DataError(file, `TIME_UNITS "${units}" is not supported (ELAN writes milliseconds)`, {
      line: header?.line,
    })
  const slotTime = timeSlots(root, file)
  const annotations = new Map<string, Annotation>()
  const tiers: Array<{ el: XmlElement; ids: string[] }> = []
  for (const tier of childrenNamed(root, 'TIER')) {
    const name = tier.attrs.TIER_ID
    if (name === undefined) throw new DataError(file, 'a TIER has no TIER_ID', { line: tier.line })
    const ids: string[] = []
    for (const wrap of childrenNamed(tier, 'ANNOTATION')) {
      for (const a of wrap.children) {
        const id = a.attrs.ANNOTATION_ID
        const value = childrenNamed(a, 'ANNOTATION_VALUE')[0]?.text.trim() ?? ''
        if (id === undefined)
          throw new DataError(file, `an annotation of tier "${name}" has no ANNOTATION_ID`, {
            line: a.line,
          })
        if (a.name === 'ALIGNABLE_ANNOTATION') {
          const r1 = a.attrs.TIME_SLOT_REF1
          const r2 = a.attrs.TIME_SLOT_REF2
          if (r1 === undefined || r2 === undefined)
            throw new DataError(file, `annotation ${id} lacks TIME_SLOT_REF1/2`, { line: a.line })
          annotations.set(id, { tier: name, value, slots: [r1, r2], line: a.line })
        } else if (a.name === 'REF_ANNOTATION') {
          const ref = a.attrs.ANNOTATION_REF
          if (ref === undefined)
            throw new DataError(file, `annotation ${id} lacks ANNOTATION_REF`, { line: a.line })
          annotations.set(id, { tier: name, value, ref, line: a.line })
        } else continue
        ids.push(id)
      }
    }
    tiers.push({ el: tier, ids })
  }
  /** Times of an annotation: its slots', or those of the annotation its references end at. */
  const known = new Map<string, [number, number]>()
  const times = (id: string): [number, number] => {
    const chain: string[] = []
    let a = annotations.get(id)!
    let at = id
    for (let hops = 0; !a.slots; hops++) {
      const hit = known.get(at)
      if (hit) return remember(chain, hit)
      chain.push(at)
      const parent = annotations.get(a.ref!)
      if (!parent || hops > annotations.size)
        throw new DataError(
          file,
          parent
            ? `annotation ${id}: references form a cycle`
            : `annotation ${at} refers to unknown annotation "${a.ref}"`,
          { line: a.line },
        )
      at = a.ref!
      a = parent
    }
    const [t1, t2] = a.slots.map((s) => {
      const t = slotTime.get(s)
      if (t === undefined)
        throw new DataError(file, `annotation ${at} refers to unknown time slot "${s}"`, {
          line: a.line,
        })
      return t
    })
    return remember([...chain, at], [t1, t2])
  }
  const remember = (ids: string[], t: [number, number]) => {
    for (const k of ids) known.set(k, t)
    return t
  }
  return tiers.map(({ el, ids }) => {
    const name = el.attrs.TIER_ID
    const segments: Segment[] = []
    let reference = false
    for (const id of ids) {
      const a = annotations.get(id)!
      if (a.ref !== undefined) reference = true
      if (a.value === '') continue
      const [t1, t2] = times(id)
      if (t2 < t1)
        throw new DataError(file, `annotation ${id} ends (${t2} ms) before it starts (${t1} ms)`, {
          line: a.line,
        })
      segments.push({ start: t1 / 1000, end: t2 / 1000, label: a.value })
    }
    const parent = el.attrs.PARENT_REF
    return {
      name,
      kind: reference ? 'reference' : 'alignable',
      ...(parent !== undefined ? { parent } : {}),
      segments,
    }
  })
}

/** TIME_SLOT id → milliseconds; unaligned slots spread evenly between aligned neighbours. */
function timeSlots(root: XmlElement, file: string): Map<string, number> {
  const slots = childrenNamed(root, 'TIME_ORDER').flatMap((o) => childrenNamed(o, 'TIME_SLOT'))
  const values = slots.map((s) => {
    const v = s.attrs.TIME_VALUE
    if (v === undefined) return undefined
    const t = Number(v)
    if (!Number.isFinite(t) || t < 0)
      throw new DataError(file, `TIME_VALUE "${v}" is not a time in milliseconds`, {
        line: s.line,
      })
    return t
  })
  const out = new Map<string, number>()
  for (let i = 0; i < slots.length; i++) {
    let t = values[i]
    if (t === undefined) {
      let a = i - 1
      while (a >= 0 && values[a] === undefined) a--
      let b = i + 1
      while (b < slots.length && values[b] === undefined) b++
      const ta = a >= 0 ? values[a]! : 0
      t = b < slots.length ? ta + ((values[b]! - ta) * (i - a)) / (b - a) : ta
    }
    const id = slots[i].attrs.TIME_SLOT_ID
    if (id === undefined)
      throw new DataError(file, 'a TIME_SLOT has no TIME_SLOT_ID', { line: slots[i].line })
    out.set(id, t)
  }
  return out
}

const describe = (t: EafTier) =>
  `"${t.name}" (${t.kind === 'reference' ? `reference tier of "${t.parent ?? '?'}"` : 'alignable'}, ${t.segments.length} labelled)`

/**
 * Segments of the tier named `tier`, else of the first alignable tier with labelled annotations;
 * `note` hears which tier was read and which others the file holds.
 */
export function readEaf(
  text: string,
  file: string,
  tier?: string,
  note?: (message: string) => void,
): Segment[] {
  const tiers = readEafTiers(text, file)
  const names = tiers.map(describe).join(', ') || 'none'
  const alignable = tiers.filter((t) => t.kind === 'alignable')
  const pick =
    tier !== undefined
      ? tiers.find((t) => t.name === tier)
      : (alignable.find((t) => t.segments.length > 0) ?? alignable[0])
  if (!pick)
    throw new DataError(
      file,
      tier !== undefined
        ? `no tier named "${tier}" (tiers: ${names})`
        : `no alignable tier (tiers: ${names})`,
    )
  const others = tiers.filter((t) => t !== pick)
  if (pick.kind === 'reference')
    note?.(
      `${file}: tier "${pick.name}" refers to "${pick.parent}": its times are those of the annotations it refers to`,
    )
  if (others.length)
    note?.(
      `${file}: read tier "${pick.name}"; not read: ${others.map(describe).join(', ')} (pick one with the tier option)`,
    )
  return pick.segments
}

/** Every tier of an ELAN document as a Framewise tier (exclusive unless its annotations overlap). */
export function readEafAsTiers(text: string, file: string): Tier[] {
  return readEafTiers(text, file).map((t) => ({
    name: t.name,
    kind: firstOverlap([...t.segments].sort((a, b) => a.start - b.start || a.end - b.end))
      ? 'overlapping'
      : 'exclusive',
    segments: t.segments,
  }))
}

const ms = (t: number) => Math.round(t * 1000)

export function writeEaf(segments: readonly Segment[], tierName = 'labels'): string {
  return writeEafTiers([{ name: tierName, kind: 'exclusive', segments: [...segments] }])
}

/** An ELAN document with one alignable tier per tier. */
export function writeEafTiers(tiers: readonly Tier[]): string {
  const slots: number[] = []
  let count = 0
  const tierXml = tiers.map((t) => {
    const sorted = t.segments
      .filter((s) => ms(s.end) > ms(s.start))
      .sort((a, b) => a.start - b.start || a.end - b.end)
    const annotations: string[] = []
    for (let i = 0; i < sorted.length; i++) {
      const s = sorted[i]
      const end = Math.min(ms(s.end), ms(sorted[i + 1]?.start ?? Infinity))
      if (end <= ms(s.start)) continue
      slots.push(ms(s.start), end)
      const n = slots.length
      annotations.push(
        `        <ANNOTATION>\n            <ALIGNABLE_ANNOTATION ANNOTATION_ID="a${++count}" TIME_SLOT_REF1="ts${n - 1}" TIME_SLOT_REF2="ts${n}">\n` +
          `                <ANNOTATION_VALUE>${escapeXml(s.label)}</ANNOTATION_VALUE>\n            </ALIGNABLE_ANNOTATION>\n        </ANNOTATION>\n`,
      )
    }
    return `    <TIER LINGUISTIC_TYPE_REF="default-lt" TIER_ID="${escapeXml(t.name)}">\n${annotations.join('')}    </TIER>\n`
  })
  const timeOrder = slots
    .map((t, i) => `        <TIME_SLOT TIME_SLOT_ID="ts${i + 1}" TIME_VALUE="${t}"/>\n`)
    .join('')
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<ANNOTATION_DOCUMENT AUTHOR="" DATE="${new Date().toISOString()}" FORMAT="3.0" VERSION="3.0" ` +
    `xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="http://www.mpi.nl/tools/elan/EAFv3.0.xsd">\n` +
    `    <HEADER MEDIA_FILE="" TIME_UNITS="milliseconds"/>\n` +
    `    <TIME_ORDER>\n${timeOrder}    </TIME_ORDER>\n` +
    tierXml.join('') +
    `    <LINGUISTIC_TYPE GRAPHIC_REFERENCES="false" LINGUISTIC_TYPE_ID="default-lt" TIME_ALIGNABLE="true"/>\n` +
    `</ANNOTATION_DOCUMENT>\n`
  )
}
