/**
 * `migrate up` as one psql script, for where sparkbaas itself cannot run psql (the Kubernetes target's migrations
 * Job runs it in the postgres image: `psql -X -q -v ON_ERROR_STOP=1 -f <script>`). It keeps `migrate up`'s
 * protocol (psql.ts) so either may apply a database's migrations and `migrate status` reads both the same:
 * - the tracking table is created as `up` creates it, then nothing runs while an applied migration's checksum
 *   differs from its file's or its file is gone (the exception names them);
 * - each migration runs in a session of its own (`\connect`, so a `SET` in one never reaches the next, as with
 *   `up`'s psql per migration) and in one transaction with its tracking row, under the same advisory lock and
 *   re-check, so a concurrent `up` or an older Job still running take turns and skip what the other applied, and
 *   with the same psql variables (`:'sparkbaas_version'`, …);
 * - the tracking row commits only with the mark set after the file's last statement (psql.ts, COMPLETE_SETTING):
 *   a COMMIT inside a migration fails instead of committing part of it;
 * - the migration's text is included with `\ir`: psql lexes an included file on its own and sends what is left
 *   at its end, so nothing in it (an unterminated string or comment) can swallow the COMMIT after it
 *   (postgres/postgres src/bin/psql/mainloop.c: MainLoop makes a scan state per file and sends the remaining
 *   query buffer at end of file); test/migrate/script.live.test.ts shows both on a real PostgreSQL;
 * - the first migration that fails ends the script (ON_ERROR_STOP: psql exits 3), rolled back alone.
 * Versions and checksums are digits and hex; a name may hold anything, so it is written as hex and decoded by
 * the server. Nothing else of the files is pasted into the script. The steps per migration are written once, in
 * {@link APPLY_SCRIPT}, which the script includes with each migration's variables set (psql interpolates `:name` in
 * a meta-command's arguments, `\ir :sparkbaas_file` too): about 300 bytes and twice the name's length per
 * migration, so thousands fit the ConfigMap the script is mounted from.
 */
import { basename } from 'node:path'
import { SparkbaasError, type Problem } from '../errors.js'
import { listMigrations, MIGRATIONS_DIR, type MigrationFile } from './files.js'
import { fileProblems } from './plan.js'
import { COMPLETE_SETTING, LOCK_KEY, NOTIFY_POSTGREST, RECORD_ROW, TABLE, TRACKING_DDL } from './psql.js'
import { TRACKING_SCHEMA } from './target.js'

export interface ScriptOptions {
  /** Each migration's file name beside the script (`\ir` reads it relative to the script's folder). */
  readonly fileName: (migration: MigrationFile) => string
  /** The tracking rows' applied_by. Printable ASCII without a quote. */
  readonly appliedBy: string
  /** Ask PostgREST to reload its schema cache with each migration (its database is the one migrated). */
  readonly notifyPostgrest: boolean
  /** The script's first lines (the generated-file header, as `--` comments). */
  readonly header?: string
}

const VERSION = /^\d{14}$/
const CHECKSUM = /^[0-9a-f]{64}$/
const SAFE_TEXT = /^[\x20-\x7e]*$/
const SAFE_FILE = /^[-._a-zA-Z0-9]+$/

/** The advisory lock of psql.ts, its (void) result kept out of the Job's log. */
const LOCK = `SELECT pg_advisory_xact_lock(${LOCK_KEY}) AS sparkbaas_locked \\gset`

const hex = (text: string): string => Buffer.from(text, 'utf8').toString('hex')

/** The script psql runs, and the one it includes for each migration, {@link APPLY_SCRIPT} beside it. */
export interface MigrationScripts {
  readonly script: string
  readonly apply: string
}

/** The file the script includes per migration (`\\ir`, beside it): the per-migration steps once, not once per migration. */
export const APPLY_SCRIPT = 'apply-one.psql'

