/**
 * The stack's Postgres, reached the way backup and restore need it: every program runs inside the postgres
 * container through `compose exec -T` (no Postgres client on the host, no published port needed), as the
 * superuser over the container's Unix socket. The container's default user is root, so `-U postgres` is always
 * passed; the official image trusts socket connections.
 */
import { composeOrFail, type ComposeIo } from '../engine/compose.js'
import type { Engine } from '../engine/detect.js'
import type { ContainerStatus } from '../engine/ps.js'
import { SparkbaasError } from '../errors.js'
import { byCodePoint } from '../order.js'
import type { Stack } from '../stack/context.js'
import { membership } from './roles.js'
import { POSTGRES_SERVICE, requireRunningPostgres } from '../stack/postgres.js'

export { POSTGRES_SERVICE }
export const SUPERUSER = 'postgres'
/**
 * The database sparkbaas connects to for cluster-wide work (listing, roles, dropdb, pg_restore --create): always
 * there, and never one a restore replaces (`postgres` itself may be in an archive, and may be missing after a
 * failed restore).
 */
export const MAINTENANCE_DB = 'template1'

/**
 * A database name as a libpq connection string: `pg_dump -d` and `psql -d` read a name holding `=` (or starting
 * with `postgresql://`) as one, so a hand-made database called `a=b` would otherwise not be found.
 */
export const dbConninfo = (name: string): string => `dbname='${name.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`

/** A stack and the engine that runs it: what every call below needs. */
export interface PgTarget {
  readonly stack: Stack
  readonly engine: Engine
}


/** `compose exec -T postgres <program> <args…>`; output captured (or into `io.stdoutFile`), a failure thrown. */
export async function pgExec(target: PgTarget, argv: readonly string[], io: ComposeIo = {}): Promise<string> {
  const result = await composeOrFail(target.engine, target.stack, ['exec', '-T', POSTGRES_SERVICE, ...argv], 'capture', io)
  return result.stdout
}

/** One query whose single value is JSON, through psql (`-XAt`: no psqlrc, unaligned, tuples only). */
export async function queryJson(target: PgTarget, database: string, sql: string): Promise<unknown> {
  const out = await pgExec(target, ['psql', '-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-U', SUPERUSER, '-d', database, '-c', sql])
  try {
    return JSON.parse(out.trim()) as unknown
  } catch (error) {
    throw new SparkbaasError('engine_failed', `psql printed something other than the JSON asked for: ${out.trim().slice(0, 200)}`, { cause: error })
  }
}

export interface ServerInfo {
  /** `server_version`, e.g. `17.2 (Debian 17.2-1.pgdg120+1)`. */
  readonly version: string
  readonly major: number
  /** Databases one can connect to, templates left out, in code-point order. */
  readonly databases: readonly string[]
  /** Every role name, the predefined `pg_*` roles included. */
  readonly roles: ReadonlySet<string>
  /** Every membership, as `role\0member` (roles.ts `membership`). */
  readonly memberships: ReadonlySet<string>
}

// JSON, not psql's line output: a database or role name may hold a newline or a `|`.
const SERVER_INFO_SQL = `select json_build_object(
  'version', current_setting('server_version'),
  'num', current_setting('server_version_num')::int,
  'databases', (select coalesce(json_agg(datname), '[]') from pg_database where not datistemplate and datallowconn),
  'roles', (select coalesce(json_agg(rolname), '[]') from pg_roles),
  'memberships', (select coalesce(json_agg(json_build_array(pg_get_userbyid(roleid), pg_get_userbyid(member))), '[]') from pg_auth_members))`

export async function serverInfo(target: PgTarget): Promise<ServerInfo> {
  const raw = (await queryJson(target, MAINTENANCE_DB, SERVER_INFO_SQL)) as { version: string; num: number; databases: string[]; roles: string[]; memberships: [string, string][] }
  return {
    version: raw.version,
    // server_version_num is major * 10000 + minor since PostgreSQL 10.
    major: Math.floor(raw.num / 10000),
    databases: [...raw.databases].sort(byCodePoint),
    roles: new Set(raw.roles),
    memberships: new Set(raw.memberships.map(([role, member]) => membership(role, member))),
  }
}

/** The stack's containers, once its postgres is known to run (see src/stack/postgres.ts). */
export const requirePostgres = (target: PgTarget, command: string): Promise<ContainerStatus[]> => requireRunningPostgres(target.stack, target.engine, command)
