/**
 * psql inside the postgres container (`compose exec -T postgres psql …`), as the superuser over the container's
 * socket, so no Postgres client or password is needed on the host. SQL reaches psql on stdin; values reach it as
 * psql variables (`-v name=value`, used as `:'name'`, which psql quotes as a literal), never spliced into SQL text.
 */
import { randomUUID } from 'node:crypto'
import { runCompose } from '../engine/compose.js'
import type { Engine } from '../engine/detect.js'
import { lastLines, type ProcessResult } from '../engine/process.js'
import { SparkbaasError } from '../errors.js'
import { POSTGRES_INIT } from '../model/jobs.js'
import type { Stack } from '../stack/context.js'
import type { AppliedRecord } from './plan.js'
import { POSTGRES_SERVICE, TRACKING_SCHEMA, TRACKING_TABLE } from './target.js'

export interface PsqlTarget {
  readonly stack: Stack
  readonly engine: Engine
  readonly database: string
}

/** The tracking table, schema-qualified. */
export const TABLE = `${TRACKING_SCHEMA}.${TRACKING_TABLE}`

/**
 * The advisory lock every writer of the tracking table holds for its transaction (an arbitrary constant, the same
 * in every sparkbaas version): concurrent `migrate up` runs take turns, and the second one sees the first one's rows.
 */
export const LOCK_KEY = '7310442153780331'

/** psql's exit code for an SQL error under ON_ERROR_STOP. */
const PSQL_SCRIPT_ERROR = 3


/**
 * `after`: SQL psql sends after the script, as a `-c` of its own (psql lexes each -f and -c apart, so nothing the
 * script leaves open reaches it), in the same transaction with `singleTransaction`.
 */
async function psql(target: PsqlTarget, script: string, options: { vars?: Record<string, string>; singleTransaction?: boolean; tuplesOnly?: boolean; after?: string } = {}): Promise<ProcessResult> {
  const vars = Object.entries(options.vars ?? {}).flatMap(([k, v]) => ['-v', `${k}=${v}`])
  const args = [
    'exec', '-T', POSTGRES_SERVICE,
    'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1',
    ...(options.singleTransaction ? ['--single-transaction'] : []),
    ...(options.tuplesOnly ? ['-A', '-t'] : []),
    '-U', 'postgres', '-d', target.database, ...vars, '-f', '-',
    ...(options.after === undefined ? [] : ['-c', options.after]),
  ]
  return runCompose(target.engine, target.stack, args, 'capture', { input: { text: script } })
}

/** A failure to reach or query the database: psql's own words, and what to check. */
function databaseError(target: PsqlTarget, what: string, result: ProcessResult): SparkbaasError {
  const lines = lastLines(result.stderr, 10)
  const missing = lines.some((l) => l.includes(`database "${target.database}" does not exist`))
  return new SparkbaasError('database_error', [`Could not ${what} in database "${target.database}" (psql in the ${POSTGRES_SERVICE} container exited with ${result.exitCode}):`, ...lines.map((l) => `  ${l}`)].join('\n'), {
    hint: missing
      ? `The database is made by the init SQL, which \`sparkbaas up\` applies on every start (its ${POSTGRES_INIT} job), ` +
        'so a database added to the config is created by the next `sparkbaas up`.'
      : '`sparkbaas status` shows whether postgres is healthy; `sparkbaas logs postgres` shows its log.',
    cause: result.cause,
  })
}

const READ_RECORDS = `SELECT to_regclass('${TABLE}') IS NOT NULL AS sparkbaas_tracked \\gset
\\if :sparkbaas_tracked
SELECT coalesce(json_agg(json_build_object('version', version, 'name', name, 'checksum', checksum,
  'appliedAt', to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), 'appliedBy', applied_by) ORDER BY version), '[]')
FROM ${TABLE};
\\else
SELECT '[]';
\\endif
`

/** The recorded migrations, oldest first; none when the tracking table does not exist yet (it is not created). */
export async function readRecords(target: PsqlTarget): Promise<AppliedRecord[]> {
  const result = await psql(target, READ_RECORDS, { tuplesOnly: true })
  if (result.exitCode !== 0) throw databaseError(target, `read ${TABLE}`, result)
  try {
    return JSON.parse(result.stdout) as AppliedRecord[]
  } catch (error) {
    throw new SparkbaasError('database_error', `Could not read ${TABLE} in database "${target.database}": psql printed ${JSON.stringify(result.stdout.slice(0, 200))}.`, { cause: error })
  }
}

/**
 * What `migrate up` and the migrations Job set, in the migration's transaction, after the migration's last
 * statement: the tracking row's deferred trigger refuses to commit without it. So a COMMIT that reaches PostgreSQL
 * from inside a migration (one the light reading of sql-scan.ts did not see) fails and takes the whole migration
 * with it, instead of committing the row and part of the file.
 */
