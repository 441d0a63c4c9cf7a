/**
 * Turns zod's issues into the problems a user reads: the config path, what was expected, what was received and,
 * where we can tell, what to write instead.
 *
 * Every custom error in schema.ts is phrased "expected …" while zod's English defaults are not ("Invalid input: …",
 * "Too small: …"); that is how a message written for users is told apart from one we have to rebuild from the issue.
 */
import { z } from 'zod'
import type { Problem } from '../errors.js'
import { configSchema } from './schema.js'

type Issue = z.core.$ZodIssue
type Schema = z.core.$ZodType

/**
 * What each union of the schema accepts, keyed by the config key holding it. zod reports a union mismatch as the
 * failure of every branch; one sentence naming all the forms reads better. A union missing here still gets a
 * message, built from the branches.
 */
const UNION_EXPECTED: Readonly<Record<string, string>> = {
  tls: '"off", "self-signed" or { acme: { email } }',
  to: '"api", "keycloak", "spark", { function: name } or { service: name }',
  exposePort: 'false or a port from 1 to 65535',
  anonRole: 'false or a role name',
  command: 'a string or a list of strings',
}

/** The longest quoted value a message shows, so one huge string cannot flood the report. */
const MAX_QUOTED = 50

/** Problems for `result.error.issues` of `configSchema.safeParse(input, { reportInput: true })`, in zod's order. */
export function problemsFromZod(issues: readonly Issue[], root: Schema = configSchema): Problem[] {
  return issues.flatMap((issue) => convert(issue, [], root))
}

/** `functions[2].source`, `services.mailpit.image`, `services["Bad Name"]`; `""` for the root. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`
    else if (typeof segment === 'string' && /^[A-Za-z_$][\w$-]*$/.test(segment)) out += out === '' ? segment : `.${segment}`
    else out += `[${typeof segment === 'string' ? quote(segment) : String(segment)}]`
  }
  return out
}

/** The received value with its type, for type mismatches: `string "5"`, `number 5`, `array`, `nothing`. */
export function describeReceived(value: unknown): string {
  if (value === undefined) return 'nothing'
  const scalar = typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean'
  return scalar ? `${typeof value} ${describeValue(value)}` : kindOf(value)
}

/** `base`: where `schema` sits in the config; the issue's own path is relative to it. */
function convert(issue: Issue, base: readonly PropertyKey[], schema: Schema): Problem[] {
  const segments = [...base, ...issue.path]
  const path = formatPath(segments)
  const one = (code: string, message: string): Problem[] => [{ path, code, message }]
  const ours = issue.message.startsWith('expected ') ? issue.message : undefined

  switch (issue.code) {
    case 'invalid_type': {
      const expected = ours ?? `expected ${typeName(issue.expected)}`
      if (issue.input === undefined) return one('required', `required, ${expected}`)
      const listOfText = schemasAt(schema, issue.path).some((s) => s instanceof z.ZodArray && unwrap(s.element) instanceof z.ZodString)
      const hint = ours === undefined ? typeHint(issue.expected, issue.input, listOfText) : ''
      return one('invalid_type', `${expected}, received ${describeReceived(issue.input)}${hint}`)
    }
    case 'invalid_value': {
      const expected = `expected ${joinOr(issue.values.map((value) => describeValue(value)))}`
      if (issue.input === undefined) return one('required', `required, ${expected}`)
      const suggestion = didYouMean(issue.input, issue.values)
      return one('invalid_value', `${expected}, received ${describeValue(issue.input)}${suggestion}`)
    }
    case 'invalid_format':
      return one('invalid_format', `${ours ?? `expected a valid ${issue.format}`}, received ${describeValue(issue.input)}`)
    case 'too_small':
    case 'too_big':
      return one(issue.code, `${ours ?? boundText(issue)}, received ${describeSize(issue.input)}`)
    case 'unrecognized_keys': {
      const known = keysAt(schema, issue.path)
      return issue.keys.map((key) => ({ path: formatPath([...segments, key]), code: 'unknown_key', message: unknownKey(key, known) }))
    }
    case 'invalid_key': {
      // The key's own issues have an empty path, so they are worded like any value's: "expected …, received …".
      const detail = issue.issues.flatMap((nested) => convert(nested, [], schema))[0]?.message
      return one('invalid_key', `invalid key, ${detail ?? `received ${describeValue(issue.input)}`}`)
    }
    case 'invalid_union':
      return unionProblems(issue, segments, schemasAt(schema, issue.path)[0])
    default:
      // Issue kinds this schema does not produce today (custom refinements, sets, maps): keep zod's own words.
      return one(issue.code, `${issue.message}, received ${describeValue(issue.input)}`)
  }
}

