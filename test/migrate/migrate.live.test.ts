/**
 * `sparkbaas migrate` for real: the built CLI against a generated stack whose postgres is a throwaway local
 * PostgreSQL initialised with the generated init SQL (test/helpers/pg-stack.ts); psql runs through the fake
 * `compose exec postgres`, exactly as the CLI would call it in the container.
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { findPostgres, pgStack, postgresContainerEnv, type PgStack } from '../helpers/pg-stack.js'

const found = findPostgres()
if (!found.found) console.warn(`[migrate.live.test] skipped: ${found.reason}`)

const TIMEOUT = 90_000

/** The refusal of a meta-command in a migration (src/migrate/sql-scan.ts), in full. */
const META = (name: string) =>
  `\\${name}: psql meta-commands are not allowed in migrations: they act in psql, not in the migration's transaction ` +
  '(they can turn off ON_ERROR_STOP, send or repeat queries, read or write files, run shell commands) — remove it and write plain SQL; if you need it, ' +
  'run it yourself with `sparkbaas exec postgres -- psql -U postgres -d <database>`'
const SEMI = '\\; makes psql send the statements around it as one query, which this check cannot see into (a COMMIT there would go unnoticed) — end each statement with a plain ;'

async function stack(): Promise<PgStack> {
  if (!found.found) throw new Error('unreachable: the suite is skipped without PostgreSQL')
  return pgStack(found.bin)
}

