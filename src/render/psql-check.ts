/**
 * A sanity check of a psql script without a server: the rendered init SQL is lexed the way psql reads it
 * (strings, quoted identifiers, dollar quotes, nested comments, `:var` interpolation, backslash commands) and
 * every problem that would make psql stop or silently do something else is reported with its line:
 * an unterminated quote or comment, a meta-command inside an unfinished statement (psql would run it first and
 * glue the statement's halves together), a meta-command psql does not know, a `:'var'` used before any
 * `\getenv`/`\set`/`\gset` defines it (psql would send it verbatim), unbalanced `\if`/`\endif`, a final statement
 * without `;`.
 */

/** Backslash commands a generated or user-overridden init script may reasonably use. */
const KNOWN_META = new Set([
  'a', 'c', 'connect', 'echo', 'elif', 'else', 'encoding', 'endif', 'g', 'gexec', 'getenv', 'gset', 'i', 'if',
  'include', 'include_relative', 'ir', 'pset', 'qecho', 'set', 'setenv', 'timing', 'unset', 'warn', 'x',
])
/** Meta-commands that send the statement typed before them (on the same line or the one below). */
const SENDS_BUFFER = new Set(['g', 'gexec', 'gset'])
const PSQL_VAR = /^[A-Za-z_][A-Za-z0-9_]*$/
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/
const IDENT_CHAR = /[A-Za-z0-9_$]/

