/**
 * The `.env` syntax as docker compose reads it (compose-go's `dotenv` package, v2): what we need to read back the
 * keys and values of a file we wrote and the edits users commonly make, and the one way we write an entry.
 *
 * Why not the `dotenv` npm package: its `parse` ends an unquoted value at any `#` (compose only at ` #`), reads
 * backtick quotes, does not interpolate `$$` / `${VAR}` and keeps other backslash escapes differently — close, but
 * a value could read differently from what compose hands the containers.
 *
 * Read rules (compose-go `dotenv/parser.go`): blank lines and lines starting with `#` are skipped; an optional
 * `export ` prefix is dropped; a key ends at `=` or `:`; a key alone on its line is inherited from the shell.
 * Unquoted values run to the end of the line, lose a ` #…` comment and trailing blanks, and are interpolated.
 * Single-quoted values are literal. Double-quoted values may span lines, know the escapes `\n \r \t \\ \" \$ …`,
 * and are interpolated. Interpolation: `$$` is a `$`; `$VAR` and `${VAR}` (with `:-`, `-`, `:?`, `?`, `:+`, `+`)
 * read keys defined earlier in the same file — compose would also read the shell, which a pure parser cannot.
 */
import { envValue } from '../render/escape.js'

export interface DotenvEntry {
  readonly key: string
  /** The value compose would use; `undefined` for a key inherited from the shell (`KEY` alone on its line). */
  readonly value: string | undefined
  /** 1-based line the statement starts on. */
  readonly line: number
}

