/**
 * `sparkbaas restore --file FILE --yes`: put every database of a backup archive back exactly as it was.
 *
 * Order, so that a refusal changes nothing: confirm (--yes) → unpack and verify the archive (manifest, each file's
 * sha256) → check it fits the running stack (check.ts) → plan the roles (roles.ts). Only then: stop every running
 * service but postgres (they hold connections and cache schemas), create the missing roles, and for each database
 * `dropdb --force` then `pg_restore --create`, so it ends up as in the dump with its owner, settings and grants,
 * and nothing created since survives. The stopped services are started again whatever happened.
 */
import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { composeOrFail } from '../engine/compose.js'
import { detectEngine, type Engine } from '../engine/detect.js'
import { isSparkbaasError, SparkbaasError } from '../errors.js'
import { displayPath, requireGenerated, type Stack } from '../stack/context.js'
import { lockFolder } from '../write/lock.js'
import { makeScratch } from '../write/private-dir.js'
import { peekManifest, requireArchiveFile, unpackArchive, type UnpackedArchive } from './archive.js'
import { checkFit, configDatabases } from './check.js'
import { ROLES_FILE, sha256File, type Manifest } from './manifest.js'
import { MAINTENANCE_DB, pgExec, POSTGRES_SERVICE, requirePostgres, serverInfo, SUPERUSER, type PgTarget, type ServerInfo } from './postgres.js'
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
  const roles = planRoles(await readFile(archive.path(ROLES_FILE), 'utf8'), server.roles)
  if (roles.skipped.length > 0) {
    warnings.push(`${roles.skipped.length} statement(s) of ${ROLES_FILE} were not understood and left out: ${roles.skipped.map((s) => s.split('\n')[0]).join('; ')}`)
  }
  const running = new Set(containers.filter((c) => c.state === 'running' && c.service !== POSTGRES_SERVICE).map((c) => c.service))
  const known = stack.model.services.map((s) => s.name)
  const services = [...known.filter((s) => running.has(s)), ...[...running].filter((s) => !known.includes(s))]
  return { target, archive, server, roles, services, warnings }
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
    await pgExec(target, ['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-U', SUPERUSER, '-d', MAINTENANCE_DB, '-f', '-'], { input: { text: plan.roles.sql } })
    for (const db of archive.manifest.databases) {
      stage = { kind: 'database', name: db.name }
      options.onStep?.({ kind: 'restoring', database: db.name })
      await pgExec(target, ['dropdb', '-U', SUPERUSER, '--maintenance-db', MAINTENANCE_DB, '--if-exists', '--force', db.name])
      await pgExec(target, ['pg_restore', '-U', SUPERUSER, '--create', '--exit-on-error', '-d', MAINTENANCE_DB], { input: { file: archive.path(db.file) } })
      restored.push(db.name)
    }
  } catch (error) {
    failure = error
  }
  const startFailure = await startAgain(stack, engine, services, options)
  if (failure !== undefined) throw restoreFailed({ manifest: archive.manifest, restored, stage, rolesCreated: plan.roles.created, services, startFailure }, failure)
  if (startFailure !== undefined) throw startFailure
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
        : `Stopped at database "${stage.name}", which may now be missing or incomplete.`,
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
