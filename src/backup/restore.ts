/**
 * `sparkbaas restore --file FILE --yes`: put every database of a backup archive back exactly as it was.
 *
 * The archive is not trusted to say what it holds: its manifest's hashes only prove the files were not damaged,
 * not that they were not edited. Order, so that a refusal changes nothing: confirm (--yes) → unpack and verify the
 * archive (manifest, each file's sha256) → check it fits the running stack, only the config's databases and never a
 * template (check.ts) → read each dump's own header and refuse one that is of another database than the manifest
 * says (inspect.ts) → plan the roles, refusing anything but what pg_dumpall writes for ordinary roles (roles.ts).
 *
 * Only then: stop every running service but postgres (they hold connections and cache schemas), create the
 * missing roles, and for each database, never dropping one before its replacement is known good:
 *
 * 1. restore the dump into a new database with a temporary name (`sparkbaas_restore_<hex>`, created with the
 *    dump's own encoding and locale); if pg_restore fails, that copy is dropped and the database is as it was;
 * 2. swap in one transaction: the old one is renamed away (`sparkbaas_replaced_<hex>`), the copy renamed in, and
 *    the dump's database-level statements applied (owner, comment, settings, grants). Before it, the old one stops
 *    taking connections and its sessions are ended (a rename needs it idle); if the swap fails, nothing of it
 *    happened, and the old one takes connections again;
 * 3. drop the old one.
 *
 * A kill at any point leaves the database under its name whole (old or new); a leftover `sparkbaas_restore_*` or
 * `sparkbaas_replaced_*` (only ever renamed away after the new one is in) is dropped by the next restore. The
 * stopped services are started again whatever happened.
 */
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { composeOrFail, runCompose } from '../engine/compose.js'
import { detectEngine, type Engine } from '../engine/detect.js'
import { isSparkbaasError, SparkbaasError } from '../errors.js'
import { displayPath, requireGenerated, type Stack } from '../stack/context.js'
import { lockFolder } from '../write/lock.js'
import { makeScratch } from '../write/private-dir.js'
import { peekManifest, requireArchiveFile, unpackArchive, type UnpackedArchive } from './archive.js'
import { checkFit, configDatabases } from './check.js'
import { databaseLevel, listedDatabase, requireSameDatabase, type DatabaseLevel } from './inspect.js'
import { invalid, ROLES_FILE, sha256File, type DatabaseEntry, type Manifest } from './manifest.js'
import { MAINTENANCE_DB, pgExec, POSTGRES_SERVICE, queryJson, requirePostgres, serverInfo, SUPERUSER, type PgTarget, type ServerInfo } from './postgres.js'
import { planRoles, type RolesPlan } from './roles.js'

export type RestoreStep =
  | { readonly kind: 'checked'; readonly warnings: readonly string[] }
  | { readonly kind: 'stopping'; readonly services: readonly string[] }
  | { readonly kind: 'restoring'; readonly database: string }
  | { readonly kind: 'starting'; readonly services: readonly string[] }

export interface RestoreOptions {
  /** The archive, relative to the stack's cwd. */
  readonly file: string
  /** Confirms that the databases in the archive are replaced; without it nothing happens. */
  readonly yes?: boolean
  readonly onStep?: (step: RestoreStep) => void
  /** @internal the engine to use instead of detecting one. */
  readonly engine?: Engine
}

export interface RestoreResult {
  readonly project: string
  /** Absolute path of the archive. */
  readonly file: string
  readonly createdAt: string
  /** `server_version` of the dump's server and of the one restored onto. */
  readonly postgres: { readonly archive: string; readonly server: string }
  readonly databases: readonly string[]
  readonly rolesCreated: readonly string[]
  /** The config's databases the archive does not have: left as they were. */
  readonly untouched: readonly string[]
  /** Stopped for the restore and started again. */
  readonly services: readonly string[]
  readonly warnings: readonly string[]
}

