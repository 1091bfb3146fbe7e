/**
 * BirdsongRecognition (Koumura & Okanoya) Annotation.xml: `<Sequence>` elements naming a
 * `<WaveFileName>`, with the sequence's `<Position>` in the wave file and `<Note>`s whose
 * `<Position>`/`<Length>` are samples relative to it. One table over many recordings, in samples,
 * so it needs the sample rate.
 */
import type { Segment } from './segments'
import { childrenNamed, parseXml, type XmlElement } from './xml'

/** The root names the format's files have, known by content (the ending is only `.xml`). */
export function looksLikeKoumura(text: string): boolean {
  return (
    /<(Sequences|AnnotationSequence)\b/.test(text.slice(0, 4096)) && text.includes('<WaveFileName>')
  )
}

/** Segments per wave file name, in seconds at `rate` Hz. */
export function readKoumura(
  text: string,
  file: string,
  rate: number | undefined,
): Map<string, Segment[]> {
  if (!(rate !== undefined && rate > 0))
    throw new Error(
      `${file}: Koumura Annotation.xml times are in samples: give the sample rate (--rate)`,
    )
  const root = parseXml(text, file)
  const seqs = root.name === 'Sequence' ? [root] : childrenNamed(root, 'Sequence')
  const out = new Map<string, Segment[]>()
  const int = (el: XmlElement, name: string): number => {
    const child = childrenNamed(el, name)[0]
    const n = Number(child?.text.trim())
    if (child === undefined || !Number.isInteger(n) || n < 0)
      throw new Error(
        `${file}:${el.line}: <${el.name}> needs a whole, non-negative <${name}>: fix that element`,
      )
    return n
  }
  for (const seq of seqs) {
    const wave = childrenNamed(seq, 'WaveFileName')[0]?.text.trim()
    if (!wave) throw new Error(`${file}:${seq.line}: <Sequence> has no <WaveFileName>: add one`)
    const base = int(seq, 'Position')
    const list = out.get(wave) ?? []
    for (const note of childrenNamed(seq, 'Note')) {
      const pos = base + int(note, 'Position')
      const label = childrenNamed(note, 'Label')[0]?.text.trim() ?? ''
      list.push({ start: pos / rate, end: (pos + int(note, 'Length')) / rate, label })
    }
    out.set(wave, list)
  }
  return out
}