export function checkPsqlScript(text: string): string[] {
  const problems: string[] = []
  const defined = new Set<string>()
  const openIfs: number[] = []
  /** The statement read since the last `;` or sending meta-command (quotes included, comments left out). */
  let buffer = ''
  let line = 1
  /** Only whitespace (or nothing) since the start of the current line. */
  let lineStart = true
  let i = 0

  const problem = (at: number, message: string) => problems.push(`line ${at}: ${message}`)
  /** Index of the end of a quoted run starting at `from` (just past the opening quote), or -1. */
  const closeQuote = (quote: string, from: number, backslashEscapes: boolean): number => {
    for (let j = from; j < text.length; j++) {
      const c = text[j]
      if (backslashEscapes && c === '\\') j++
      else if (c === quote) {
        if (text[j + 1] === quote) j++
        else return j
      }
    }
    return -1
  }
  const linesIn = (s: string) => s.split('\n').length - 1
  const useVar = (at: number, name: string, form: string) => {
    if (!defined.has(name)) problem(at, `psql variable ${form} is used before \\getenv, \\set or \\gset defines it`)
  }

  while (i < text.length) {
    const ch = text[i]!
    const next = text[i + 1]
    if (ch === '\n') {
      line++
      lineStart = true
      buffer += ch
      i++
      continue
    }
    if (ch === ' ' || ch === '\t' || ch === '\r') {
      buffer += ch
      i++
      continue
    }
    if (ch === '-' && next === '-') {
      const end = text.indexOf('\n', i)
      i = end === -1 ? text.length : end
      continue
    }
    if (ch === '/' && next === '*') {
      // Postgres block comments nest.
      let depth = 0
      let j = i
      for (; j < text.length; j++) {
        if (text[j] === '/' && text[j + 1] === '*') (depth++, j++)
        else if (text[j] === '*' && text[j + 1] === '/') {
          depth--
          j++
          if (depth === 0) break
        }
      }
      if (depth !== 0) {
        problem(line, 'unterminated /* comment')
        break
      }
      line += linesIn(text.slice(i, j + 1))
      lineStart = false
      i = j + 1
      continue
    }
    if (ch === "'" || ch === '"') {
      const prev = buffer.at(-1) ?? ''
      const escapeString = ch === "'" && /[Ee]/.test(prev) && !IDENT_CHAR.test(buffer.at(-2) ?? '')
      const end = closeQuote(ch, i + 1, escapeString)
      if (end === -1) {
        problem(line, ch === "'" ? 'unterminated string literal' : 'unterminated quoted identifier')
        break
      }
      if (ch === '"' && end === i + 1) problem(line, 'zero-length quoted identifier ""')
      const quoted = text.slice(i, end + 1)
      buffer += quoted
      line += linesIn(quoted)
      lineStart = false
      i = end + 1
      continue
    }
    if (ch === '$' && !IDENT_CHAR.test(buffer.at(-1) ?? ' ')) {
      const tag = /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(i))?.[0]
      if (tag) {
        const end = text.indexOf(tag, i + tag.length)
        if (end === -1) {
          problem(line, `unterminated dollar-quoted string ${tag}`)
          break
        }
        const quoted = text.slice(i, end + tag.length)
        buffer += quoted
        line += linesIn(quoted)
        lineStart = false
        i = end + tag.length
        continue
      }
    }
    if (ch === ':') {
      if (next === ':') {
        buffer += '::'
        lineStart = false
        i += 2
        continue
      }
      const ref = /^:(?:'([A-Za-z0-9_]+)'|"([A-Za-z0-9_]+)")/.exec(text.slice(i))
      if (ref) {
        useVar(line, (ref[1] ?? ref[2])!, ref[0])
        buffer += ref[0]
        lineStart = false
        i += ref[0].length
        continue
      }
    }
    if (ch === '\\') {
      const end = text.indexOf('\n', i)
      const command = text.slice(i, end === -1 ? text.length : end)
      const name = /^\\([A-Za-z_]+)/.exec(command)?.[1] ?? ''
      const args = command.slice(name.length + 1).trim()
      const pending = buffer.trim() !== ''
      if (!KNOWN_META.has(name)) problem(line, `unknown psql meta-command ${JSON.stringify(command.slice(0, 20))}`)
      if (SENDS_BUFFER.has(name)) {
        if (!pending) problem(line, `\\${name} has no statement before it to send`)
        if (name === 'gset') {
          const prefix = args.split(/\s+/)[0] ?? ''
          for (const m of buffer.matchAll(/\bAS\s+([A-Za-z_][A-Za-z0-9_]*)/gi)) defined.add(prefix + m[1]!)
        }
        if (name === 'gexec' && args !== '') problem(line, '\\gexec takes no arguments')
        buffer = ''
      } else {
        if (!lineStart) problem(line, `meta-command \\${name} must start its own line`)
        else if (pending) problem(line, `meta-command \\${name} inside an unfinished statement (missing ";" before it?)`)
        checkMetaArgs(name, args, line)
      }
      i = end === -1 ? text.length : end
      continue
    }
    if (ch === ';') buffer = ''
    else buffer += ch
    lineStart = false
    i++
  }

  if (buffer.trim() !== '') problem(line, 'the last statement does not end with ";" (psql would never send it)')
  for (const at of openIfs) problem(at, '\\if without a matching \\endif')
  return problems

  function checkMetaArgs(name: string, args: string, at: number) {
    // psql reads single-quoted meta-command arguments with '' for a quote; an odd count means one is open.
    if ((args.replaceAll("''", '').match(/'/g)?.length ?? 0) % 2 !== 0) problem(at, `unbalanced quote in \\${name} ${args}`)
    for (const m of args.matchAll(/:(?:'([A-Za-z0-9_]+)'|"([A-Za-z0-9_]+)"|([A-Za-z_][A-Za-z0-9_]*))/g)) {
      useVar(at, (m[1] ?? m[2] ?? m[3])!, m[0])
    }
    const words = args.split(/\s+/).filter(Boolean)
    switch (name) {
      case 'getenv':
        if (words.length !== 2 || !PSQL_VAR.test(words[0]!) || !ENV_KEY.test(words[1]!)) {
          problem(at, `\\getenv takes a psql variable and an environment variable name, got "${args}"`)
        } else defined.add(words[0]!)
        break
      case 'set':
        if (words[0] !== undefined) defined.add(words[0])
        break
      case 'unset':
        if (words[0] !== undefined) defined.delete(words[0])
        break
      case 'if':
        if (words.length === 0) problem(at, '\\if without a condition')
        openIfs.push(at)
        break
      case 'elif':
      case 'else':
        if (openIfs.length === 0) problem(at, `\\${name} without \\if`)
        break
      case 'endif':
        if (openIfs.pop() === undefined) problem(at, '\\endif without \\if')
        break
      case 'c':
      case 'connect':
        if (words.length === 0) problem(at, `\\${name} without a database`)
        break
    }
  }
}