export async function restore(stack: Stack, options: RestoreOptions): Promise<RestoreResult> {
  const file = resolve(stack.cwd, options.file)
  const label = displayPath(stack, file)
  // A mistyped path is said as such, not as a request for --yes that would only lead to it.
  await requireArchiveFile(file, label)
  if (options.yes !== true) throw await confirmationNeeded(stack, file, label, options.file)
  requireGenerated(stack)
  // One run at a time per project (lock.ts); the archive is unpacked into the output's private .sparkbaas/
  // (0700, git-ignored, removed on Ctrl-C, and after a kill by the next run: private-dir.ts).
  const lock = await lockFolder(stack.outDir, { command: 'sparkbaas restore' })
  const scratch = await makeScratch(stack.outDir, 'restore').catch(async (error: unknown) => {
    await lock.release()
    throw error
  })
  const work = scratch.path
  try {
    const plan = await prepare(stack, file, label, work, options)
    options.onStep?.({ kind: 'checked', warnings: plan.warnings })
    const { manifest } = plan.archive
    await replace(plan, options)
    const inArchive = new Set(manifest.databases.map((d) => d.name))
    return {
      project: stack.project,
      file,
      createdAt: manifest.createdAt,
      postgres: { archive: manifest.postgres.version, server: plan.server.version },
      databases: manifest.databases.map((d) => d.name),
      rolesCreated: plan.roles.created,
      untouched: configDatabases(stack.model).filter((db) => !inArchive.has(db)),
      services: plan.services,
      warnings: plan.warnings,
    }
  } finally {
    await scratch.dispose()
    await lock.release()
  }
}

/** Everything checked and decided before the first change. */
interface Plan {
  readonly target: PgTarget
  readonly archive: UnpackedArchive
  readonly server: ServerInfo
  readonly roles: RolesPlan
  /** Each database of the archive with its dump's database-level statements, in the manifest's order. */
  readonly databases: readonly { readonly entry: DatabaseEntry; readonly level: DatabaseLevel }[]
  /** Running services but postgres, in the model's order: stopped for the restore. */
  readonly services: readonly string[]
  readonly warnings: string[]
}

async function prepare(stack: Stack, file: string, label: string, work: string, options: RestoreOptions): Promise<Plan> {
  const archive = await unpackArchive(file, work, label)
  const engine = options.engine ?? (await detectEngine())
  const target: PgTarget = { stack, engine }
  const containers = await requirePostgres(target, 'sparkbaas restore')
  const server = await serverInfo(target)
  const warnings = checkFit(archive.manifest, {
    model: stack.model,
    configFile: stack.configFile,
    configSha256: await sha256File(stack.configFile),
    serverMajor: server.major,
    label,
  })
  const databases = []
  for (const entry of archive.manifest.databases) {
    const file = archive.path(entry.file)
    requireSameDatabase(label, entry.file, entry.name, listedDatabase(await readDump(target, label, entry.file, file, ['--list'])))
    const script = await readDump(target, label, entry.file, file, ['--create', '--schema-only', '-f', '-'])
    databases.push({ entry, level: databaseLevel(script, entry.name, `${label}: ${entry.file}`) })
  }
  const roles = planRoles(await readFile(archive.path(ROLES_FILE), 'utf8'), server)
  if (roles.refused.length > 0) {
    throw new SparkbaasError('archive_refused', `${label} cannot be restored: its ${ROLES_FILE} asks for what a restore never applies; nothing was changed:`, {
      problems: roles.refused,
      hint: invalid(label, '').hint!,
    })
  }
  const running = new Set(containers.filter((c) => c.state === 'running' && c.service !== POSTGRES_SERVICE).map((c) => c.service))
  const known = stack.model.services.map((s) => s.name)
  const services = [...known.filter((s) => running.has(s)), ...[...running].filter((s) => !known.includes(s))]
  return { target, archive, server, roles, databases, services, warnings }
}

/** pg_restore's reading of a dump (`--list`, the schema as SQL); a dump it cannot read refuses the restore. */
async function readDump(target: PgTarget, label: string, name: string, file: string, args: readonly string[]): Promise<string> {
  const result = await runCompose(target.engine, target.stack, ['exec', '-T', POSTGRES_SERVICE, 'pg_restore', ...args], 'capture', { input: { file } })
  if (result.exitCode === 0) return result.stdout
  const why = result.stderr.split('\n').find((line) => line.startsWith('pg_restore: error:'))?.slice('pg_restore: error: '.length) ?? `exit code ${result.exitCode}`
  throw invalid(label, `pg_restore cannot read ${name} (${why})`)
}

/** Where a failure happened. */
type Stage = { readonly kind: 'stop' } | { readonly kind: 'roles' } | { readonly kind: 'database'; readonly name: string }

