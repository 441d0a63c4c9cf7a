/**
 * An independent reading of compose's `$` interpolation (compose-spec "Interpolation"; compose-go
 * template/template.go), used to check the generated file the way `docker compose` will read it:
 * - `$$` is a literal `$`;
 * - `${NAME}`, `${NAME:?msg}`, `${NAME?msg}`, `${NAME:-default}`, `${NAME-default}` are references; the text after
 *   the operator runs to the matching `}` and is interpolated itself;
 * - `$NAME` is a reference;
 * - any other `$` is an error ("Invalid template").
 */

export interface Ref {
  readonly name: string
  /** The operator after the name, `''` for none. */
  readonly op: '' | ':?' | '?' | ':-' | '-'
  /** The text after the operator (message or default), before its own interpolation. */
  readonly arg: string
}

export type Part = { readonly text: string } | { readonly ref: Ref }

const NAME = /^[_a-z][_a-z0-9]*/i
const OPS = [':?', ':-', '?', '-'] as const

/** Splits a compose value into literal text (with `$$` already read as `$`) and references; throws when invalid. */
export function scanInterpolation(value: string): Part[] {
  const parts: Part[] = []
  let text = ''
  const flush = () => {
    if (text !== '') parts.push({ text })
    text = ''
  }
  let i = 0
  while (i < value.length) {
    const ch = value[i]!
    if (ch !== '$') {
      text += ch
      i++
      continue
    }
    const next = value[i + 1]
    if (next === '$') {
      text += '$'
      i += 2
      continue
    }
    if (next === '{') {
      const close = matchingBrace(value, i)
      if (close < 0) throw new Error(`unclosed \${ at ${i} in ${JSON.stringify(value)}`)
      const body = value.slice(i + 2, close)
      const name = NAME.exec(body)?.[0]
      if (!name) throw new Error(`invalid reference \${${body}} in ${JSON.stringify(value)}`)
      const rest = body.slice(name.length)
      const op = OPS.find((o) => rest.startsWith(o))
      if (rest !== '' && op === undefined) throw new Error(`invalid reference \${${body}} in ${JSON.stringify(value)}`)
      const arg = op === undefined ? '' : rest.slice(op.length)
      scanInterpolation(arg) // the message or default is interpolated too, so it must be well-formed
      flush()
      parts.push({ ref: { name, op: op ?? '', arg } })
      i = close + 1
      continue
    }
    const name = NAME.exec(value.slice(i + 1))?.[0]
    if (!name) throw new Error(`bare $ at ${i} in ${JSON.stringify(value)}: compose rejects it; write $$`)
    flush()
    parts.push({ ref: { name, op: '', arg: '' } })
    i += 1 + name.length
  }
  flush()
  return parts
}

/** Index of the `}` closing the `${` at `start`, counting nested `${`. */
function matchingBrace(value: string, start: number): number {
  let depth = 0
  for (let i = start; i < value.length; i++) {
    if (value.startsWith('${', i)) {
      depth++
      i++
    } else if (value[i] === '}') {
      depth--
      if (depth === 0) return i
    }
  }
  return -1
}

/** Every string value (not key) of a parsed YAML document, with its path. Compose interpolates values only. */
export function stringValues(node: unknown, path = ''): { path: string; value: string }[] {
  if (typeof node === 'string') return [{ path, value: node }]
  if (Array.isArray(node)) return node.flatMap((item, i) => stringValues(item, `${path}[${i}]`))
  if (typeof node === 'object' && node !== null) {
    return Object.entries(node).flatMap(([key, item]) => stringValues(item, path ? `${path}.${key}` : key))
  }
  return []
}

/** Every key of a parsed YAML document. */
export function allKeys(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(allKeys)
  if (typeof node === 'object' && node !== null) return Object.entries(node).flatMap(([k, v]) => [k, ...allKeys(v)])
  return []
}