export function migrationScript(migrations: readonly MigrationFile[], options: ScriptOptions): MigrationScripts {
  if (!SAFE_TEXT.test(options.appliedBy) || options.appliedBy.includes("'")) throw new Error(`internal: applied_by ${JSON.stringify(options.appliedBy)} is not plain ASCII`)
  if (migrations.length === 0) throw new Error('internal: a migration script needs a migration')
  for (const m of migrations) {
    if (!VERSION.test(m.version) || !CHECKSUM.test(m.checksum)) throw new Error(`internal: migration ${JSON.stringify(m.version)} has no 14-digit version or SHA-256 checksum`)
    if (m.text === undefined) throw new Error(`internal: migration ${m.version} is not UTF-8 text`)
    if (!SAFE_FILE.test(options.fileName(m))) throw new Error(`internal: migration file name ${JSON.stringify(options.fileName(m))}`)
  }
  const known = migrations.map((m) => `('${m.version}', '${m.checksum}')`).join(',\n      ')
  const lines = [
    ...(options.header === undefined ? [] : [options.header.trimEnd()]),
    `-- Applies migrations/ as \`sparkbaas migrate up\` does, recording each in ${TABLE}.`,
    '\\set ON_ERROR_STOP 1',
    '\\set QUIET 1',
    'BEGIN;',
    LOCK,
    TRACKING_DDL.trimEnd(),
    'COMMIT;',
    '',
    '-- Nothing runs while an applied migration differs from its file, or its file is gone.',
    'DO $sparkbaas$',
    'DECLARE',
    '  drift text;',
    'BEGIN',
    '  WITH known (version, checksum) AS (VALUES',
    `      ${known})`,
    "  SELECT string_agg(t.version || CASE WHEN EXISTS (SELECT FROM known k WHERE k.version = t.version) THEN ' (edited since it was applied)' ELSE ' (no file has this version any more)' END, ', ' ORDER BY t.version)",
    '  INTO drift',
    `  FROM ${TABLE} t`,
    '  WHERE NOT EXISTS (SELECT FROM known k WHERE k.version = t.version AND k.checksum = t.checksum);',
    '  IF drift IS NOT NULL THEN',
    "    RAISE EXCEPTION 'sparkbaas: nothing was applied: applied migrations differ from their files: %', drift",
    "      USING HINT = 'An applied migration must stay as it was: restore its file and make the change in a new migration (sparkbaas migrate new <name>).';",
    '  END IF;',
    'END',
    '$sparkbaas$;',
  ]
  for (const m of migrations) {
    // The variables `migrate up` gives a migration (psql.ts) are set from the server's answer in APPLY_SCRIPT; here
    // only what it starts from: digits, hex and a safe file name, so nothing of a file is pasted into the script.
    lines.push(
      '',
      `\\set sparkbaas_version ${m.version}`,
      `\\set sparkbaas_name_hex ${hex(m.name)}`,
      `\\set sparkbaas_checksum ${m.checksum}`,
      `\\set sparkbaas_file ${options.fileName(m)}`,
      `\\ir ${APPLY_SCRIPT}`,
    )
  }
  lines.push('', `\\echo migrations: done, ${migrations.length === 1 ? '1 migration' : `${migrations.length} migrations`} up to date`)
  const apply = [
    ...(options.header === undefined ? [] : [options.header.trimEnd()]),
    `-- Applies one migration as \`sparkbaas migrate up\` does, unless ${TABLE} has its row. The migrations script`,
    '-- includes it once per migration, with its version, name (as hex), checksum and file set.',
    '\\connect',
    'BEGIN;',
    LOCK,
    "SELECT :'sparkbaas_version' AS sparkbaas_version, convert_from(decode(:'sparkbaas_name_hex', 'hex'), 'UTF8') AS sparkbaas_name, :'sparkbaas_checksum' AS sparkbaas_checksum,",
    `  '${options.appliedBy}' AS sparkbaas_applied_by, gen_random_uuid()::text AS sparkbaas_run,`,
    `  EXISTS (SELECT FROM ${TABLE} WHERE version = :'sparkbaas_version') AS sparkbaas_done \\gset`,
    '\\if :sparkbaas_done',
    'ROLLBACK;',
    '\\else',
    '\\echo applying migration :sparkbaas_version',
    RECORD_ROW,
    ...(options.notifyPostgrest ? [NOTIFY_POSTGREST] : []),
    '\\ir :sparkbaas_file',
    // The mark, only if this run's row is still there: a ROLLBACK that reached the server from inside the file took
    // the row with it, and what followed ran (and committed) on its own; psql would go on with a warning.
    `SELECT CASE WHEN EXISTS (SELECT FROM ${TABLE} WHERE version = :'sparkbaas_version' AND run_id = :'sparkbaas_run')`,
    `  THEN set_config('${COMPLETE_SETTING}', :'sparkbaas_version', true)`,
    `  ELSE ${TRACKING_SCHEMA}.sparkbaas_fail('sparkbaas: migration ' || :'sparkbaas_version' || ' ended its own transaction part-way (ROLLBACK), so it is not recorded and the statements after that ran on their own: undo what they did, remove the ROLLBACK, and apply again')`,
    '  END AS sparkbaas_complete \\gset',
    'COMMIT;',
    '\\endif',
  ]
  return { script: `${lines.join('\n')}\n`, apply: `${apply.join('\n')}\n` }
}

/**
 * The migrations in `dir` for a script, in version order; none without the folder. Refuses, naming file and line,
 * any migration `migrate up` would refuse to run in a transaction: the script cannot tell which are applied, and
 * a refused one would fail on the cluster instead.
 */
export async function scriptMigrations(dir: string): Promise<MigrationFile[]> {
  const files = await listMigrations(dir)
  const problems: Problem[] = files.flatMap((file) =>
    fileProblems(file).map((p) => ({
      path: `${MIGRATIONS_DIR}/${basename(file.path)}${p.line > 0 ? `:${p.line}` : ''}`,
      code: 'migration_invalid',
      message: p.message,
    })),
  )
  if (problems.length > 0) {
    throw new SparkbaasError('migration_invalid', `${MIGRATIONS_DIR}/ holds migrations the Kubernetes target's migrations Job cannot run in a transaction:`, {
      problems,
      hint: 'Change these migrations, then run `sparkbaas generate` again.',
    })
  }
  return files
}