function write(s: PgStack, fileName: string, text: string): string {
  mkdirSync(join(s.dir, 'migrations'), { recursive: true })
  const path = join(s.dir, 'migrations', fileName)
  writeFileSync(path, text)
  return path
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex')

interface Row {
  version: string
  name: string
  checksum: string
  applied_at: string
  applied_by: string
}

/** The tracking table as JSON (names may hold anything), or null when it does not exist. */
async function tracked(s: PgStack, db = 'app'): Promise<Row[] | null> {
  const exists = await s.sql(db, "select to_regclass('sparkbaas.sparkbaas_migrations') is not null")
  if (exists !== 't') return null
  return JSON.parse(await s.sql(db, 'select coalesce(json_agg(m order by version), \'[]\') from sparkbaas.sparkbaas_migrations m')) as Row[]
}

const exists = async (s: PgStack, relation: string, db = 'app') => (await s.sql(db, `select to_regclass('${relation}') is not null`)) === 't'

/** applied_at as status prints it. */
const appliedAt = async (s: PgStack, version: string) =>
  s.sql('app', `select to_char(applied_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') from sparkbaas.sparkbaas_migrations where version = '${version}'`)

describe.skipIf(!found.found)('migrate on a real PostgreSQL', () => {
  test(
    'new → up applies in order, records versions and checksums; a second up applies nothing; the API roles get the default privileges',
    async () => {
      const s = await stack()
      const first = JSON.parse((await s.run(['migrate', 'new', 'create_todos', '--json'])).stdout) as { version: string; file: string }
      const second = JSON.parse((await s.run(['migrate', 'new', 'seed_todos', '--json'])).stdout) as { version: string; file: string }
      const [v1, v2] = [first.version, second.version]
      const [f1, f2] = [join(s.dir, 'migrations', `${v1}_create_todos.sql`), join(s.dir, 'migrations', `${v2}_seed_todos.sql`)]
      writeFileSync(f1, `${readFileSync(f1, 'utf8')}create table api.todos (id bigint generated always as identity primary key, title text not null);\n`)
      // Depends on the first: fails unless they run in version order.
      writeFileSync(f2, `${readFileSync(f2, 'utf8')}insert into api.todos (title) values ('first');\n`)

      const before = await s.run(['migrate', 'status'])
      expect(before.code).toBe(0)
      expect(before.stdout).toBe(`Database "app", migrations/: 0 applied, 2 pending\n  pending   ${v1}  create_todos\n  pending   ${v2}  seed_todos\n`)
      // status only reads: no tracking table yet.
      expect(await tracked(s)).toBeNull()

      const up = await s.run(['migrate', 'up'])
      expect(up.stderr).toBe('')
      expect(up.code).toBe(0)
      expect(up.stdout).toBe(
        `✔ Applied migrations/${v1}_create_todos.sql\n✔ Applied migrations/${v2}_seed_todos.sql\n2 migrations applied to database "app"; it is up to date.\n`,
      )
      const rows = await tracked(s)
      expect(rows!.map((r) => [r.version, r.name, r.checksum])).toEqual([
        [v1, 'create_todos', sha256(f1)],
        [v2, 'seed_todos', sha256(f2)],
      ])
      expect(rows!.every((r) => /^.+@.+$/.test(r.applied_by))).toBe(true)
      expect(await s.sql('app', 'select title from api.todos')).toBe('first')

      // Tables postgres creates in an API schema: the init SQL's default privileges apply (anon reads nothing new
      // unless api.anonReadsNewTables; a migration grants it per table). The tracking schema: none.
      const can = (sql: string) => s.sql('app', `select ${sql}`)
      expect(await can("has_table_privilege('anon', 'api.todos', 'SELECT')")).toBe('f')
      expect(await can("has_table_privilege('anon', 'api.todos', 'INSERT')")).toBe('f')
      expect(await can("has_table_privilege('authenticated', 'api.todos', 'SELECT, INSERT, UPDATE, DELETE')")).toBe('t')
      expect(await can("has_sequence_privilege('authenticated', 'api.todos_id_seq', 'USAGE')")).toBe('t')
      for (const role of ['anon', 'authenticated', 'authenticator']) {
        expect(await can(`has_schema_privilege('${role}', 'sparkbaas', 'USAGE')`)).toBe('f')
        expect(await can(`has_table_privilege('${role}', 'sparkbaas.sparkbaas_migrations', 'SELECT')`)).toBe('f')
      }

      const again = await s.run(['migrate', 'up'])
      expect(again.code).toBe(0)
      expect(again.stdout).toBe('Nothing to apply: database "app" is up to date (2 migrations applied).\n')
      expect(await tracked(s)).toEqual(rows)
      const againJson = await s.run(['migrate', 'up', '--json'])
      expect(JSON.parse(againJson.stdout)).toEqual({ ok: true, database: 'app', dryRun: false, applied: [], skipped: [], upToDate: 2, outOfOrder: [] })

      const after = await s.run(['migrate', 'status'])
      const [at1, at2] = [await appliedAt(s, v1), await appliedAt(s, v2)]
      expect(after.stdout).toBe(`Database "app", migrations/: 2 applied, 0 pending\n  applied   ${v1}  create_todos  ${at1}\n  applied   ${v2}  seed_todos    ${at2}\n`)
    },
    TIMEOUT,
  )

  test(
    'a failing migration is rolled back alone, with psql\'s error at its line; earlier ones stay, later ones do not run',
    async () => {
      const s = await stack()
      write(s, '20250101000000_one.sql', 'create table api.one (x int);\n')
      const two = write(s, '20250102000000_two.sql', 'create table api.two (x int);\ninsert into api.two values (1);\nselect * from api.nope;\n')
      write(s, '20250103000000_three.sql', 'create table api.three (x int);\n')

      const result = await s.run(['migrate', 'up'])
      expect(result.code).toBe(1)
      expect(result.stdout).toBe('✔ Applied migrations/20250101000000_one.sql\n')
      expect(result.stderr).toBe(
        [
          '✖ migrations/20250102000000_two.sql failed and was rolled back (the 1 migration before it stays applied, 1 later migration not run):',
          '  migrations/20250102000000_two.sql:3: ERROR:  relation "api.nope" does not exist',
          '  LINE 1: select * from api.nope;',
          '                        ^',
          'hint: Fix the migration and run `sparkbaas migrate up` again; it starts with this one.',
          '',
        ].join('\n'),
      )
      expect(await exists(s, 'api.one')).toBe(true)
      expect(await exists(s, 'api.two')).toBe(false)
      expect(await exists(s, 'api.three')).toBe(false)
      expect((await tracked(s))!.map((r) => r.version)).toEqual(['20250101000000'])

      const json = await s.run(['migrate', 'up', '--json'])
      expect(json.code).toBe(1)
      const messages = ['migrations/20250102000000_two.sql:3: ERROR:  relation "api.nope" does not exist', 'LINE 1: select * from api.nope;', '                      ^']
      const ref = (version: string, name: string, path: string) => ({ version, name, file: `<tmp>/migrations/${version}_${name}.sql`, checksum: sha256(path) })
      expect(JSON.parse(json.stdout)).toEqual({
        ok: false,
        problems: [{ path: 'migrations/20250102000000_two.sql', message: messages.join('\n'), code: 'migration_failed' }],
        database: 'app',
        dryRun: false,
        applied: [],
        skipped: [],
        upToDate: 1,
        outOfOrder: [],
        failed: { ...ref('20250102000000', 'two', two), messages },
        notRun: [ref('20250103000000', 'three', join(s.dir, 'migrations/20250103000000_three.sql'))],
      })

      // Fixed, the run picks up where it stopped.
      writeFileSync(two, 'create table api.two (x int);\ninsert into api.two values (1);\n')
      const fixed = await s.run(['migrate', 'up'])
      expect(fixed.code).toBe(0)
      expect(fixed.stdout).toBe(
        '✔ Applied migrations/20250102000000_two.sql\n✔ Applied migrations/20250103000000_three.sql\n2 migrations applied to database "app"; it is up to date.\n',
      )
      expect(await s.sql('app', 'select count(*) from api.two')).toBe('1')
    },
    TIMEOUT,
  )

  test(
    'an applied migration edited or deleted afterwards: status reports it (exit 0), up refuses and applies nothing',
    async () => {
      const s = await stack()
      const one = write(s, '20250101000000_one.sql', 'create table api.one (x int);\n')
      const gone = write(s, '20250102000000_gone.sql', 'create table api.gone (x int);\n')
      expect((await s.run(['migrate', 'up'])).code).toBe(0)
      const recorded = sha256(one)
      writeFileSync(one, 'create table api.one (x int);\n-- a harmless-looking comment\n')
      rmSync(gone)
      write(s, '20250103000000_three.sql', 'create table api.three (x int);\n')
      const [at1, at2] = [await appliedAt(s, '20250101000000'), await appliedAt(s, '20250102000000')]

      const status = await s.run(['migrate', 'status'])
      expect(status.code).toBe(0)
      expect(status.stdout).toBe(
        [
          'Database "app", migrations/: 0 applied, 1 pending, 1 modified, 1 missing',
          `  modified  20250101000000  one    applied ${at1}, edited since`,
          `  missing   20250102000000  gone   applied ${at2}, file gone`,
          '  pending   20250103000000  three',
          '`sparkbaas migrate up` refuses to run until every applied migration matches its file again: restore the file, and make changes in a new migration.',
          '',
        ].join('\n'),
      )
      const statusJson = JSON.parse((await s.run(['migrate', 'status', '--json'])).stdout) as { counts: object; migrations: object[] }
      expect(statusJson.counts).toEqual({ applied: 0, pending: 1, modified: 1, missing: 1 })
      expect(statusJson.migrations[0]).toEqual({
        version: '20250101000000',
        name: 'one',
        state: 'modified',
        file: '<tmp>/migrations/20250101000000_one.sql',
        checksum: sha256(one),
        appliedChecksum: recorded,
        appliedAt: at1,
        appliedBy: expect.stringMatching(/@/),
        problems: [],
      })
      expect(statusJson.migrations[1]).toMatchObject({ state: 'missing', file: null, checksum: null, appliedAt: at2 })

      const up = await s.run(['migrate', 'up'])
      expect(up.code).toBe(1)
      expect(up.stdout).toBe('')
      expect(up.stderr).toBe(
        [
          '✖ Nothing was applied to database "app": applied migrations differ from their files:',
          `  migrations/20250101000000_one.sql: was applied on ${at1} and has been edited since (its checksum differs from the one recorded)`,
          `  migrations/20250102000000_gone.sql: was applied on ${at2}, but no file has version 20250102000000 any more`,
          'hint: An applied migration must stay as it was. Restore the file (e.g. `git checkout -- <file>`) and make the change in a new migration (`sparkbaas migrate new <name>`). ' +
            "If the database really should forget one, delete its row: DELETE FROM sparkbaas.sparkbaas_migrations WHERE version = '…'.",
          '',
        ].join('\n'),
      )
      expect(await exists(s, 'api.three')).toBe(false)
      expect((await tracked(s))!.map((r) => r.version)).toEqual(['20250101000000', '20250102000000'])
      const upJson = JSON.parse((await s.run(['migrate', 'up', '--json'])).stdout) as { ok: boolean; problems: { code: string }[] }
      expect(upJson.ok).toBe(false)
      expect(upJson.problems.map((p) => p.code)).toEqual(['migration_modified', 'migration_missing'])
    },
    TIMEOUT,
  )

  test(
    'hostile names and content are applied verbatim and recorded: quotes, $$, psql variables, backslashes, unicode',
    async () => {
      const s = await stack()
      const name = `it's "$$" :'x' :"y" \\ é ☃ 𝄞`
      const sql = [
        `create table api."we'ird ""tbl"" ☃" (n int, v text);`,
        `insert into api."we'ird ""tbl"" ☃" values`,
        `  (1, 'it''s'),`,
        `  (2, $$ $q$ :'x' :'sparkbaas_name' ' " \\ $$),`,
        `  (3, E'back\\\\slash\\ttab'),`,
        `  (4, ':''sparkbaas_version'' :x'),`,
        `  (5, 'ünï☃ 𝄞 \u2028 end');`,
        `create function api.hostile() returns text language plpgsql as $fn$ begin return ':''x'' $$ '';'; end $fn$;`,
        '',
      ].join('\n')
      const path = write(s, `20250101000000_${name}.sql`, sql)

      const up = await s.run(['migrate', 'up'])
      expect(up.stderr).toBe('')
      expect(up.code).toBe(0)
      expect(up.stdout).toBe(`✔ Applied migrations/20250101000000_${name}.sql\n1 migration applied to database "app"; it is up to date.\n`)
      const values = JSON.parse(await s.sql('app', `select json_agg(v order by n) from api."we'ird ""tbl"" ☃"`)) as string[]
      expect(values).toEqual(["it's", ` $q$ :'x' :'sparkbaas_name' ' " \\ `, 'back\\slash\ttab', ":'sparkbaas_version' :x", 'ünï☃ 𝄞 \u2028 end'])
      expect(await s.sql('app', 'select api.hostile()')).toBe(":'x' $$ ';")
      const rows = await tracked(s)
      expect(rows!.map((r) => [r.version, r.name, r.checksum])).toEqual([['20250101000000', name, sha256(path)]])

      const status = await s.run(['migrate', 'status', '--json'])
      expect((JSON.parse(status.stdout) as { migrations: { name: string; state: string }[] }).migrations.map((m) => [m.name, m.state])).toEqual([[name, 'applied']])
    },
    TIMEOUT,
  )

  test(
    'how a file ends cannot swallow its tracking row: no final semicolon applies; an unterminated comment fails whole',
    async () => {
      const s = await stack()
      write(s, '20250101000000_no_semicolon.sql', 'create table api.a (x int)\n-- the end, no newline')
      write(s, '20250102000000_open_comment.sql', 'create table api.b (x int);\n/* never closed\n')
      const up = await s.run(['migrate', 'up'])
      expect(up.code).toBe(1)
      expect(up.stdout).toBe('✔ Applied migrations/20250101000000_no_semicolon.sql\n')
      expect(up.stderr).toBe(
        [
          '✖ migrations/20250102000000_open_comment.sql failed and was rolled back (the 1 migration before it stays applied):',
          '  migrations/20250102000000_open_comment.sql:2: ERROR:  unterminated /* comment at or near "/* never closed"',
          '  LINE 1: /* never closed',
          '          ^',
          'hint: Fix the migration and run `sparkbaas migrate up` again; it starts with this one.',
          '',
        ].join('\n'),
      )
      expect(await exists(s, 'api.a')).toBe(true)
      expect(await exists(s, 'api.b')).toBe(false)
      expect((await tracked(s))!.map((r) => r.version)).toEqual(['20250101000000'])
    },
    TIMEOUT,
  )

  test(
    'transaction control in a pending migration: refused before anything runs (not even the tracking table)',
    async () => {
      const s = await stack()
      write(s, '20250101000000_fine.sql', 'create table api.fine (x int);\n')
      write(s, '20250102000000_own_tx.sql', 'begin;\ncreate table api.mine (x int);\ncommit;\ncreate index concurrently mine_x on api.mine (x);\n')
      const up = await s.run(['migrate', 'up'])
      expect(up.code).toBe(1)
      const TX =
        'each migration already runs in one transaction with its tracking row, and transaction control of its own would commit part of it even if a later statement fails — remove it'
      expect(up.stderr).toBe(
        [
          '✖ Nothing was applied to database "app": pending migrations cannot run in a transaction as they are:',
          `  migrations/20250102000000_own_tx.sql:1: BEGIN: ${TX}`,
          `  migrations/20250102000000_own_tx.sql:3: COMMIT: ${TX}`,
          "  migrations/20250102000000_own_tx.sql:4: CREATE INDEX CONCURRENTLY cannot run inside a transaction block, and sparkbaas runs each migration in one — drop CONCURRENTLY (the table is locked against writes while it runs), or run the statement yourself with `sparkbaas exec postgres -- psql -U postgres -d <database> -c '…'`",
          'hint: Change these migrations, then run `sparkbaas migrate up` again.',
          '',
        ].join('\n'),
      )
      expect(await exists(s, 'api.fine')).toBe(false)
      expect(await tracked(s)).toBeNull()
      // status shows why, and still exits 0.
      const status = await s.run(['migrate', 'status'])
      expect(status.code).toBe(0)
      expect(status.stdout).toBe(
        [
          'Database "app", migrations/: 0 applied, 2 pending',
          '  pending   20250101000000  fine',
          '  pending   20250102000000  own_tx',
          `            ! line 1: BEGIN: ${TX}`,
          `            ! line 3: COMMIT: ${TX}`,
          "            ! line 4: CREATE INDEX CONCURRENTLY cannot run inside a transaction block, and sparkbaas runs each migration in one — drop CONCURRENTLY (the table is locked against writes while it runs), or run the statement yourself with `sparkbaas exec postgres -- psql -U postgres -d <database> -c '…'`",
          '',
        ].join('\n'),
      )
    },
    TIMEOUT,
  )

  test(
    'psql meta-commands in a pending migration (\\gexec, \\;, \\set ON_ERROR_STOP, \\!, \\o, \\i, \\echo of the marker): each refused before anything runs',
    async () => {
      // Each of these, fed to psql, acts outside what the transaction check reads: psqlscan.l (postgres/postgres
      // src/fe_utils/psqlscan.l) hands any backslash outside quotes, comments and dollar quotes to the meta-command
      // lexer (src/bin/psql/psqlscanslash.l), and `\;` puts a semicolon into the query buffer without sending it.
      const s = await stack()
      const pwned = join(s.dir, 'pwned')
      write(s, '20250101000000_fine.sql', 'create table api.fine (x int);\n')
      const attacks: [string, string, number, string][] = [
        ['gexec', "create table api.a1 (x int);\nselect 'commit' \\gexec\nselect * from api.nope;\n", 2, META('gexec')],
        ['semicolon', 'create table api.a2 (x int);\nselect 1\\; commit;\nselect * from api.nope;\n', 2, SEMI],
        ['on_error_stop', '\\set ON_ERROR_STOP off\ncreate table api.a3 (x int);\nselect * from api.nope;\n', 1, META('set')],
        ['shell', `create table api.a4 (x int);\n\\! touch ${pwned}\n`, 2, META('!')],
        ['output', `\\o ${pwned}\ncreate table api.a5 (x int);\n`, 1, META('o')],
        ['include', `create table api.a6 (x int);\n\\i ${pwned}\n`, 2, META('i')],
        ['marker', 'create table api.a7 (x int);\n\\echo sparkbaas:already-applied\n', 2, META('echo')],
        ['backquote', "\\if `touch " + pwned + '`\n\\endif\n', 1, META('if')],
      ]
      for (const [i, [name, sql]] of attacks.entries()) write(s, `2025010200000${i}_${name}.sql`, sql)

      const up = await s.run(['migrate', 'up'])
      expect(up.code).toBe(1)
      expect(up.stdout).toBe('')
      expect(up.stderr).toBe(
        [
          '✖ Nothing was applied to database "app": pending migrations cannot run in a transaction as they are:',
          ...attacks.flatMap(([name, , line, message], i) => {
            const rows = [`  migrations/2025010200000${i}_${name}.sql:${line}: ${message}`]
            if (name === 'backquote') rows.push(`  migrations/2025010200000${i}_${name}.sql:2: ${META('endif')}`)
            return rows
          }),
          'hint: Change these migrations, then run `sparkbaas migrate up` again.',
          '',
        ].join('\n'),
      )
      expect(existsSync(pwned)).toBe(false)
      expect(await tracked(s)).toBeNull()
      for (const table of ['api.fine', 'api.a1', 'api.a2', 'api.a3', 'api.a4', 'api.a5', 'api.a6', 'api.a7']) expect(await exists(s, table), table).toBe(false)
    },
    TIMEOUT,
  )

  test(
    '--dry-run changes nothing; --database postgres migrates that database with its own history',
    async () => {
      const s = await stack()
      write(s, '20250101000000_one.sql', 'create table public.one (x int);\n')
      const dry = await s.run(['migrate', 'up', '--dry-run'])
      expect(dry.code).toBe(0)
      expect(dry.stdout).toBe('Would apply to database "app" (dry run, nothing was changed):\n  migrations/20250101000000_one.sql\n')
      expect(await tracked(s)).toBeNull()
      expect(await exists(s, 'public.one')).toBe(false)

      const up = await s.run(['migrate', 'up', '--database', 'postgres'])
      expect(up.code).toBe(0)
      expect(up.stdout).toBe('✔ Applied migrations/20250101000000_one.sql\n1 migration applied to database "postgres"; it is up to date.\n')
      expect(await exists(s, 'public.one', 'postgres')).toBe(true)
      expect((await tracked(s, 'postgres'))!.map((r) => r.version)).toEqual(['20250101000000'])
      expect(await tracked(s, 'app')).toBeNull()
      const status = await s.run(['migrate', 'status', '--database', 'postgres'])
      expect(status.stdout).toMatch(/^Database "postgres", migrations\/: 1 applied, 0 pending\n/)
    },
    TIMEOUT,
  )

  test(
    'two `migrate up` at once apply each migration exactly once',
    async () => {
      const s = await stack()
      for (const n of [1, 2, 3]) write(s, `2025010100000${n}_m${n}.sql`, `select pg_sleep(0.3);\ncreate table api.m${n} (x int);\n`)
      const runs = await Promise.all([s.run(['migrate', 'up', '--json']), s.run(['migrate', 'up', '--json'])])
      for (const r of runs) expect(r.code, r.stderr).toBe(0)
      const reports = runs.map((r) => JSON.parse(r.stdout) as { applied: { version: string }[] })
      const applied = reports.flatMap((r) => r.applied.map((m) => m.version))
      expect(applied.sort()).toEqual(['20250101000001', '20250101000002', '20250101000003'])
      expect((await tracked(s))!.map((r) => r.version)).toEqual(['20250101000001', '20250101000002', '20250101000003'])
    },
    TIMEOUT,
  )

  test(
    'a database the cluster does not have (added to the config after the first start): psql\'s error and how to create it',
    async () => {
      const s = await stack()
      await s.sql('postgres', 'drop database app')
      const status = await s.run(['migrate', 'status'])
      expect(status.code).toBe(1)
      const lines = status.stderr.split('\n')
      expect(lines[0]).toBe('✖ Could not read sparkbaas.sparkbaas_migrations in database "app" (psql in the postgres container exited with 2):')
      expect(lines[1]).toMatch(/^ {2}psql: error: connection to server on socket ".+" failed: FATAL: {2}database "app" does not exist$/)
      expect(lines.slice(2)).toEqual([
        'hint: The database is made by the init SQL, which `sparkbaas up` applies on every start (its postgres-init job), ' +
          'so a database added to the config is created by the next `sparkbaas up`.',
        '',
      ])
      // The hint works: the init files, as postgres-init runs them (test/integration/postgres-init.test.ts runs its
      // very command), bring the database back.
      const env = postgresContainerEnv(s.out)
      const init = (f: string) => join(s.out, 'postgres/init', f)
      const rerun = await s.pg.psql(['-U', 'postgres', '-d', 'postgres', '-X', '-v', 'ON_ERROR_STOP=1', '-f', init('10-databases.sql'), '-f', init('20-db-app.sql')], { env })
      expect(rerun.exitCode, rerun.stderr).toBe(0)
      expect((await s.run(['migrate', 'status'])).code).toBe(0)
    },
    TIMEOUT,
  )

  test(
    'no migrations folder: status says how to start',
    async () => {
      const s = await stack()
      const status = await s.run(['migrate', 'status'])
      expect(status.code).toBe(0)
      expect(status.stdout).toBe('Database "app", migrations/: 0 applied, 0 pending\n  No migrations yet: create one with `sparkbaas migrate new <name>`.\n')
      const up = await s.run(['migrate', 'up'])
      expect(up.stdout).toBe('Nothing to apply: database "app" is up to date (0 migrations applied).\n')
    },
    TIMEOUT,
  )
})
