/**
 * `migrate status` and `migrate up` as library calls: list the files, read the records, classify, and (for `up`)
 * apply the pending migrations one transaction each, stopping at the first that fails.
 */
import { hostname, userInfo } from 'node:os'
import { join } from 'node:path'
import { detectEngine, type Engine } from '../engine/detect.js'
import { SparkbaasError, type Problem } from '../errors.js'
import { displayPath, requireGenerated, type Stack } from '../stack/context.js'
import { listMigrations, MIGRATIONS_DIR, type MigrationFile } from './files.js'
import { classify, fileProblems, planUp, type MigrationEntry } from './plan.js'
import { applyMigration, ensureTrackingTable, readRecords, type PsqlTarget } from './psql.js'
import { requireRunningPostgres } from '../stack/postgres.js'
import { targetDatabase } from './target.js'
import { withFolderLock } from '../write/lock.js'

export interface MigrateOptions {
  /** @default the API's database, else the first application database */
  readonly database?: string
  /** @internal the engine to use instead of detecting one. */
  readonly engine?: Engine
}

/** The migrations folder of a stack: beside its config file. */
export const migrationsDir = (stack: Stack): string => join(stack.model.configDir, MIGRATIONS_DIR)


async function connect(stack: Stack, options: MigrateOptions): Promise<{ target: PsqlTarget; files: MigrationFile[] }> {
  // Mistakes the user can fix without the stack come first: the database name, the files.
  const database = targetDatabase(stack.model, options.database)
  const files = await listMigrations(migrationsDir(stack))
  requireGenerated(stack)
  const engine = options.engine ?? (await detectEngine())
  await requireRunningPostgres(stack, engine, 'sparkbaas migrate')
  return { target: { stack, engine, database }, files }
}

export interface StatusReport {
  readonly database: string
  readonly dir: string
  readonly entries: readonly MigrationEntry[]
  /** Why pending files could not be applied as they are, by version. */
  readonly problems: ReadonlyMap<string, readonly string[]>
}

export async function migrationStatus(stack: Stack, options: MigrateOptions = {}): Promise<StatusReport> {
  const { target, files } = await connect(stack, options)
  const entries = classify(files, await readRecords(target))
  const problems = new Map<string, string[]>()
  for (const e of entries) {
    if (e.state !== 'pending') continue
    const found = fileProblems(e.file!).map((p) => (p.line > 0 ? `line ${p.line}: ${p.message}` : p.message))
    if (found.length > 0) problems.set(e.version, found)
  }
  return { database: target.database, dir: migrationsDir(stack), entries, problems }
}

export interface MigrationRef {
  readonly version: string
  readonly name: string
  /** Absolute path. */
  readonly path: string
  readonly checksum: string
}

export interface UpReport {
  readonly database: string
  readonly dryRun: boolean
  /** Applied by this run (with `dryRun`: what would be), in order. */
  readonly applied: readonly MigrationRef[]
  /** Recorded by a concurrent run while this one waited for the lock. */
  readonly skipped: readonly MigrationRef[]
  /** Already applied before this run. */
  readonly upToDate: number
  /** Pending versions older than the newest applied one, applied all the same. */
  readonly outOfOrder: readonly string[]
  /** The migration that failed (rolled back), with psql's messages; the ones after it were not run. */
  readonly failed?: { readonly migration: MigrationRef; readonly messages: readonly string[]; readonly notRun: readonly MigrationRef[] }
}

export interface UpOptions extends MigrateOptions {
  /** Show what would be applied; change nothing (the tracking table is not even created). */
  readonly dryRun?: boolean
  /** Called after each migration is committed, for progress output; `messages` are psql's notices. */
  readonly onApplied?: (migration: MigrationRef, messages: readonly string[]) => void
}

const ref = (f: MigrationFile): MigrationRef => ({ version: f.version, name: f.name, path: f.path, checksum: f.checksum })