export const COMPLETE_SETTING = 'sparkbaas.migration_complete'
const COMPLETE_TRIGGER = 'sparkbaas_migration_complete'

/** Run after the migration's text, in its transaction: marks its end for the trigger. `version` is 14 digits. */
export function completeStatement(version: string): string {
  if (!/^\d{14}$/.test(version)) throw new Error(`internal: migration version ${JSON.stringify(version)}`)
  return `SELECT set_config('${COMPLETE_SETTING}', '${version}', true)`
}

/** Creates the tracking table when missing; run in a transaction, holding {@link LOCK_KEY} (see ENSURE_TABLE). */
export const TRACKING_DDL = `CREATE SCHEMA IF NOT EXISTS ${TRACKING_SCHEMA};
COMMENT ON SCHEMA ${TRACKING_SCHEMA} IS 'sparkbaas: the migration history (sparkbaas migrate). Not served by the API.';
CREATE TABLE IF NOT EXISTS ${TABLE} (
  version text PRIMARY KEY,
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  applied_by text NOT NULL
);
ALTER TABLE ${TABLE} ADD COLUMN IF NOT EXISTS run_id text;
COMMENT ON COLUMN ${TABLE}.run_id IS 'sparkbaas: a random id of the migrate up call that inserted the row; how it tells its own commit from a concurrent run''s.';
CREATE OR REPLACE FUNCTION ${TRACKING_SCHEMA}.${COMPLETE_TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $sparkbaas$
BEGIN
  IF current_setting('${COMPLETE_SETTING}', true) IS DISTINCT FROM NEW.version THEN
    RAISE EXCEPTION 'sparkbaas: migration % reached a COMMIT (or SET CONSTRAINTS ALL IMMEDIATE) before its end, so none of it was committed', NEW.version
      USING HINT = 'A migration runs in one transaction with its tracking row: remove what ends that transaction early (COMMIT, END), and name constraints in SET CONSTRAINTS. If an older sparkbaas applies migrations to this database, upgrade it. A data-only restore of this table needs pg_restore --disable-triggers.';
  END IF;
  RETURN NULL;
END
$sparkbaas$;
CREATE OR REPLACE FUNCTION ${TRACKING_SCHEMA}.sparkbaas_fail(message text) RETURNS text LANGUAGE plpgsql AS $sparkbaas$
BEGIN
  RAISE EXCEPTION '%', message;
END
$sparkbaas$;
COMMENT ON FUNCTION ${TRACKING_SCHEMA}.sparkbaas_fail(text) IS 'sparkbaas: raises its message (for the migrations script, which has no DO with psql variables).';
COMMENT ON FUNCTION ${TRACKING_SCHEMA}.${COMPLETE_TRIGGER}() IS 'sparkbaas: a tracking row commits only at the end of its migration (sparkbaas migrate).';
DO $sparkbaas$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_trigger WHERE tgname = '${COMPLETE_TRIGGER}' AND tgrelid = '${TABLE}'::regclass) THEN
    CREATE CONSTRAINT TRIGGER ${COMPLETE_TRIGGER} AFTER INSERT ON ${TABLE} DEFERRABLE INITIALLY DEFERRED
      FOR EACH ROW EXECUTE FUNCTION ${TRACKING_SCHEMA}.${COMPLETE_TRIGGER}();
  END IF;
END
$sparkbaas$;
`

const ENSURE_TABLE = `SELECT pg_advisory_xact_lock(${LOCK_KEY});\n${TRACKING_DDL}`

/** Creates the tracking schema and table when missing (owned by postgres; no other role gets any privilege). */
export async function ensureTrackingTable(target: PsqlTarget): Promise<void> {
  const result = await psql(target, ENSURE_TABLE, { singleTransaction: true })
  if (result.exitCode !== 0) throw databaseError(target, `create ${TABLE}`, result)
}

/** The tracking row, from the psql variables every migration is given (`migrate up` and the Job alike). */
export const RECORD_ROW = `INSERT INTO ${TABLE} (version, name, checksum, applied_by, run_id) VALUES (:'sparkbaas_version', :'sparkbaas_name', :'sparkbaas_checksum', :'sparkbaas_applied_by', :'sparkbaas_run');`
/** Asks PostgREST to reload its schema cache; delivered only if the transaction commits. */
export const NOTIFY_POSTGREST = "NOTIFY pgrst, 'reload schema';"

/**
 * What runs before the migration's own text, in the same transaction. It comes first so that nothing in the file
 * (an unterminated comment or string, a missing semicolon) can swallow it: whatever the file does afterwards, this
 * row commits with it or not at all. The lock serialises concurrent runs; the re-check skips a migration another
 * run applied meanwhile. PostgREST reloads its schema cache on the NOTIFY, delivered only if the migration commits.
 */