export class DotenvSyntaxError extends Error {
  override readonly name = 'DotenvSyntaxError'
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`)
  }
}

/** compose-go's `isSpace`: blanks that are not a line break. */
const isBlank = (ch: string): boolean => /^[\t\v\f\r \u0085\u00a0]$/.test(ch)
/** Go's `unicode.IsSpace` (JS `\s` also counts U+FEFF, Go does not). */
const TRAILING_SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/
const NON_SPACE = /\S/gu
const EXPORT = /export[\t ]+/y
const isKeyChar = (ch: string): boolean => /^[\p{L}\p{N}_.\-[\]]$/u.test(ch)

/** Every statement of a `.env` text, in file order (a later duplicate is what compose keeps). */
export function parseDotenv(text: string): DotenvEntry[] {
  const entries: DotenvEntry[] = []
  const known = new Map<string, string>()
  let pos = 0
  let line = 1
  const advanceTo = (to: number) => {
    for (let i = pos; i < to; i++) if (text[i] === '\n') line++
    pos = to
  }

  for (;;) {
    // Skip whitespace (line breaks too) and comment lines.
    NON_SPACE.lastIndex = pos
    const next = NON_SPACE.exec(text)
    if (!next) break
    advanceTo(next.index)
    if (text[pos] === '#') {
      const eol = text.indexOf('\n', pos)
      if (eol === -1) break
      advanceTo(eol)
      continue
    }

    const statementLine = line
    EXPORT.lastIndex = pos
    const exported = EXPORT.exec(text)
    if (exported) advanceTo(pos + exported[0].length)

    // The key: up to `=` or `:`, or the end of the line for an inherited key.
    let end = pos
    let terminator = ''
    for (; end < text.length; end++) {
      const ch = text[end]!
      if (isBlank(ch)) continue
      if (ch === '=' || ch === ':' || ch === '\n') {
        terminator = ch
        break
      }
      if (!isKeyChar(ch)) throw new DotenvSyntaxError(line, `unexpected character ${JSON.stringify(ch)} in a variable name`)
    }
    const key = text.slice(pos, end).replace(/[\t\v\f\r \u0085\u00a0]+$/, '')
    if (key.includes(' ')) throw new DotenvSyntaxError(line, 'a key cannot contain a space')
    if (key === '') throw new DotenvSyntaxError(line, 'a value without a key')
    if (terminator === '' || terminator === '\n') {
      entries.push({ key, value: undefined, line: statementLine })
      advanceTo(end)
      continue
    }
    advanceTo(end + 1)
    while (pos < text.length && isBlank(text[pos]!)) pos++

    let value: string
    const quote = text[pos]
    if (quote === '"' || quote === "'") {
      const quoted = readQuoted(text, pos, quote, line)
      value = quote === "'" ? quoted.raw : interpolate(unescape(quoted.raw), known)
      advanceTo(quoted.next)
    } else {
      const eol = text.indexOf('\n', pos)
      const stop = eol === -1 ? text.length : eol
      let raw = text.slice(pos, stop)
      const comment = raw.indexOf(' #')
      if (comment !== -1) raw = raw.slice(0, comment)
      value = interpolate(raw.replace(TRAILING_SPACE, ''), known)
      advanceTo(stop)
    }
    entries.push({ key, value, line: statementLine })
    known.set(key, value)
  }
  return entries
}

/** A quoted value from its opening quote: an escaped quote loses its backslash, other escapes keep theirs. */
function readQuoted(text: string, open: number, quote: string, line: number): { raw: string; next: number } {
  let raw = ''
  for (let i = open + 1; i < text.length; i++) {
    const ch = text[i]!
    if (ch === '\\' && i + 1 < text.length) {
      const escaped = text[i + 1]!
      raw += escaped === quote ? escaped : `\\${escaped}`
      i++
    } else if (ch === quote) {
      return { raw, next: i + 1 }
    } else {
      raw += ch
    }
  }
  throw new DotenvSyntaxError(line, `unterminated ${quote === '"' ? 'double' : 'single'}-quoted value`)
}

const ESCAPES: Readonly<Record<string, string>> = {
  a: '\u0007', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '"': '"', '\\': '\\',
  // compose turns `\$` into `$$`, which interpolation then reads as a literal `$`.
  $: '$$',
}

/** The escapes compose-go expands inside double quotes; any other backslash stays as it is. */
function unescape(raw: string): string {
  return raw.replace(/\\(?:([abfnrtv$"\\])|0([0-7]{0,3}))/g, (_match, simple: string | undefined, octal: string | undefined) =>
    simple !== undefined ? ESCAPES[simple]! : String.fromCharCode(parseInt(octal || '0', 8)),
  )
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/

/** compose's interpolation, against the keys defined earlier in the file; an unknown variable reads as empty. */
function interpolate(value: string, known: ReadonlyMap<string, string>): string {
  let out = ''
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!
    if (ch !== '$') {
      out += ch
      continue
    }
    const rest = value.slice(i + 1)
    if (rest.startsWith('$')) {
      out += '$'
      i++
      continue
    }
    const bare = NAME.exec(rest)
    if (bare) {
      out += known.get(bare[0]) ?? ''
      i += bare[0].length
      continue
    }
    const braced = /^\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}/.exec(rest)
    if (braced) {
      const [all, name, op, arg = ''] = braced
      const current = known.get(name!)
      const set = op?.startsWith(':') ? current !== undefined && current !== '' : current !== undefined
      if (op?.endsWith('-')) out += set ? current : arg
      else if (op?.endsWith('+')) out += set ? arg : ''
      else out += current ?? ''
      i += all.length
      continue
    }
    out += '$'
  }
  return out
}

/** The last value of each key (compose keeps the last of duplicates); inherited keys map to `undefined`. */
export function dotenvValues(entries: readonly DotenvEntry[]): Map<string, string | undefined> {
  return new Map(entries.map((e) => [e.key, e.value]))
}

/** One entry as we write it: its comment lines, then `KEY=value` with the value escaped for compose. */
export function formatEnvEntry(key: string, comment: string, value: string, eol = '\n'): string {
  const comments = comment === '' ? [] : comment.split(/\r?\n|\r/).map((l) => (l === '' ? '#' : `# ${l}`))
  return [...comments, `${key}=${envValue(value)}`].map((l) => l + eol).join('')
}
