/**
 * Roles are the cluster's, not a database's, so `pg_dump` leaves them out: a role a migration created (and the
 * grants and ownerships that name it) would be lost on a fresh cluster. The backup keeps `pg_dumpall --roles-only`;
 * the restore applies part of it, before the databases (whose dumps name the roles).
 *
 * roles.sql comes from the archive, and the archive may have been edited: it is run as the superuser, so only a
 * strict allow-list of what pg_dumpall writes is applied, and anything else refuses the whole restore (before
 * anything is changed), naming the statement:
 *
 * - a role the stack does not have is created as it was (password hash, comment), unless it would be a
 *   SUPERUSER, CREATEROLE, REPLICATION or BYPASSRLS role;
 * - a role the stack has keeps its attributes and password: the init SQL and `.env` own `postgres`, `keycloak`,
 *   `authenticator` and the API roles, and a password from the backup would lock the services out when `.env`
 *   has changed since;
 * - role settings (`ALTER ROLE … SET`) are applied for every role, but only harmless ones (timeouts, search_path,
 *   … and dotted custom settings like PostgREST's `pgrst.*`): never `role` or `session_authorization`, which would
 *   make every session of a role another one, nor a superuser-only setting;
 * - a membership (`GRANT a TO b`) is applied only when the restore creates role `a`; one the stack already has is
 *   a no-op and left out; any other (`GRANT postgres TO anon`, a predefined `pg_*` role, a stack role) is refused.
 *
 * pg_dumpall's script is machine-written and regular; it is split into statements here (quotes, quoted names
 * and comments understood; psql's backslash commands dropped).
 */
import type { Problem } from '../errors.js'

export interface RolesPlan {
  /** SQL for psql, one transaction. */
  readonly sql: string
  /** Roles created, in the script's order. */
  readonly created: readonly string[]
  /** Roles in the backup the stack already had (left as they are). */
  readonly kept: readonly string[]
  /** Statements that are not applied for a reason the stack's safety depends on: the restore is refused. */
  readonly refused: readonly Problem[]
}

/** What the plan needs to know of the cluster restored onto. */
export interface ClusterRoles {
  /** Every role name, the predefined `pg_*` roles included. */
  readonly roles: ReadonlySet<string>
  /** Existing memberships as `role\0member`. */
  readonly memberships: ReadonlySet<string>
}

export const membership = (role: string, member: string) => `${role}\0${member}`

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
export const NAME = String.raw`("(?:[^"]|"")*"|[a-z_][a-z0-9_$]*)`
export const unquote = (name: string) => (name.startsWith('"') ? name.slice(1, -1).replaceAll('""', '"') : name)

/** The session settings pg_dumpall starts its script with, as it writes them. */
const PREAMBLE = new Set(['SET default_transaction_read_only = off', "SET client_encoding = 'UTF8'", 'SET standard_conforming_strings = on'])

const CREATE = new RegExp(String.raw`^CREATE ROLE ${NAME}$`, 's')
const ATTRIBUTES = new RegExp(String.raw`^ALTER ROLE ${NAME} WITH (.*)$`, 's')
const SETTING = new RegExp(String.raw`^ALTER ROLE ${NAME} (?:IN DATABASE ${NAME} )?SET ("(?:[^"]|"")*"|[A-Za-z_][A-Za-z0-9_.]*) (?:TO|=) `, 's')
const COMMENT = new RegExp(String.raw`^(?:COMMENT ON ROLE|SECURITY LABEL FOR \S+ ON ROLE) ${NAME} IS '(?:[^']|'')*'$`, 's')
// PostgreSQL 16+ adds `WITH INHERIT TRUE, SET FALSE`-style options; 15 and older `WITH ADMIN OPTION`.
const GRANT = new RegExp(String.raw`^GRANT ${NAME} TO ${NAME}(?: WITH (?:(?:ADMIN|INHERIT|SET) (?:OPTION|TRUE|FALSE)(?:, )?)+)?(?: GRANTED BY ${NAME})?$`, 's')

/** Attributes a created role may have: what pg_dumpall writes for an ordinary role (and CREATEDB). */
const SAFE_ATTRIBUTES = new Set(['NOSUPERUSER', 'INHERIT', 'NOINHERIT', 'NOCREATEROLE', 'CREATEDB', 'NOCREATEDB', 'LOGIN', 'NOLOGIN', 'NOREPLICATION', 'NOBYPASSRLS'])

