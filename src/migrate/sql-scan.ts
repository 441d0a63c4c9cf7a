/**
 * A light reading of a migration before it runs, to refuse what would break "one migration, one transaction":
 * transaction control of its own (BEGIN, COMMIT, …), statements PostgreSQL refuses inside a transaction block
 * (CREATE INDEX CONCURRENTLY, VACUUM, …) and psql meta-commands that end or move the session (\connect, \quit).
 *
 * It splits statements the way psql does — comments, quoted strings and identifiers, dollar quotes, and the
 * BEGIN … END bodies of `CREATE FUNCTION … BEGIN ATOMIC` (psql's own heuristic, src/bin/psql/psqlscan.l) — and
 * looks only at each statement's first words. It is a guard, not a parser: PostgreSQL still has the last word.
 */

export interface Statement {
  /** The first words, upper-cased (quoted identifiers as `"…"`). */
  readonly words: readonly string[]
  /** 1-based line of its first word. */
  readonly line: number
}

export interface MetaCommand {
  /** Without the backslash: `connect`, `q`, `set`, … */
  readonly name: string
  readonly line: number
}

const WORDS_KEPT = 6
const IDENT_START = /[A-Za-z_\u0080-\uffff]/
const IDENT_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/
const DOLLAR_TAG = /\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y

export function scanSql(text: string): { statements: Statement[]; meta: MetaCommand[] } {
  const statements: Statement[] = []
  const meta: MetaCommand[] = []
  let words: string[] = []
  let start = 0
  let line = 1
  let parens = 0
  let beginDepth = 0
  // psql's heuristic: inside CREATE [OR REPLACE] FUNCTION|PROCEDURE, BEGIN … END (and CASE … END within it) nest.
  const isRoutine = () => words[0] === 'CREATE' && (['FUNCTION', 'PROCEDURE'].includes(words[1]!) || (words[1] === 'OR' && words[2] === 'REPLACE' && ['FUNCTION', 'PROCEDURE'].includes(words[3]!)))
  const end = () => {
    if (words.length > 0) statements.push({ words: words.slice(0, WORDS_KEPT), line: start })
    words = []
    parens = 0
    beginDepth = 0
  }
  const word = (w: string) => {
    if (words.length === 0) start = line
    words.push(w)
    if (!isRoutine() || parens > 0) return
    if (w === 'BEGIN') beginDepth++
    else if (w === 'CASE' && beginDepth > 0) beginDepth++
    else if (w === 'END' && beginDepth > 0) beginDepth--
  }
  /** Moves `i` past `to` (exclusive end), counting the lines it skips. */
  const skipTo = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (text[k] === '\n') line++
    return to
  }

  let i = 0
  while (i < text.length) {
    const c = text[i]!
    const next = text[i + 1]
    if (c === '\n') {
      line++
      i++
    } else if (c === '-' && next === '-') {
      const eol = text.indexOf('\n', i)
      i = eol === -1 ? text.length : eol
    } else if (c === '/' && next === '*') {
      let depth = 1
      let k = i + 2
      while (k < text.length && depth > 0) {
        if (text[k] === '/' && text[k + 1] === '*') (depth++, (k += 2))
        else if (text[k] === '*' && text[k + 1] === '/') (depth--, (k += 2))
        else k++
      }
      i = skipTo(i, k)
    } else if (c === "'" || c === '"') {
      // E'…' strings take backslash escapes; everything else doubles the quote to escape it.
      const escapes = c === "'" && /[eE]/.test(text[i - 1] ?? '') && !IDENT_CHAR.test(text[i - 2] ?? '')
      if (c === '"') word('"…"')
      let k = i + 1
      while (k < text.length) {
        if (escapes && text[k] === '\\') k += 2
        else if (text[k] === c && text[k + 1] === c) k += 2
        else if (text[k] === c) break
        else k++
      }
      i = skipTo(i, Math.min(k + 1, text.length))
    } else if (c === '$' && !IDENT_CHAR.test(text[i - 1] ?? '')) {
      DOLLAR_TAG.lastIndex = i
      const tag = DOLLAR_TAG.exec(text)?.[0]
      if (tag === undefined) {
        i++
        continue
      }
      const close = text.indexOf(tag, i + tag.length)
      i = skipTo(i, close === -1 ? text.length : close + tag.length)
    } else if (c === '\\') {
      // A psql meta-command runs to the end of its line; \g and its kin also send the statement before it.
      const name = /^\\([A-Za-z!?]*)/.exec(text.slice(i, i + 40))?.[1] ?? ''
      if (name === '') {
        // `\;` and `\:` put the character into the statement; `\\` separates meta-commands.
        i += 2
        continue
      }
      meta.push({ name, line })
      if (name.startsWith('g')) end()
      const eol = text.indexOf('\n', i)
      i = eol === -1 ? text.length : eol
    } else if (IDENT_START.test(c)) {
      let k = i + 1
      while (k < text.length && IDENT_CHAR.test(text[k]!)) k++
      // An E'…' prefix belongs to the string that follows, not a word of its own.
      if (!(k === i + 1 && /[eE]/.test(c) && text[k] === "'")) word(text.slice(i, k).toUpperCase())
      i = k
    } else {
      if (c === '(') parens++
      else if (c === ')') parens = Math.max(0, parens - 1)
      else if (c === ';' && parens === 0 && beginDepth === 0) end()
      i++
    }
  }
  end()
  return { statements, meta }
}

