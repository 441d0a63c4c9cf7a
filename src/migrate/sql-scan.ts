/**
 * A light reading of a migration before it runs, to refuse what would break "one migration, one transaction":
 * transaction control of its own (BEGIN, COMMIT, …), statements PostgreSQL refuses inside a transaction block
 * (CREATE INDEX CONCURRENTLY, VACUUM, …), and every psql meta-command (`\connect`, `\quit`, `\gexec`, `\set`, `\!`, …,
 * and `\;`), which acts in psql where no check of the SQL can follow it.
 *
 * It splits statements the way psql does — comments, quoted strings and identifiers, dollar quotes, and the
 * BEGIN … END bodies of `CREATE FUNCTION … BEGIN ATOMIC` (psql's own heuristic, src/fe_utils/psqlscan.l in
 * postgres/postgres) — and finds backslash commands where psql does: only outside those. Where psql's reading could
 * differ from this one (a '…' string with `\'`, which psql lexes as an escape string once a migration turns
 * standard_conforming_strings off; `:sparkbaas_*` pasted unquoted and lexed again), the file is refused too.
 * It looks only at each statement's first words: a guard, not a parser; PostgreSQL still has the last word.
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

/**
 * Upper case as PostgreSQL's keyword lookup folds it: ASCII letters only. JavaScript's toUpperCase would make
 * `begın` (dotless ı) read as BEGIN, a keyword to nobody but this check.
 */
const asciiUpper = (word: string): string => word.replace(/[a-z]+/g, (letters) => letters.toUpperCase())
const IDENT_START = /[A-Za-z_\u0080-\uffff]/
const IDENT_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/
const DOLLAR_TAG = /\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y

export interface ScanResult {
  readonly statements: Statement[]
  /** Meta-commands psql would run, `;` for `\\;`. */
  readonly meta: MetaCommand[]
  /** `:name` references outside quotes, which psql replaces by the variable's value and lexes again. */
  readonly variables: MetaCommand[]
  /** Lines of '…' strings holding a backslash right before a quote: psql lexes those differently when a migration turns standard_conforming_strings off. */
  readonly backslashQuotes: number[]
}

export function scanSql(text: string): ScanResult {
  const statements: Statement[] = []
  const meta: MetaCommand[] = []
  const variables: MetaCommand[] = []
  const backslashQuotes: number[] = []
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
      const at = line
      let k = i + 1
      let flagged = false
      while (k < text.length) {
        if (escapes && text[k] === '\\') k += 2
        else if (text[k] === c && text[k + 1] === c) k += 2
        else if (text[k] === c) break
        else {
          // With standard_conforming_strings off, psqlscan.l lexes '…' as E'…' (backslash escapes): `\\'` would
          // then not end the string, and what psql takes for SQL or for a meta-command after it would differ from
          // this reading. Without a backslash before a quote, both readings end every string at the same place.
          if (c === "'" && !escapes && !flagged && text[k] === '\\' && text[k + 1] === "'") {
            backslashQuotes.push(at)
            flagged = true
          }
          k++
        }
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
      // psqlscan.l (postgres/postgres src/fe_utils/psqlscan.l): outside quotes, comments and dollar quotes, `\\;` and
      // `\\:` put the character into the query buffer; any other backslash ends the SQL lexer's turn and starts a
      // meta-command, whose name psqlscanslash.l reads up to whitespace or the next backslash. Its arguments run to
      // the end of the line (or a `\\\\` separator) and may hold `\`…\`` backquotes that psql runs in a shell.
      if (next === ':') {
        i += 2
        continue
      }
      const name = next === ';' ? ';' : (/^\\([^\s\\]*)/.exec(text.slice(i, i + 80))?.[1] ?? '')
      meta.push({ name, line })
      if (name === ';') {
        i += 2
        continue
      }
      if (name.startsWith('g')) end()
      const eol = text.indexOf('\n', i)
      i = eol === -1 ? text.length : eol
    } else if (c === ':' && next === ':') {
      i += 2
    } else if (c === ':' && next !== undefined && IDENT_START.test(next)) {
      // `:name` outside quotes: psql pastes the variable's value here unquoted and lexes it again (psqlscan.l's
      // {variable} rule pushes it as a new buffer), so a value holding a backslash would be read as a meta-command.
      let k = i + 2
      while (k < text.length && /[A-Za-z0-9_\u0080-\uffff]/.test(text[k]!)) k++
      variables.push({ name: text.slice(i + 1, k), line })
      i = k
    } else if (IDENT_START.test(c)) {
      let k = i + 1
      while (k < text.length && IDENT_CHAR.test(text[k]!)) k++
      // An E'…' prefix belongs to the string that follows, not a word of its own.
      if (!(k === i + 1 && /[eE]/.test(c) && text[k] === "'")) word(asciiUpper(text.slice(i, k)))
      i = k
    } else {
      if (c === '(') parens++
      else if (c === ')') parens = Math.max(0, parens - 1)
      else if (c === ';' && parens === 0 && beginDepth === 0) end()
      i++
    }
  }
  end()
  return { statements, meta, variables, backslashQuotes }
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
  // The tracking row's deferred check (psql.ts, COMPLETE_SETTING) is one of "all": it would run before the end.
  if (a === 'SET' && b === 'CONSTRAINTS' && w[2] === 'ALL' && w[3] === 'IMMEDIATE') {
    return "SET CONSTRAINTS ALL IMMEDIATE would also check sparkbaas's tracking row before the migration's end, which fails it — name the constraints instead (SET CONSTRAINTS my_fk IMMEDIATE)"
  }
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