/**
 * One message for a value that fits no form of a union. When the value did take one form (an object where an
 * object is allowed) and failed inside it, that branch's own problems are far more precise, so report those.
 */
function unionProblems(issue: z.core.$ZodIssueInvalidUnion, segments: PropertyKey[], union: Schema | undefined): Problem[] {
  const options = union instanceof z.ZodUnion ? union.options : []
  // A branch whose value had the wrong outer type fails at its own root; the others got further.
  const entered = issue.errors
    .map((errors, index) => ({ errors, option: options[index] }))
    .filter(({ errors }) => errors.length > 0 && !errors.some((e) => e.path.length === 0 && e.code !== 'unrecognized_keys'))
  const fewest = Math.min(...entered.map(({ errors }) => errors.length))
  const best = entered.filter(({ errors }) => errors.length === fewest)
  if (best.length === 1 && best[0]?.option !== undefined) {
    const { errors, option } = best[0]
    return errors.flatMap((nested) => convert(nested, segments, option))
  }

  const rootIssues = issue.errors.flat().filter((nested) => nested.path.length === 0)
  const key = segments.at(-1)
  // A union of the schema that says what it expects itself (`{ error: 'expected …' }`) is taken at its word.
  const ours = issue.message.startsWith('expected ') ? issue.message.slice('expected '.length) : undefined
  const forms = ours ?? (typeof key === 'string' ? UNION_EXPECTED[key] : undefined) ?? joinOr(rootIssues.flatMap(branchForms))
  const path = formatPath(segments)
  if (issue.input === undefined) return [{ path, code: 'required', message: `required, expected ${forms}` }]
  if (ours !== undefined && rootIssues.every((nested) => nested.code === 'invalid_type')) {
    // A value of the wrong type (8080 where a string or an object goes): say so, and how to write it where quoting
    // it would make a value the union takes.
    const quoted = typeof issue.input === 'number' || typeof issue.input === 'boolean' ? String(issue.input) : undefined
    const fixable = quoted !== undefined && options.some((option: Schema) => z.safeParse(option, quoted).success)
    const hint = fixable ? typeHint('string', issue.input, false) : ''
    return [{ path, code: 'invalid_type', message: `expected ${forms}, received ${describeReceived(issue.input)}${hint}` }]
  }
  const literals = rootIssues.flatMap((nested) => (nested.code === 'invalid_value' ? nested.values : []))
  const message = `expected ${forms}, received ${describeValue(issue.input)}${didYouMean(issue.input, literals)}`
  return [{ path, code: 'invalid_value', message }]
}

function branchForms(issue: Issue): string[] {
  if (issue.code === 'invalid_value') return issue.values.map((value) => describeValue(value))
  if (issue.code === 'invalid_type') return [typeName(issue.expected)]
  return []
}

function unknownKey(key: string, known: readonly string[]): string {
  const close = closest(key, known)
  if (close !== undefined) return `unknown key ${quote(key)} — did you mean "${close}"?`
  if (known.length > 0) return `unknown key ${quote(key)} — allowed keys: ${known.join(', ')}`
  return `unknown key ${quote(key)} — remove it`
}

/** Every schema that can sit at `path` below `schema`; a union on the way fans out into its options. */
function schemasAt(schema: Schema, path: readonly PropertyKey[]): Schema[] {
  const current = unwrap(schema)
  const [head, ...rest] = path
  if (head === undefined) return [current]
  if (current instanceof z.ZodUnion) return current.options.flatMap((option: Schema) => schemasAt(option, path))
  if (current instanceof z.ZodObject) {
    const shape: Record<string, Schema> = current.shape
    const child = typeof head === 'string' && Object.hasOwn(shape, head) ? shape[head] : undefined
    return child === undefined ? [] : schemasAt(child, rest)
  }
  if (current instanceof z.ZodArray) return schemasAt(current.element, rest)
  if (current instanceof z.ZodRecord) return schemasAt(current.valueType, rest)
  return []
}

/** The keys an object at `path` may have (those of every object form, when a union sits there). */
function keysAt(schema: Schema, path: readonly PropertyKey[]): string[] {
  const found = schemasAt(schema, path).flatMap((s) => (s instanceof z.ZodUnion ? s.options.map(unwrap) : [s]))
  return [...new Set(found.flatMap((s) => (s instanceof z.ZodObject ? Object.keys(s.shape) : [])))]
}