export interface ScanProblem {
  readonly line: number
  readonly message: string
}

const TRANSACTION =
  'each migration already runs in one transaction with its tracking row, and transaction control of its own would commit part of it even if a later statement fails — remove it'

/** Why a statement cannot run in the migration's transaction, or undefined when it can. */
function statementProblem(w: readonly string[]): string | undefined {
  const [a, b] = w
  if (a === 'BEGIN' || a === 'COMMIT' || a === 'END' || a === 'ABORT' || (a === 'START' && b === 'TRANSACTION')) return `${a === 'START' ? 'START TRANSACTION' : a}: ${TRANSACTION}`
  if (a === 'ROLLBACK' && b !== 'TO') return `ROLLBACK: ${TRANSACTION}`
  if (a === 'PREPARE' && b === 'TRANSACTION') return `PREPARE TRANSACTION: ${TRANSACTION}`
  const concurrently = (what: string) =>
    `${what} CONCURRENTLY cannot run inside a transaction block, and sparkbaas runs each migration in one — drop CONCURRENTLY (the table is locked against writes while it runs), or run the statement yourself with \`sparkbaas exec postgres -- psql -U postgres -d <database> -c '…'\``
  if (a === 'CREATE' && (b === 'INDEX' || (b === 'UNIQUE' && w[2] === 'INDEX'))) return w.includes('CONCURRENTLY') ? concurrently('CREATE INDEX') : undefined
  if (a === 'DROP' && b === 'INDEX' && w[2] === 'CONCURRENTLY') return concurrently('DROP INDEX')
  if (a === 'REINDEX' && w.includes('CONCURRENTLY')) return concurrently('REINDEX')
  const outside = (what: string) =>
    `${what} cannot run inside a transaction block, and sparkbaas runs each migration in one — run it yourself with \`sparkbaas exec postgres -- psql -U postgres …\``
  if (a === 'VACUUM') return outside('VACUUM')
  if (a === 'ALTER' && b === 'SYSTEM') return outside('ALTER SYSTEM')
  if ((a === 'CREATE' || a === 'DROP') && (b === 'DATABASE' || b === 'TABLESPACE')) return outside(`${a} ${b}`)
  if (a === 'REINDEX' && (b === 'DATABASE' || b === 'SYSTEM')) return outside(`REINDEX ${b}`)
  return undefined
}

const SESSION_META: Readonly<Record<string, string>> = {
  c: '\\connect',
  connect: '\\connect',
  q: '\\quit',
  quit: '\\quit',
}

/** What in `text` would break the migration's single transaction, in file order. */
export function transactionProblems(text: string): ScanProblem[] {
  const { statements, meta } = scanSql(text)
  const problems: ScanProblem[] = []
  for (const s of statements) {
    const message = statementProblem(s.words)
    if (message !== undefined) problems.push({ line: s.line, message })
  }
  for (const m of meta) {
    const name = SESSION_META[m.name]
    if (name === undefined) continue
    problems.push({
      line: m.line,
      message: `${name} ${name === '\\quit' ? 'ends the migration early and commits what ran before it' : 'moves the rest of the migration to another connection, outside its transaction'} — remove it (pick the database with \`migrate up --database NAME\`)`,
    })
  }
  return problems.sort((x, y) => x.line - y.line)
}
