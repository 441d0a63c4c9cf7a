/**
 * `parse` from the yaml package with `uniqueKeys: true`, in linear time. yaml checks each key against every
 * earlier key of its mapping, which is quadratic: a dynamic.yml with 2,000 routers spent ~1.5 s there.
 * Here the document is parsed without that check, keys are checked with a Set per mapping, and only a document
 * that fails (an error, a warning, or a repeated key) is parsed again the old way — so what is thrown, or
 * warned, is exactly what yaml says.
 */
import { createRequire } from 'node:module'
import type { DocumentOptions, ParseOptions, SchemaOptions, ToJSOptions } from 'yaml'

type Options = ParseOptions & DocumentOptions & SchemaOptions & ToJSOptions
type Yaml = typeof import('yaml')

// Loaded on the first parse, not at start: `generate` on an unchanged project parses no YAML at all (see
// RenderContext.verified), and loading yaml is a tenth of a `generate --check`.
const require = createRequire(import.meta.url)
let yaml: Yaml | undefined
const load = (): Yaml => (yaml ??= require('yaml') as Yaml)

export function parseYaml(text: string, options: Options = {}): unknown {
  const { parse, parseDocument } = load()
  const doc = parseDocument(text, { ...options, uniqueKeys: false })
  if (doc.errors.length > 0 || doc.warnings.length > 0 || hasRepeatedKey(doc)) return parse(text, { ...options, uniqueKeys: true })
  return doc.toJS(options)
}

/** yaml's own test: the same key node, or scalars with `===` values. Set equality differs only for NaN, which
 * then takes the slow path and is judged by yaml itself. */
function hasRepeatedKey(doc: ReturnType<Yaml['parseDocument']>): boolean {
  const { isScalar, visit } = load()
  let repeated = false
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>()
      for (const { key } of map.items) {
        const value = isScalar(key) ? key.value : key
        if (seen.has(value)) {
          repeated = true
          return visit.BREAK
        }
        seen.add(value)
      }
      return undefined
    },
  })
  return repeated
}
