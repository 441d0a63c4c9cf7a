/**
 * `parse` from the yaml package with `uniqueKeys: true`: the value yaml gives, or the error yaml throws.
 *
 * Fast path: js-yaml reads the document, with the YAML 1.2 core schema that yaml uses too, and refuses a repeated
 * key itself, in linear time. On the 900 kB dynamic.yml of 2,000 routes that is ~50 ms where yaml took 400–900 ms
 * (and yaml's own repeated-key check is quadratic). yaml parses what js-yaml refuses, so every error is yaml's own,
 * and also every document of a kind where the two were seen, in random documents, to read the same text
 * differently. Seen in the text:
 * - a tab, a carriage return or a byte order mark anywhere (js-yaml lets a tab indent a plain scalar, which yaml
 *   and Go's YAML refuse; a lone \r ends a line for js-yaml, not for yaml; a BOM is skipped in different places);
 * - a block scalar with an indentation indicator (`|2`, `>1`: js-yaml accepts text less indented than it says);
 * - a number with a three-digit exponent (`1e312`: yaml makes it Infinity, js-yaml keeps the text);
 * - a line that starts with a document marker, indented or not (`...` before any document has no event).
 * Seen in js-yaml's parse events, so a quoted string that merely looks like one does not count (Traefik's `&&`):
 * - an anchor, an alias or a tag (js-yaml accepts `&a[x]` and `a: &x b: c`, which yaml refuses; `!!int 0b1`);
 * - text glued to a closing quote (js-yaml accepts `- "a"b: c`, which yaml refuses);
 * - a document marker or directive (`---`, `...`, `%YAML`), or more than one document.
 * And in the value: a key that came out as "null" (an empty, `~` or `null` key: yaml makes it "", js-yaml "null").
 * Generated files have none of these; test/render/yaml.test.ts checks the result is yaml's for each of them, for
 * random documents, and for every golden file, which must take the fast path.
 */
import { createRequire } from 'node:module'
import type { DocumentOptions, ParseOptions, SchemaOptions, ToJSOptions } from 'yaml'

type Options = ParseOptions & DocumentOptions & SchemaOptions & ToJSOptions
type Yaml = typeof import('yaml')
type JsYaml = typeof import('js-yaml')

// Both loaded on first use: `generate` on an unchanged project parses no YAML at all (RenderContext.verified), and
// yaml only for a document the fast path leaves to it. Loading yaml was a tenth of a `generate --check`.
const require = createRequire(import.meta.url)
let yaml: Yaml | undefined
let jsYaml: JsYaml | undefined
const loadYamlPackage = (): Yaml => (yaml ??= require('yaml') as Yaml)

const LEFT_TO_YAML = /[\t\r\ufeff]|[|>][+-]?[1-9]|\d[eE][+-]?\d{3}|^ *(?:---|\.\.\.)/m

/** Whether the text may take the fast path; js-yaml's parse may still send it to yaml (see above). */
export const mayReadFast = (text: string): boolean => !LEFT_TO_YAML.test(text)

export function parseYaml(text: string, options: Options = {}): unknown {
  const fast = mayReadFast(text) ? readFast(text) : undefined
  return fast === undefined ? loadYamlPackage().parse(text, { ...options, uniqueKeys: true }) : fast.value
}

/** js-yaml's value of a plain one-document text, or undefined to leave the text to yaml. */
function readFast(text: string): { value: unknown } | undefined {
  const js = (jsYaml ??= require('js-yaml') as JsYaml)
  try {
    const events = js.parseEvents(text, {})
    for (const event of events) {
      if (event.type === js.EVENT_ID.ALIAS) return undefined
      if (event.type === js.EVENT_ID.DOCUMENT) {
        if (event.explicitStart || event.explicitEnd || event.directives.length > 0) return undefined
      } else if (event.type !== js.EVENT_ID.POP && (event.anchorStart !== -1 || event.tagStart !== -1)) {
        return undefined
      } else if (event.type === js.EVENT_ID.SCALAR) {
        const quote = event.style === js.SCALAR_STYLE.DOUBLE_QUOTED ? '"' : event.style === js.SCALAR_STYLE.SINGLE_QUOTED ? "'" : undefined
        if (quote !== undefined && !closesCleanly(text, event.valueEnd, quote)) return undefined
      }
    }
    const documents = js.constructFromEvents(events, { source: text })
    if (documents.length !== 1 || hasNullKey(documents[0])) return undefined
    return { value: documents[0] }
  } catch {
    return undefined
  }
}

/**
 * Whether a quoted scalar, whose closing quote js-yaml puts at `end`, is followed by white space, a flow indicator,
 * a colon or the end: js-yaml also reads `- "a"b: c` (text glued to the closing quote), which yaml refuses.
 */
function closesCleanly(text: string, end: number, quote: string): boolean {
  if (text[end] !== quote) return false
  const next = text[end + 1]
  return next === undefined || ' \n,]}:'.includes(next)
}

function hasNullKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false
  if (Array.isArray(value)) return value.some(hasNullKey)
  for (const key in value) {
    if (key === 'null' || hasNullKey((value as Record<string, unknown>)[key])) return true
  }
  return false
}
