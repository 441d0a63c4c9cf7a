/**
 * Appends entries to lists of a TypeScript or JavaScript config (`export default defineConfig({ … })` or
 * `export default { … }`), changing nothing else in the file: Babel's parser finds where each list ends, and the new
 * entries are inserted there as text, one line each in the file's own indentation, quotes and trailing-comma style.
 *
 * Why not reprint the tree (magicast, recast): recast reprints a list it changed as a whole, and on the starter
 * config of `init` that moved the comments above each route onto the route before it. Inserting at positions the
 * parser gave keeps every other byte; edit-config.ts then loads the result to prove it means what was intended.
 *
 * Loaded only by `function new` (through edit-config.ts), so no other command loads the parser.
 */
import { createRequire } from 'node:module'
import type { ParserPlugin } from '@babel/parser'
import type { ArrayExpression, Expression, Node, ObjectExpression, ObjectProperty, SpreadElement } from '@babel/types'
import { EditRefused, type ListAdditions } from './edit-refused.js'

const require = createRequire(import.meta.url)

/** Required, not imported: @babel/parser is CommonJS, and Node would scan its 530 kB for export names. */
const parser = () => require('@babel/parser') as typeof import('@babel/parser')

interface Insertion {
  readonly at: number
  readonly text: string
}

/** `text` with `additions` appended to the config object's lists; throws {@link EditRefused} when it cannot. */
export function editTs(text: string, additions: ListAdditions, options: { typescript: boolean }): string {
  const config = configObject(parse(text, options.typescript))
  const style = styleOf(text, config)
  const insertions: Insertion[] = []
  const newKeys: string[] = []
  for (const [key, values] of Object.entries(additions)) {
    if (values.length === 0) continue
    const property = propertyOf(config, key)
    if (property === undefined) {
      newKeys.push(key)
      continue
    }
    const list = unwrap(property.value as Expression)
    if (list.type !== 'ArrayExpression') throw new EditRefused(`\`${key}\` is not a list written out in the file (it is ${describe(list)})`)
    if (list.elements.some((element) => element === null)) throw new EditRefused(`\`${key}\` has an empty slot (\`[a, , b]\`)`)
    insertions.push(...append(text, list, list.elements as Node[], values.map((value) => () => literal(value, style.quote)), style))
  }
  if (newKeys.length > 0) {
    const items = newKeys.map((key): Item => (layout) => listProperty(key, additions[key]!, style, layout))
    insertions.push(...append(text, config, config.properties, items, style))
  }
  // From the end backwards, so each position still points into the original text.
  insertions.sort((a, b) => b.at - a.at)
  let result = text
  for (const { at, text: inserted } of insertions) result = result.slice(0, at) + inserted + result.slice(at)
  return result
}

function parse(text: string, typescript: boolean) {
  const plugins: ParserPlugin[] = typescript ? ['typescript'] : []
  try {
    return parser().parse(text, { sourceType: 'module', plugins })
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    throw new EditRefused(`it could not be parsed (${message})`)
  }
}

/** The object literal the default export holds, directly or as the one argument of `defineConfig`. */
function configObject(file: ReturnType<typeof parse>): ObjectExpression {
  const exported = file.program.body.find((statement) => statement.type === 'ExportDefaultDeclaration')
  if (exported === undefined) throw new EditRefused('it has no `export default`')
  let value = unwrap(exported.declaration as Expression)
  if (value.type === 'CallExpression' && value.callee.type === 'Identifier' && value.callee.name === 'defineConfig' && value.arguments.length === 1) {
    value = unwrap(value.arguments[0] as Expression)
  }
  if (value.type !== 'ObjectExpression') {
    throw new EditRefused(`its default export is ${describe(value)}, not \`defineConfig({ … })\` or an object literal`)
  }
  for (const property of value.properties) {
    if (property.type === 'SpreadElement') throw new EditRefused('the config object spreads another object into it (`...`)')
    if (property.computed) throw new EditRefused('the config object has a computed key (`[…]: …`)')
  }
  return value
}

/** Looks through `( … )`, `as …`, `satisfies …` and `!`, which do not change the value. */
function unwrap(node: Expression): Expression {
  let value = node
  while (value.type === 'TSAsExpression' || value.type === 'TSSatisfiesExpression' || value.type === 'TSNonNullExpression' || value.type === 'ParenthesizedExpression') {
    value = value.expression
  }
  return value
}

function describe(node: Node): string {
  switch (node.type) {
    case 'Identifier':
      return `a variable (${node.name})`
    case 'CallExpression':
      return 'a function call'
    case 'ArrowFunctionExpression':
    case 'FunctionExpression':
      return 'a function'
    case 'ArrayExpression':
      return 'a list'
    case 'ObjectExpression':
      return 'an object'
    default:
      return node.type.endsWith('Literal') ? 'a single value' : `a ${node.type}`
  }
}

function propertyOf(config: ObjectExpression, key: string): ObjectProperty | undefined {
  const matches = config.properties.filter((property): property is Exclude<typeof property, SpreadElement> => {
    if (property.type === 'SpreadElement') return false
    const k = property.key
    return (k.type === 'Identifier' && k.name === key) || (k.type === 'StringLiteral' && k.value === key)
  })
  if (matches.length > 1) throw new EditRefused(`the config object has \`${key}\` twice`)
  const [match] = matches
  if (match === undefined) return undefined
  if (match.type !== 'ObjectProperty') throw new EditRefused(`\`${key}\` is a method or accessor, not a list`)
  if (match.shorthand) throw new EditRefused(`\`${key}\` is a variable (${key}), not a list written out in the file`)
  return match
}

interface Style {
  readonly quote: "'" | '"'
  readonly eol: string
}