/** Stop → roles → each database dropped and recreated → start (always). */
async function replace(plan: Plan, options: RestoreOptions): Promise<void> {
  const { target, archive, services } = plan
  const { stack, engine } = target
  const restored: string[] = []
  let stage: Stage = { kind: 'stop' }
  let failure: unknown
  try {
    if (services.length > 0) {
      options.onStep?.({ kind: 'stopping', services })
      await composeOrFail(engine, stack, ['stop', ...services], 'capture')
    }
    stage = { kind: 'roles' }
    await dropLeftovers(target)
    await psql(target, plan.roles.sql)
    for (const { entry, level } of plan.databases) {
      stage = { kind: 'database', name: entry.name }
      options.onStep?.({ kind: 'restoring', database: entry.name })
      const leftBehind = await replaceDatabase(target, entry.name, archive.path(entry.file), level)
      if (leftBehind !== undefined) plan.warnings.push(leftBehind)
      restored.push(entry.name)
    }
  } catch (error) {
    failure = error
  }
  const startFailure = await startAgain(stack, engine, services, options)
  if (failure !== undefined) throw restoreFailed({ manifest: archive.manifest, restored, stage, rolesCreated: plan.roles.created, services, startFailure }, failure)
  if (startFailure !== undefined) throw startFailure
}

const psql = (target: PgTarget, sql: string) =>
  pgExec(target, ['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-U', SUPERUSER, '-d', MAINTENANCE_DB, '-f', '-'], { input: { text: sql } })
const ident = (name: string) => `"${name.replaceAll('"', '""')}"`
const literal = (value: string) => `'${value.replaceAll("'", "''")}'`
const dropdb = (target: PgTarget, name: string) => pgExec(target, ['dropdb', '-U', SUPERUSER, '--maintenance-db', MAINTENANCE_DB, '--if-exists', '--force', name])

/** The temporary names of a restore; no config database can have them (see dropLeftovers). */
const LEFTOVER = /^sparkbaas_(?:restore|replaced)_[0-9a-f]{8}$/

/** Which of `names` exist. */
async function existing(target: PgTarget, names: readonly string[]): Promise<Set<string>> {
  const sql = `select coalesce(json_agg(datname), '[]') from pg_database where datname in (${names.map(literal).join(', ')})`
  return new Set((await queryJson(target, MAINTENANCE_DB, sql)) as string[])
}

/** Copies a killed restore left: a half-restored one, or an old one already swapped out. Neither is live. */
async function dropLeftovers(target: PgTarget): Promise<void> {
  const names = (await queryJson(target, MAINTENANCE_DB, `select coalesce(json_agg(datname), '[]') from pg_database where datname like 'sparkbaas\\_%'`)) as string[]
  for (const name of names.filter((n) => LEFTOVER.test(n))) await dropdb(target, name)
}

/**
 * Restores one database into a temporary name, swaps it in, drops the old one (see the top of this file). On a
 * failure the database is as it was and the error is thrown; returns a warning when the old copy could not be dropped.
 */
async function replaceDatabase(target: PgTarget, name: string, dump: string, level: DatabaseLevel): Promise<string | undefined> {
  const suffix = randomBytes(4).toString('hex')
  const fresh = `sparkbaas_restore_${suffix}`
  const old = `sparkbaas_replaced_${suffix}`
  await psql(target, `CREATE DATABASE ${ident(fresh)} WITH ${level.createWith};\n`)
  const hadOld = (await existing(target, [name])).has(name)
  try {
    await pgExec(target, ['pg_restore', '-U', SUPERUSER, '--exit-on-error', '-d', fresh], { input: { file: dump } })
    await psql(target, [
      ...(hadOld
        ? [
            `ALTER DATABASE ${ident(name)} ALLOW_CONNECTIONS false;`,
            `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = ${literal(name)} AND pid <> pg_backend_pid();`,
          ]
        : []),
      'BEGIN;',
      ...(hadOld ? [`ALTER DATABASE ${ident(name)} RENAME TO ${ident(old)};`] : []),
      `ALTER DATABASE ${ident(fresh)} RENAME TO ${ident(name)};`,
      ...level.statements.map((s) => `${s};`),
      'COMMIT;',
      '',
    ].join('\n'))
  } catch (error) {
    // The swap is one transaction: either the fresh copy is in (then go on), or nothing of it happened.
    const now = await existing(target, [name, fresh, old]).catch(() => undefined)
    if (now === undefined || now.has(fresh) || !now.has(name)) {
      await Promise.allSettled([
        ...(hadOld && now?.has(name) ? [psql(target, `ALTER DATABASE ${ident(name)} ALLOW_CONNECTIONS true;\n`)] : []),
        dropdb(target, fresh),
      ])
      throw error
    }
  }
  if (!hadOld) return undefined
  return dropdb(target, old).then(
    () => undefined,
    () => `database ${name} was restored, but its old copy, now named ${old}, could not be dropped: the next restore drops it, or \`dropdb ${old}\` does.`,
  )
}