export function preamble(options: { notifyPostgrest: boolean }): string {
  return [
    `SELECT pg_advisory_xact_lock(${LOCK_KEY});`,
    `SELECT EXISTS (SELECT FROM ${TABLE} WHERE version = :'sparkbaas_version') AS sparkbaas_done \\gset`,
    '\\if :sparkbaas_done',
    '\\quit',
    '\\endif',
    RECORD_ROW,
    ...(options.notifyPostgrest ? [NOTIFY_POSTGREST] : []),
    '',
  ].join('\n')
}

export interface MigrationToApply {
  readonly version: string
  readonly name: string
  readonly checksum: string
  readonly text: string
  /** How psql's messages name the file, e.g. `migrations/2025…_x.sql`. */
  readonly label: string
}

export type ApplyOutcome =
  | { readonly outcome: 'applied'; readonly messages: readonly string[] }
  | { readonly outcome: 'skipped' }
  | { readonly outcome: 'failed'; readonly exitCode: number; readonly messages: readonly string[] }

/** The run id recorded with `version`: null when there is no row (the migration is not committed). */
async function recordedRun(target: PsqlTarget, version: string): Promise<string | null> {
  const script = `SELECT coalesce(json_agg(coalesce(run_id, '')), '[]') FROM ${TABLE} WHERE version = :'sparkbaas_version';\n`
  const result = await psql(target, script, { tuplesOnly: true, vars: { sparkbaas_version: version } })
  if (result.exitCode !== 0) throw databaseError(target, `read ${TABLE}`, result)
  const runs = JSON.parse(result.stdout) as string[]
  return runs[0] ?? null
}

/**
 * What happened to a migration, from the database: its tracking row is inserted first in the migration's
 * transaction, so the row with this run's id is there exactly when the transaction committed. psql's exit code
 * and output only explain why; they never decide.
 */
export function outcomeOf(exitCode: number, recorded: string | null, run: string, messages: readonly string[]): ApplyOutcome | 'psql_failed' | 'committed_with_error' {
  if (recorded === run) return exitCode === 0 ? { outcome: 'applied', messages } : 'committed_with_error'
  if (recorded !== null) return { outcome: 'skipped' }
  // psql exits 3 when a statement failed under ON_ERROR_STOP: the migration's own error. 0 with no row: something
  // rolled the transaction back without an error. Anything else (2: the connection, 1: psql itself, compose's own
  // codes) is not the migration's fault.
  if (exitCode === PSQL_SCRIPT_ERROR) return { outcome: 'failed', exitCode, messages }
  if (exitCode === 0) return { outcome: 'failed', exitCode, messages: [...messages, 'psql reported no error, but the database has no tracking row for this migration: its transaction was rolled back'] }
  return 'psql_failed'
}

/** Runs one migration and records it, in one transaction (`psql --single-transaction`, ON_ERROR_STOP). */
export async function applyMigration(target: PsqlTarget, migration: MigrationToApply, options: { appliedBy: string; notifyPostgrest: boolean }): Promise<ApplyOutcome> {
  const head = preamble(options)
  const run = randomUUID()
  const result = await psql(target, `${head}${migration.text}`, {
    after: completeStatement(migration.version),
    singleTransaction: true,
    vars: { sparkbaas_version: migration.version, sparkbaas_name: migration.name, sparkbaas_checksum: migration.checksum, sparkbaas_applied_by: options.appliedBy, sparkbaas_run: run },
  })
  const messages = fileLines(result.stderr, head.split('\n').length - 1, migration.label)
  const outcome = outcomeOf(result.exitCode, await recordedRun(target, migration.version), run, messages)
  if (outcome === 'psql_failed') throw databaseError(target, `apply ${migration.label} (the database has no tracking row for it: nothing was committed)`, result)
  if (outcome === 'committed_with_error') {
    throw new SparkbaasError('database_error', [`${migration.label} was committed (its tracking row is in database "${target.database}"), but psql exited with ${result.exitCode}:`, ...messages.map((l) => `  ${l}`)].join('\n'), {
      hint: 'Check what the migration did; it counts as applied. Fix anything left over in a new migration (`sparkbaas migrate new <name>`).',
    })
  }
  return outcome
}

/** psql's messages with `psql:<stdin>:N:` turned into `<file>:M:`, M counted in the migration file. */
export function fileLines(stderr: string, preambleLines: number, label: string): string[] {
  return stderr
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .filter((l) => l !== '')
    .map((l) =>
      l.replace(/^psql:<stdin>:(\d+):/, (_, n: string) => (Number(n) > preambleLines ? `${label}:${Number(n) - preambleLines}:` : 'sparkbaas (before the migration):')),
    )
}