/**
 * Role settings a restore applies: per-session limits and defaults an ordinary user may set for itself
 * (context "user" in PostgreSQL's guc_tables.c), and dotted custom settings (an extension's or PostgREST's
 * `pgrst.*`). `role` and `session_authorization` are left out on purpose.
 */
const SAFE_SETTINGS = new Set([
  'statement_timeout', 'lock_timeout', 'idle_in_transaction_session_timeout', 'idle_session_timeout', 'search_path', 'work_mem',
  'maintenance_work_mem', 'temp_buffers', 'timezone', 'datestyle', 'intervalstyle', 'client_min_messages', 'application_name',
  'default_transaction_isolation', 'default_transaction_read_only', 'plan_cache_mode', 'jit', 'random_page_cost', 'row_security',
])

/** Whether a restore may apply setting `name` to a role or a database. */
export const safeSetting = (name: string) => name.includes('.') || SAFE_SETTINGS.has(name.toLowerCase())

/** A statement as a refusal shows it: first line, password hashes masked. */
export const shown = (statement: string) => {
  const masked = statement.replace(/PASSWORD '(?:[^']|'')*'/g, "PASSWORD '…'")
  const first = masked.split('\n')[0]!
  return first === masked ? masked : `${first} …`
}

/** The part of `script` (pg_dumpall --roles-only) to run on a cluster with `cluster`'s roles and memberships. */
export function planRoles(script: string, cluster: ClusterRoles): RolesPlan {
  const statements = splitStatements(script)
  // Roles this restore creates: those with a CREATE ROLE the cluster lacks.
  const creating = new Set(statements.flatMap((s) => CREATE.exec(s)?.[1] ?? []).map(unquote).filter((role) => !cluster.roles.has(role)))
  const keep: string[] = []
  const created: string[] = []
  const kept: string[] = []
  const refused: Problem[] = []
  const refuse = (statement: string, why: string) => refused.push({ path: 'roles.sql', code: 'archive_refused', message: `${shown(statement)}: ${why}` })
  for (const statement of statements) {
    let m: RegExpExecArray | null
    if (PREAMBLE.has(statement)) {
      keep.push(statement)
    } else if ((m = CREATE.exec(statement))) {
      const role = unquote(m[1]!)
      if (creating.has(role)) {
        created.push(role)
        keep.push(statement)
      } else kept.push(role)
    } else if ((m = ATTRIBUTES.exec(statement))) {
      const role = unquote(m[1]!)
      if (!creating.has(role)) continue
      const words = m[2]!.replace(/\s*PASSWORD '(?:[^']|'')*'/, '').replace(/\s*VALID UNTIL '(?:[^']|'')*'/, '').replace(/\s*CONNECTION LIMIT -?\d+/, '').split(/\s+/).filter(Boolean)
      const unsafe = words.filter((w) => !SAFE_ATTRIBUTES.has(w))
      if (unsafe.length > 0) refuse(statement, `would create role "${role}" with ${unsafe.join(', ')} (a restore never creates superuser, CREATEROLE, REPLICATION or BYPASSRLS roles)`)
      else keep.push(statement)
    } else if ((m = SETTING.exec(statement))) {
      const setting = unquote(m[3]!)
      if (safeSetting(setting)) keep.push(statement)
      else refuse(statement, `sets "${setting}", which is not a setting a restore applies (timeouts, search_path, work_mem, … and dotted custom settings such as pgrst.*)`)
    } else if ((m = COMMENT.exec(statement))) {
      if (creating.has(unquote(m[1]!))) keep.push(statement)
    } else if ((m = GRANT.exec(statement))) {
      const [role, member] = [unquote(m[1]!), unquote(m[2]!)]
      if (creating.has(role)) keep.push(statement)
      else if (!cluster.memberships.has(membership(role, member))) {
        refuse(statement, `gives "${member}" the rights of "${role}", a role the stack already has (a restore only grants the roles it creates)`)
      }
    } else {
      refuse(statement, 'not a statement `pg_dumpall --roles-only` writes')
    }
  }
  const sql = ['BEGIN;', ...keep.map((s) => `${s};`), 'COMMIT;', ''].join('\n')
  return { sql, created, kept, refused }
}