/** Starts the services stopped for the restore; returns the error instead of throwing it (a restore error wins). */
async function startAgain(stack: Stack, engine: Engine, services: readonly string[], options: RestoreOptions): Promise<SparkbaasError | undefined> {
  if (services.length === 0) return undefined
  options.onStep?.({ kind: 'starting', services })
  try {
    await composeOrFail(engine, stack, ['start', ...services], 'capture')
    return undefined
  } catch (error) {
    if (!isSparkbaasError(error)) throw error
    return new SparkbaasError('restore_failed', `The databases were restored, but starting ${services.join(', ')} again failed:\n${error.message}`, {
      hint: 'Run `sparkbaas up` to start them.',
      cause: error,
    })
  }
}

interface FailureState {
  readonly manifest: Manifest
  readonly restored: readonly string[]
  readonly stage: Stage
  readonly rolesCreated: readonly string[]
  readonly services: readonly string[]
  readonly startFailure: SparkbaasError | undefined
}

/** A failed step, told with the state it left: what was restored, what may be broken, what was not touched. */
function restoreFailed(state: FailureState, error: unknown): unknown {
  // Our bugs and the engine's own conditions (daemon down) pass as they are.
  if (!isSparkbaasError(error) || error.code !== 'engine_failed') return error
  const { manifest, restored, stage, services, startFailure } = state
  const current = stage.kind === 'database' ? stage.name : undefined
  const rest = manifest.databases.map((d) => d.name).filter((name) => name !== current && !restored.includes(name))
  const lines = [
    stage.kind === 'stop'
      ? 'Stopping the services failed; no role and no database was changed.'
      : stage.kind === 'roles'
        ? 'The roles could not be created. That step is one transaction: no role and no database was changed.'
        : `Stopped at database "${stage.name}": its restore failed, and it was left as it was (the restored copy was dropped).`,
    ...(restored.length > 0 ? [`Restored before it: ${restored.join(', ')}.`] : []),
    ...(current !== undefined && rest.length > 0 ? [`Not touched: ${rest.join(', ')}.`] : []),
    ...(current !== undefined && state.rolesCreated.length > 0 ? [`Roles created: ${state.rolesCreated.join(', ')}.`] : []),
    ...(services.length === 0 ? [] : [startFailure === undefined ? `Started again: ${services.join(', ')}.` : `Could not start again: ${services.join(', ')} (run \`sparkbaas up\`).`]),
  ]
  return new SparkbaasError('restore_failed', `Restore failed. ${error.message}\n${lines.join('\n')}`, {
    hint: 'Fix the cause, then run the restore again: it starts over from the archive, which is unchanged.',
    cause: error,
  })
}

async function confirmationNeeded(stack: Stack, file: string, label: string, given: string): Promise<SparkbaasError> {
  const manifest = await peekManifest(file, label)
  const hint = `Add --yes to restore: \`sparkbaas restore --file ${given} --yes\`. \`sparkbaas backup\` first keeps what the stack holds now.`
  if (manifest === undefined) {
    return new SparkbaasError('confirmation_required', `restore drops every database ${label} holds from stack ${stack.project} and recreates it from the archive: what they hold now is lost.`, { hint })
  }
  const n = manifest.databases.length
  return new SparkbaasError('confirmation_required', `restore replaces ${n} database${n === 1 ? '' : 's'} of stack ${stack.project} with the backup of ${manifest.createdAt}; what they hold now is lost:`, {
    problems: manifest.databases.map((db) => ({ path: db.name, code: 'confirmation_required', message: 'dropped and recreated from the archive' })),
    hint,
  })
}