/** Optional and default wrappers do not change which keys or elements a value may have. */
function unwrap(schema: Schema): Schema {
  let current = schema
  while (current instanceof z.ZodOptional || current instanceof z.ZodDefault) current = current.unwrap()
  return current
}

/** What to write instead, for the mix-ups of YAML and JSON users: quoted numbers, a bare item for a list. */
function typeHint(expected: string, input: unknown, listOfText: boolean): string {
  if (typeof input === 'string') {
    const bare = input.trim()
    if ((expected === 'number' || expected === 'int') && bare !== '' && Number.isFinite(Number(bare))) {
      return ` — write ${bare} without quotes`
    }
    if (expected === 'boolean' && (bare === 'true' || bare === 'false')) return ` — write ${bare} without quotes`
    if (expected === 'array' && listOfText) return ` — write a list: [${quote(input)}]`
  }
  if (expected === 'string' && (typeof input === 'number' || typeof input === 'boolean')) {
    return ` — write it in quotes: "${String(input)}"`
  }
  return ''
}

function boundText(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  const small = issue.code === 'too_small'
  const limit = Number(small ? issue.minimum : issue.maximum)
  const inclusive = issue.inclusive !== false
  if (issue.origin === 'string' && small && limit === 1) return 'expected a non-empty string'
  if (issue.origin === 'string' || issue.origin === 'array') {
    const unit = issue.origin === 'string' ? 'character' : 'item'
    return `expected ${small ? 'at least' : 'at most'} ${limit} ${unit}${limit === 1 ? '' : 's'}`
  }
  if (inclusive) return `expected ${limit} or ${small ? 'more' : 'less'}`
  return `expected ${small ? 'more' : 'less'} than ${limit}`
}

/** Sizes for bound messages: a list shows its length, everything else its value. */
function describeSize(input: unknown): string {
  if (Array.isArray(input) && input.length > 0) return `${input.length} item${input.length === 1 ? '' : 's'}`
  return describeValue(input)
}

/** A value as a reader would write it: JSON for short values, a type name for anything bigger. */
function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return quote(value)
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value)
    case 'bigint':
      return `${value}n`
    case 'boolean':
      return String(value)
    case 'undefined':
      return 'nothing'
    default:
      if (Array.isArray(value) && value.length === 0) return '[]'
      return kindOf(value)
  }
}

function kindOf(value: unknown): string {
  if (value === null) return 'null'
  return Array.isArray(value) ? 'array' : typeof value
}

function typeName(expected: string): string {
  if (expected === 'int') return 'a whole number'
  return expected === 'record' ? 'object' : expected
}

function quote(text: string): string {
  const chars = Array.from(JSON.stringify(text))
  return chars.length <= MAX_QUOTED ? chars.join('') : `${chars.slice(0, MAX_QUOTED - 2).join('')}…"`
}

function joinOr(items: readonly string[]): string {
  const unique = [...new Set(items)]
  return unique.length <= 1 ? (unique[0] ?? 'a valid value') : `${unique.slice(0, -1).join(', ')} or ${unique.at(-1)}`
}

function didYouMean(input: unknown, candidates: readonly unknown[]): string {
  if (typeof input !== 'string') return ''
  const close = closest(input, candidates.filter((c): c is string => typeof c === 'string'))
  return close === undefined ? '' : ` — did you mean "${close}"?`
}

/** The candidate nearest to `word`, if a typo could explain the difference (about one edit per three letters). */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined
  for (const candidate of candidates) {
    const allowed = Math.max(1, Math.floor(candidate.length / 3))
    // The length gap alone rules a candidate out, and keeps a very long key from costing a full comparison.
    if (Math.abs(word.length - candidate.length) > allowed) continue
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase())
    if (distance <= allowed && (best === undefined || distance < best.distance)) best = { candidate, distance }
  }
  return best?.candidate
}

/** Levenshtein distance where swapping two neighbouring letters counts as one edit ("verison" → "version"). */
function editDistance(a: string, b: string): number {
  // d[i][j]: the edits that turn the first i letters of a into the first j letters of b.
  const d: number[][] = []
  const at = (i: number, j: number): number => d[i]?.[j] ?? Infinity
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = []
    d.push(row)
    for (let j = 0; j <= b.length; j++) {
      if (i === 0 || j === 0) {
        row.push(i + j)
        continue
      }
      const swapped = i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]
      row.push(
        Math.min(
          at(i - 1, j) + 1,
          at(i, j - 1) + 1,
          at(i - 1, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1),
          swapped ? at(i - 2, j - 2) + 1 : Infinity,
        ),
      )
    }
  }
  return at(a.length, b.length)
}