/** The quote of the config's first string literal (`'` when it has none), and the file's line ending. */
function styleOf(text: string, config: ObjectExpression): Style {
  const raw = (firstString(config)?.extra as { raw?: string } | undefined)?.raw
  return { quote: raw?.startsWith('"') ? '"' : "'", eol: text.includes('\r\n') ? '\r\n' : '\n' }
}

function firstString(node: Node): Node | undefined {
  if (node.type === 'StringLiteral') return node
  for (const [key, value] of Object.entries(node)) {
    if (key === 'loc' || key === 'extra' || key.endsWith('Comments')) continue
    for (const child of Array.isArray(value) ? value : [value]) {
      if (typeof child !== 'object' || child === null || typeof (child as Node).type !== 'string') continue
      const found = firstString(child as Node)
      if (found !== undefined) return found
    }
  }
  return undefined
}

/** A plain value as a one-line literal: `{ name: 'x', to: { function: 'x' } }`; strings escaped for `quote`. */
export function literal(value: unknown, quote: "'" | '"'): string {
  if (typeof value === 'string') {
    const escaped = JSON.stringify(value).slice(1, -1)
    return quote === '"' ? `"${escaped}"` : `'${escaped.replaceAll('\\"', '"').replaceAll("'", "\\'")}'`
  }
  if (Array.isArray(value)) return `[${value.map((item) => literal(item, quote)).join(', ')}]`
  if (typeof value === 'object' && value !== null) {
    const fields = Object.entries(value).map(([k, v]) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : literal(k, quote)}: ${literal(v, quote)}`)
    return fields.length === 0 ? '{}' : `{ ${fields.join(', ')} }`
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  throw new Error(`internal: cannot write ${typeof value} into a config`)
}

/** `key: [ … ]`, its entries on lines of their own in a multi-line object. */
function listProperty(key: string, values: readonly unknown[], style: Style, layout: Layout): string {
  const items = values.map((value) => literal(value, style.quote))
  if (layout.indent === undefined) return `${key}: [${items.join(', ')}]`
  const inner = layout.indent + layout.unit
  const lines = items.map((item, i) => `${style.eol}${inner}${item}${i < items.length - 1 ? ',' : layout.comma}`)
  return `${key}: [${lines.join('')}${style.eol}${layout.indent}]`
}

/** Where a new entry goes: its indentation (none on a one-line list), one more level, and the trailing comma. */
interface Layout {
  readonly indent: string | undefined
  readonly unit: string
  readonly comma: string
}

type Item = (layout: Layout) => string

/**
 * Insertions that append `items` to the list or object `node` whose current entries are `entries`. On one line
 * (`[a, b]`) they go before the closing bracket; over several lines each goes on its own line before the line of
 * the closing bracket, indented like the last entry, with a comma added after that entry if it had none. Comments
 * between the last entry and the bracket stay where they are.
 */
function append(text: string, node: ArrayExpression | ObjectExpression, entries: readonly Node[], items: readonly Item[], style: Style): Insertion[] {
  const close = (node.end ?? 0) - 1
  const trailingComma = (node.extra as { trailingComma?: number } | undefined)?.trailingComma
  const last = entries.at(-1)
  const closeLineStart = text.lastIndexOf('\n', close - 1) + 1
  const multiline = closeLineStart > (node.start ?? 0)
  if (!multiline) {
    const texts = items.map((item) => item({ indent: undefined, unit: '', comma: '' }))
    if (last === undefined) {
      const inside = text.slice((node.start ?? 0) + 1, close)
      const pad = node.type === 'ObjectExpression' && inside.trim() === '' ? ' ' : ''
      return [{ at: close, text: `${pad}${texts.join(', ')}${pad}` }]
    }
    if (trailingComma !== undefined) return [{ at: trailingComma + 1, text: ` ${texts.join(', ')},` }]
    return [{ at: last.end ?? 0, text: `, ${texts.join(', ')}` }]
  }
  const closeIndent = leadingSpace(text, closeLineStart)
  const lastIndent = last === undefined ? undefined : indentIfLineStart(text, last.start ?? 0)
  const unit = lastIndent !== undefined && lastIndent.startsWith(closeIndent) && lastIndent.length > closeIndent.length ? lastIndent.slice(closeIndent.length) : closeIndent.startsWith('\t') ? '\t' : '  '
  const indent = lastIndent ?? closeIndent + unit
  // A comma after each new entry when the list ends with one, or when it was empty (the common style today).
  const comma = trailingComma !== undefined || last === undefined ? ',' : ''
  const lines = items.map((item, i) => `${indent}${item({ indent, unit, comma })}${i < items.length - 1 ? ',' : comma}`)
  const added = trailingComma === undefined && last !== undefined ? ',' : ''
  if (text.slice(closeLineStart, close).trim() !== '') {
    // The bracket shares its line with the last entry (`  b }]`): the new entries go right after that entry.
    const at = trailingComma !== undefined ? trailingComma + 1 : (last?.end ?? close)
    return [{ at, text: added + lines.map((line) => `${style.eol}${line}`).join('') }]
  }
  const insertions: Insertion[] = [{ at: closeLineStart, text: lines.map((line) => `${line}${style.eol}`).join('') }]
  if (added !== '') insertions.push({ at: last?.end ?? 0, text: added })
  return insertions
}

function leadingSpace(text: string, lineStart: number): string {
  return /^[ \t]*/.exec(text.slice(lineStart))?.[0] ?? ''
}

/** The indentation before `position` when only spaces and tabs precede it on its line. */
function indentIfLineStart(text: string, position: number): string | undefined {
  const lineStart = text.lastIndexOf('\n', position - 1) + 1
  const before = text.slice(lineStart, position)
  return /^[ \t]*$/.test(before) ? before : undefined
}
