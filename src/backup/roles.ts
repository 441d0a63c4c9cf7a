/**
 * Roles are the cluster's, not a database's, so `pg_dump` leaves them out: a role a migration created (and the
 * grants and ownerships that name it) would be lost on a fresh cluster. The backup keeps `pg_dumpall --roles-only`;
 * the restore applies part of it, before the databases (whose dumps name the roles):
 *
 * - a role the stack does not have is created as it was: attributes, password (the hash), comment;
 * - a role the stack has keeps its attributes and password: the init SQL and `.env` own `postgres`, `keycloak`,
 *   `authenticator` and the API roles, and a password from the backup would lock the services out when `.env`
 *   has changed since;
 * - role settings (`ALTER ROLE … SET`) and memberships (`GRANT role TO role`) are applied for every role: they
 *   are what migrations add to existing roles (a PostgREST `statement_timeout` on `authenticator`), and applying
 *   one that is already there changes nothing.
 *
 * pg_dumpall's script is machine-written and regular; it is split into statements here (quotes, quoted names
 * and comments understood; psql's backslash commands dropped) and each statement kept or left out by the role it
 * names. Statements of another kind are left out and reported.
 */

export interface RolesPlan {
  /** SQL for psql, one transaction. */
  readonly sql: string
  /** Roles created, in the script's order. */
  readonly created: readonly string[]
  /** Roles in the backup the stack already had (left as they are). */
  readonly kept: readonly string[]
  /** Statements of a kind this code does not know, left out. */
  readonly skipped: readonly string[]
}

/** Splits SQL into statements without comments and backslash commands; quotes and quoted names stay whole. */
export function splitStatements(script: string): string[] {
  const statements: string[] = []
  let current = ''
  let i = 0
  const n = script.length
  while (i < n) {
    const c = script[i]!
    if (c === "'" || c === '"') {
      // A quoted literal or name; a doubled quote is an escaped one. (pg_dumpall sets standard_conforming_strings.)
      let j = i + 1
      while (j < n && !(script[j] === c && script[j + 1] !== c)) j += script[j] === c ? 2 : 1
      current += script.slice(i, j + 1)
      i = j + 1
    } else if (c === '-' && script[i + 1] === '-') {
      i = script.indexOf('\n', i)
      if (i === -1) i = n
    } else if (c === '\\') {
      // A psql meta-command (\restrict, \connect, …) runs to the end of its line.
      i = script.indexOf('\n', i)
      if (i === -1) i = n
    } else if (c === ';') {
      if (current.trim() !== '') statements.push(current.trim())
      current = ''
      i++
    } else {
      current += c
      i++
    }
  }
  if (current.trim() !== '') statements.push(current.trim())
  return statements
}

/** A role name as pg_dumpall writes it: a plain lower-case word, or double-quoted with `""` for a quote. */
const NAME = String.raw`("(?:[^"]|"")*"|[a-z_][a-z0-9_$]*)`
const unquote = (name: string) => (name.startsWith('"') ? name.slice(1, -1).replaceAll('""', '"') : name)

const ROLE_STATEMENTS: readonly { readonly kind: 'create' | 'attributes' | 'setting' | 'comment'; readonly pattern: RegExp }[] = [
  { kind: 'create', pattern: new RegExp(String.raw`^CREATE ROLE ${NAME}$`, 's') },
  { kind: 'setting', pattern: new RegExp(String.raw`^ALTER ROLE ${NAME} (?:IN DATABASE \S+ )?(?:SET|RESET)\b`, 's') },
  { kind: 'attributes', pattern: new RegExp(String.raw`^ALTER ROLE ${NAME} WITH\b`, 's') },
  { kind: 'comment', pattern: new RegExp(String.raw`^(?:COMMENT ON ROLE|SECURITY LABEL FOR \S+ ON ROLE) ${NAME} IS\b`, 's') },
]

/** The part of `script` (pg_dumpall --roles-only) to run on a cluster whose roles are `existing`. */
export function planRoles(script: string, existing: ReadonlySet<string>): RolesPlan {
  const keep: string[] = []
  const created: string[] = []
  const kept: string[] = []
  const skipped: string[] = []
  for (const statement of splitStatements(script)) {
    if (/^SET\s/i.test(statement) || /^GRANT\s/.test(statement)) {
      keep.push(statement)
      continue
    }
    const match = ROLE_STATEMENTS.map(({ kind, pattern }) => ({ kind, m: pattern.exec(statement) })).find(({ m }) => m !== null)
    if (match === undefined) {
      skipped.push(statement)
      continue
    }
    const role = unquote(match.m![1]!)
    const missing = !existing.has(role)
    if (match.kind === 'create') (missing ? created : kept).push(role)
    if (missing || match.kind === 'setting') keep.push(statement)
  }
  const sql = ['BEGIN;', ...keep.map((s) => `${s};`), 'COMMIT;', ''].join('\n')
  return { sql, created, kept, skipped }
}
