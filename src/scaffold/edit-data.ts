/**
 * Appends entries to lists of a JSON or YAML config (or the "sparkbaas" key of package.json) as data, then writes
 * the whole file again. That only keeps every other byte when the file is already laid out exactly as it would be
 * written, so each editor first writes the file unchanged and compares: a file laid out any other way is refused
 * (and `function new` prints the entries to add instead) rather than reformatted.
 *
 * - JSON: `JSON.stringify` with the file's own indentation (two spaces, four, a tab, or none), as npm writes
 *   package.json. Anything it would write differently (keys on one line, `1.0`, a duplicate key) is refused.
 * - YAML: the yaml package's Document API, which keeps comments, blank lines, quoting and flow/block styles.
 */
import { parseDocument, isSeq, type Document } from 'yaml'
import { EditRefused, type ListAdditions } from './edit-refused.js'

/** `text` with `additions` appended, under `under` (["sparkbaas"] for package.json) when given. */
export function editJson(text: string, additions: ListAdditions, under: readonly string[] = []): string {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new EditRefused(`it could not be parsed (${error instanceof Error ? error.message : String(error)})`)
  }
  const indent = /^\{\r?\n([ \t]+)"/.exec(text)?.[1] ?? ''
  const end = /\r?\n$/.exec(text)?.[0] ?? ''
  const write = (data: unknown) => {
    const json = JSON.stringify(data, null, indent)
    return `${end === '\r\n' ? json.replaceAll('\n', '\r\n') : json}${end}`
  }
  if (write(value) !== text) throw new EditRefused('its layout is not the one JSON.stringify writes, so writing it again would reformat the whole file')
  let target = value as Record<string, unknown>
  for (const key of under) target = target[key] as Record<string, unknown>
  for (const [key, values] of Object.entries(additions)) {
    if (values.length === 0) continue
    const list = target[key] ?? []
    if (!Array.isArray(list)) throw new EditRefused(`\`${key}\` is not a list`)
    target[key] = [...(list as unknown[]), ...values]
  }
  return write(value)
}

export function editYaml(text: string, additions: ListAdditions): string {
  const doc = parseDocument(text)
  if (doc.errors.length > 0) throw new EditRefused(`it could not be parsed (${doc.errors[0]!.message.split('\n')[0]})`)
  if (doc.warnings.length > 0) throw new EditRefused(`the yaml package warns about it (${doc.warnings[0]!.message.split('\n')[0]})`)
  const options = LAYOUTS.find((layout) => toText(doc, layout) === text)
  if (options === undefined) throw new EditRefused('the yaml package would lay it out differently, so writing it again would reformat more than the new entries')
  for (const [key, values] of Object.entries(additions)) {
    if (values.length === 0) continue
    const list = doc.get(key, true)
    if (list === undefined || list === null) doc.set(key, doc.createNode(values))
    else if (isSeq(list)) for (const value of values) list.add(doc.createNode(value))
    else throw new EditRefused(`\`${key}\` is not a list`)
  }
  return toText(doc, options)
}

/** The yaml package's two choices that files commonly differ on: `- ` indented under its key, and `[ a ]` vs `[a]`. */
const LAYOUTS = [true, false].flatMap((indentSeq) => [true, false].map((flowCollectionPadding) => ({ indentSeq, flowCollectionPadding })))

function toText(doc: Document, options: (typeof LAYOUTS)[number]): string {
  return doc.toString({ ...options, lineWidth: 0 })
}
