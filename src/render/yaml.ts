/**
 * `parse` from the yaml package with `uniqueKeys: true`: the value yaml gives, or the error yaml throws.
 *
 * Fast path: js-yaml reads the document, with the YAML 1.2 core schema that yaml uses too, and refuses a repeated
 * key itself, in linear time. On the 900 kB dynamic.yml of 2,000 routes that is ~50 ms where yaml took 400–900 ms
 * (and yaml's own repeated-key check is quadratic). yaml parses what js-yaml refuses, so every error is yaml's own,
 * and also text of a kind where the two were seen, in random documents, to read the same text differently:
 * - a tab anywhere (js-yaml lets a tab indent a plain scalar, yaml refuses it, as Go's YAML does), and a carriage
 *   return or byte order mark anywhere (a lone \r ends a line for js-yaml, not for yaml; a BOM is skipped where
 *   each of them allows one);
 * - a block scalar with an indentation indicator (`|2`, `>1`: js-yaml accepts text less indented than it says);
 * - a tag (`!!int 0b1`: js-yaml casts, yaml keeps the string), and an anchor or alias glued to a flow bracket or
 *   comma (`&a[x]`: yaml wants white space between them);
 * - a number with a three-digit exponent (`1e312`: yaml makes it Infinity, js-yaml keeps the text);
 * - a document marker (`---`, `...`) at the start of a line, indented or not (where a document ends and what
 *   may follow it);
 * - a key that came out as "null" (an empty, `~` or `null` key: yaml makes it "", js-yaml "null").
 * All but the last are looked for in the raw text, so a quoted string holding them only costs the fast path.
 * test/render/yaml.test.ts checks that the result is yaml's for every generated file and for random documents.
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
const load = (text: string): unknown => (jsYaml ??= require('js-yaml') as JsYaml).load(text)

/** Text where the two parsers were seen to disagree (see above); generated files have none of it. */
const LEFT_TO_YAML = /[\t\r\ufeff!]|[|>][+-]?[1-9]|(?:^|[\s,[\]{}])[&*][^\s,[\]{}]*[,[\]{}]|\d[eE][+-]?\d{3}|^ *(?:---|\.\.\.)/m

/** Whether js-yaml may read `text` (it still goes to yaml when js-yaml refuses it, or for a "null" key). */
export const mayReadFast = (text: string): boolean => !LEFT_TO_YAML.test(text)

export function parseYaml(text: string, options: Options = {}): unknown {
  if (mayReadFast(text)) {
    let value: unknown
    try {
      value = load(text)
    } catch {
      value = undefined
    }
    if (value !== undefined && !hasNullKey(value)) return value
  }
  return loadYamlPackage().parse(text, { ...options, uniqueKeys: true })
}

function hasNullKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false
  if (Array.isArray(value)) return value.some(hasNullKey)
  for (const key in value) {
    if (key === 'null' || hasNullKey((value as Record<string, unknown>)[key])) return true
  }
  return false
}
