/**
 * A small XML reader for label formats (ELAN .eaf): elements with attributes, text and children.
 * It handles what annotation tools write — the XML declaration, comments, CDATA, DOCTYPE,
 * processing instructions, the five named entities and numeric character references — and
 * refuses what is not well formed (a mismatched or unclosed tag) with the line it is on. No
 * namespaces (prefixes stay part of the name), no DTD entity expansion (so no entity bombs).
 */
import { DataError } from '../errors'

export interface XmlElement {
  name: string
  attrs: Record<string, string>
  children: XmlElement[]
  /** Text directly inside this element (between its children too), entities decoded. */
  text: string
  /** 1-based line of the start tag. */
  line: number
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }

function decode(s: string, file: string, line: number): string {
  if (!s.includes('&')) return s
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);?/g, (m, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10)
      if (!(code >= 0 && code <= 0x10ffff))
        throw new DataError(file, `bad character reference ${m}`, { line })
      return String.fromCodePoint(code)
    }
    if (ref in ENTITIES && m.endsWith(';')) return ENTITIES[ref]
    throw new DataError(file, `unknown entity ${m} (XML has &lt; &gt; &amp; &quot; &apos;)`, {
      line,
    })
  })
}

/** The root element of `text`. */
export function parseXml(text: string, file: string): XmlElement {
  const n = text.length
  let i = 0
  let line = 1
  const lineAt = (to: number) => {
    for (let k = i; k < to; k++) if (text.charCodeAt(k) === 10) line++
    i = to
  }
  const skipPast = (end: string, what: string) => {
    const j = text.indexOf(end, i)
    if (j < 0) throw new DataError(file, `unterminated ${what}`, { line })
    lineAt(j + end.length)
  }
  const stack: XmlElement[] = []
  let root: XmlElement | null = null
  while (i < n) {
    const lt = text.indexOf('<', i)
    const textEnd = lt < 0 ? n : lt
    if (textEnd > i) {
      const chunk = text.slice(i, textEnd)
      const top = stack[stack.length - 1]
      if (top) top.text += decode(chunk, file, line)
      else if (chunk.trim() !== '')
        throw new DataError(file, 'text outside the root element: not an XML document', { line })
      lineAt(textEnd)
    }
    if (lt < 0) break
    if (text.startsWith('<!--', i)) skipPast('-->', 'comment')
    else if (text.startsWith('<![CDATA[', i)) {
      const j = text.indexOf(']]>', i)
      if (j < 0) throw new DataError(file, 'unterminated CDATA section', { line })
      const top = stack[stack.length - 1]
      if (top) top.text += text.slice(i + 9, j)
      lineAt(j + 3)
    } else if (text.startsWith('<?', i)) skipPast('?>', 'processing instruction')
    else if (text.startsWith('<!', i)) {
      // DOCTYPE, possibly with an internal subset in [...]
      const bracket = text.indexOf('[', i)
      const close = text.indexOf('>', i)
      if (bracket >= 0 && close >= 0 && bracket < close) skipPast(']>', 'DOCTYPE')
      else skipPast('>', 'declaration')
    } else if (text[i + 1] === '/') {
      const m = /^<\/([^\s>]+)\s*>/.exec(text.slice(i, i + 512))
      if (!m) throw new DataError(file, 'malformed end tag', { line })
      const open = stack.pop()
      if (!open || open.name !== m[1])
        throw new DataError(
          file,
          open
            ? `</${m[1]}> closes <${open.name}> (opened on line ${open.line})`
            : `</${m[1]}> without a start tag`,
          { line },
        )
      lineAt(i + m[0].length)
    } else {
      const startLine = line
      const tag = /^<([A-Za-z_][\w.:-]*)/.exec(text.slice(i, i + 512))
      if (!tag) throw new DataError(file, 'malformed tag', { line })
      let k = i + tag[0].length
      const attrs: Record<string, string> = {}
      const attr = /\s*([A-Za-z_][\w.:-]*)\s*=\s*("([^"]*)"|'([^']*)')|\s*(\/?>)/y
      let selfClosing = false
      for (;;) {
        attr.lastIndex = k
        const a = attr.exec(text)
        if (!a)
          throw new DataError(
            file,
            text.indexOf('>', k) < 0
              ? `truncated XML: the file ends inside <${tag[1]}>`
              : `malformed tag <${tag[1]}>`,
            { line: startLine },
          )
        k = attr.lastIndex
        if (a[5]) {
          selfClosing = a[5] === '/>'
          break
        }
        attrs[a[1]] = decode(a[3] ?? a[4], file, startLine)
      }
      lineAt(k)
      const el: XmlElement = { name: tag[1], attrs, children: [], text: '', line: startLine }
      const parent = stack[stack.length - 1]
      if (parent) parent.children.push(el)
      else if (root) throw new DataError(file, 'more than one root element', { line: startLine })
      else root = el
      if (!selfClosing) stack.push(el)
    }
  }
  if (stack.length)
    throw new DataError(
      file,
      `truncated XML: <${stack[stack.length - 1].name}> (line ${stack[stack.length - 1].line}) is never closed`,
    )
  if (!root) throw new DataError(file, 'no XML element in the file')
  return root
}

/** Children of `el` named `name`. */
export const childrenNamed = (el: XmlElement, name: string): XmlElement[] =>
  el.children.filter((c) => c.name === name)

/** `s` escaped for an attribute value or text. */
export const escapeXml = (s: string): string =>
  s.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!,
  )