/**
 * Meta-commands a migration may use. None: each one acts in psql, outside the SQL this check reads and outside
 * the transaction's control — `\set`/`\gset`/`\unset` change ON_ERROR_STOP, `\g`/`\gexec`/`\watch` send or repeat
 * queries, `\i`/`\o`/`\w`/`\copy` read and write files, `\!` and backquotes in any argument (even `\if`'s) run shell
 * commands, `\echo` prints whatever sparkbaas might read. Plain SQL needs none of them.
 */
export const ALLOWED_META: ReadonlySet<string> = new Set<string>()

const RUN_YOURSELF = 'run it yourself with `sparkbaas exec postgres -- psql -U postgres -d <database>`'

function metaProblem(name: string): string | undefined {
  if (ALLOWED_META.has(name)) return undefined
  const session = SESSION_META[name]
  if (session !== undefined) {
    return `${session} ${session === '\\quit' ? 'ends the migration early and commits what ran before it' : 'moves the rest of the migration to another connection, outside its transaction'} — remove it (pick the database with \`migrate up --database NAME\`)`
  }
  if (name === ';') {
    return '\\; makes psql send the statements around it as one query, which this check cannot see into (a COMMIT there would go unnoticed) — end each statement with a plain ;'
  }
  return (
    `\\${name}: psql meta-commands are not allowed in migrations: they act in psql, not in the migration's transaction ` +
    '(they can turn off ON_ERROR_STOP, send or repeat queries, read or write files, run shell commands) — remove it and write plain SQL; if you need it, ' +
    RUN_YOURSELF
  )
}

/** What in `text` would break the migration's single transaction, in file order. */
export function transactionProblems(text: string): ScanProblem[] {
  const { statements, meta, variables, backslashQuotes } = scanSql(text)
  const problems: ScanProblem[] = []
  for (const s of statements) {
    const message = statementProblem(s.words)
    if (message !== undefined) problems.push({ line: s.line, message })
  }
  for (const m of meta) {
    const message = metaProblem(m.name)
    if (message !== undefined) problems.push({ line: m.line, message })
  }
  for (const v of variables) {
    if (!v.name.startsWith('sparkbaas_')) continue
    problems.push({
      line: v.line,
      message: `:${v.name} pastes the value into the SQL unquoted, where psql reads it again (a backslash in it would run as a meta-command) — write :'${v.name}' for a quoted literal`,
    })
  }
  for (const line of backslashQuotes) {
    problems.push({
      line,
      message:
        "a '…' string with a backslash right before a quote: psql reads it differently once standard_conforming_strings is off, so what it runs would differ from what this check read — " +
        "use a dollar-quoted string ($$…$$) or E'…' with the backslash doubled",
    })
  }
  return problems.sort((x, y) => x.line - y.line)
}