/** Who applied a migration, for the tracking row: the host's user and machine (inside the container it is always postgres). */
export function appliedBy(): string {
  let user = process.env.USER ?? 'unknown'
  try {
    user = userInfo().username
  } catch {
    // no passwd entry for this uid (some containers)
  }
  return `${user}@${hostname()}`
}

/**
 * Applies the pending migrations in version order. Refuses (throws, nothing applied) while an applied migration was
 * edited or deleted, or a pending one would break its transaction. A migration that fails is rolled back alone and
 * ends the run: the report's `failed` says which, with psql's error; the ones before it stay applied.
 */
export async function migrateUp(stack: Stack, options: UpOptions = {}): Promise<UpReport> {
  // One run at a time per project: two `migrate up` would both find a migration pending (lock.ts).
  const connection = await connect(stack, options)
  return withFolderLock(stack.outDir, { command: 'sparkbaas migrate up' }, () => migrateUpLocked(stack, options, connection))
}

async function migrateUpLocked(stack: Stack, options: UpOptions, { target, files }: Awaited<ReturnType<typeof connect>>): Promise<UpReport> {
  const plan = planUp(files, await readRecords(target))
  const at = (f: MigrationFile) => displayPath(stack, f.path)

  if (plan.drift.length > 0) {
    const problems: Problem[] = plan.drift.map((e) =>
      e.state === 'modified'
        ? { path: at(e.file!), code: 'migration_modified', message: `was applied on ${e.record!.appliedAt} and has been edited since (its checksum differs from the one recorded)` }
        : { path: displayPath(stack, join(migrationsDir(stack), `${e.version}_${e.name}.sql`)), code: 'migration_missing', message: `was applied on ${e.record!.appliedAt}, but no file has version ${e.version} any more` },
    )
    throw new SparkbaasError('migrations_blocked', `Nothing was applied to database "${target.database}": applied migrations differ from their files:`, {
      problems,
      hint:
        'An applied migration must stay as it was. Restore the file (e.g. `git checkout -- <file>`) and make the change in a new migration (`sparkbaas migrate new <name>`). ' +
        `If the database really should forget one, delete its row: DELETE FROM sparkbaas.sparkbaas_migrations WHERE version = '…'.`,
    })
  }
  if (plan.blocked.length > 0) {
    throw new SparkbaasError('migrations_blocked', `Nothing was applied to database "${target.database}": pending migrations cannot run in a transaction as they are:`, {
      problems: plan.blocked.flatMap((b) =>
        b.problems.map((p) => ({ path: p.line > 0 ? `${at(b.file)}:${p.line}` : at(b.file), code: 'migration_invalid', message: p.message })),
      ),
      hint: 'Change these migrations, then run `sparkbaas migrate up` again.',
    })
  }

  const upToDate = plan.entries.filter((e) => e.state === 'applied').length
  const base = { database: target.database, upToDate, outOfOrder: plan.outOfOrder }
  if (options.dryRun) return { ...base, dryRun: true, applied: plan.pending.map(ref), skipped: [] }
  if (plan.pending.length === 0) return { ...base, dryRun: false, applied: [], skipped: [] }

  await ensureTrackingTable(target)
  const applied: MigrationRef[] = []
  const skipped: MigrationRef[] = []
  const by = appliedBy()
  const notifyPostgrest = stack.model.api?.database === target.database
  for (const [i, file] of plan.pending.entries()) {
    const result = await applyMigration(target, { ...file, text: file.text!, label: at(file) }, { appliedBy: by, notifyPostgrest })
    if (result.outcome === 'failed') {
      return { ...base, dryRun: false, applied, skipped, failed: { migration: ref(file), messages: result.messages, notRun: plan.pending.slice(i + 1).map(ref) } }
    }
    if (result.outcome === 'skipped') {
      skipped.push(ref(file))
      continue
    }
    applied.push(ref(file))
    options.onApplied?.(ref(file), result.messages)
  }
  return { ...base, dryRun: false, applied, skipped }
}
