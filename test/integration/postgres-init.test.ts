/**
 * The postgres-init job of the generated compose file, run for real: its own `command` (the `sh -c` script, `$$`
 * unescaped as compose does) and `environment` (`${VAR}`s from the generated .env), against a throwaway
 * PostgreSQL. Only what compose would provide differently is changed: the mount path of `postgres/init` (the
 * script's folder) and libpq's host, port and password (the test cluster instead of the `postgres` service).
 *
 * Why the job exists: the postgres image runs /docker-entrypoint-initdb.d only when the data directory is empty
 * (docker-library/postgres docker-entrypoint.sh: `if [ -z "$DATABASE_ALREADY_EXISTS" ]` around
 * docker_process_init_files), so a database, role, schema or extension added to the config after the first start
 * never took effect. The job runs on every `up` and must converge without touching the data already there.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generate } from '../../src/generate.js'
import { INIT_SQL_MOUNT, POSTGRES_INIT } from '../../src/model/jobs.js'
import { dotenvValues, parseDotenv } from '../../src/write/dotenv.js'
import { composeDoc, resolvedService } from '../helpers/compose-service.js'
import { findPostgres, startPostgres, type PostgresServer } from '../helpers/postgres.js'

const pgFound = findPostgres()
if (!pgFound.found) console.warn(`[postgres-init.test] skipped: ${pgFound.reason}`)

const V1 = { project: 'conv', postgres: { databases: ['app'] } }
const V2 = {
  project: 'conv',
  postgres: { databases: ['app', 'reports'], extensions: ['pgcrypto'] },
  api: { schemas: ['api', 'extra'], anonRole: 'anon', realm: 'main' },
  realms: [{ name: 'main', roles: ['user'] }],
}

let project: string
let pg: PostgresServer

/** Runs the job as compose would, from what the last generate wrote. */
async function runJob(password = pg.superuserPassword) {
  const out = join(project, 'generated')
  const { command, environment } = resolvedService(out, POSTGRES_INIT)
  const [shell, flag, script] = command
  expect([shell, flag]).toEqual(['sh', '-c'])
  return execa(shell!, [flag!, script!.replaceAll(INIT_SQL_MOUNT, join(out, 'postgres/init'))], {
    env: {
      PATH: `${pgFound.found ? pgFound.bin.bindir : ''}:${process.env.PATH}`,
      ...environment,
      PGHOST: '127.0.0.1',
      PGPORT: String(pg.port),
      PGPASSWORD: password,
    },
    extendEnv: false,
    reject: false,
  })
}

async function sql(database: string, query: string): Promise<string> {
  const r = await pg.psql(['-X', '-qAt', '-v', 'ON_ERROR_STOP=1', '--username', 'postgres', '--dbname', database, '-c', query])
  if (r.exitCode !== 0) throw new Error(`psql: ${r.stderr}`)
  return r.stdout.trim()
}

async function writeConfig(config: object) {
  writeFileSync(join(project, 'sparkbaas.config.json'), JSON.stringify(config))
  await generate({ cwd: project })
}

describe.skipIf(!pgFound.found)('postgres-init converges the database on every up', () => {
  beforeAll(async () => {
    if (!pgFound.found) return
    project = mkdtempSync(join(tmpdir(), 'sparkbaas-pginit-'))
    mkdirSync(project, { recursive: true })
    pg = await startPostgres(pgFound.bin)
  }, 60_000)
  afterAll(async () => {
    await pg?.stop()
    if (project) rmSync(project, { recursive: true, force: true })
  })

  it('is a one-shot job the services that need the database wait for', async () => {
    await writeConfig(V2)
    const compose = composeDoc(join(project, 'generated'))
    expect(compose.services[POSTGRES_INIT]!.restart).toBe('no')
    expect(compose.services[POSTGRES_INIT]!.depends_on).toEqual({ postgres: { condition: 'service_healthy' } })
    for (const dependent of ['keycloak', 'postgrest']) {
      expect(compose.services[dependent]!.depends_on?.[POSTGRES_INIT], dependent).toEqual({ condition: 'service_completed_successfully' })
    }
    // The image's own init folder is gone: one path makes the database, on the first start and every later one.
    expect(JSON.stringify(compose.services.postgres)).not.toContain('docker-entrypoint-initdb.d')
  })

  it('creates what a later config adds, and keeps the rows already there', async () => {
    await writeConfig(V1)
    const first = await runJob()
    expect(first.exitCode, first.stderr).toBe(0)
    expect(first.stdout).toContain('postgres-init: done')
    await sql('app', 'CREATE TABLE public.notes (id int PRIMARY KEY, body text); INSERT INTO public.notes VALUES (1, \'kept\')')
    expect(await sql('postgres', "SELECT count(*) FROM pg_database WHERE datname = 'reports'")).toBe('0')

    // The config grows: a database, an extension, PostgREST (its login role and request roles), schemas, a realm
    // (Keycloak's role and database). `generate` keeps .env and adds the new secrets.
    await writeConfig(V2)
    const second = await runJob()
    expect(second.exitCode, second.stderr).toBe(0)
    expect(second.stderr).not.toMatch(/ERROR|FATAL/)

    expect(await sql('postgres', "SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database WHERE datname IN ('app','reports','keycloak')")).toBe(
      'app,keycloak,reports',
    )
    expect(await sql('postgres', "SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles WHERE rolname IN ('anon','authenticated','authenticator','keycloak')")).toBe(
      'anon,authenticated,authenticator,keycloak',
    )
    expect(await sql('app', "SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace WHERE nspname IN ('api','extra')")).toBe('api,extra')
    expect(await sql('reports', "SELECT extname FROM pg_extension WHERE extname = 'pgcrypto'")).toBe('pgcrypto')
    expect(await sql('app', 'SELECT body FROM public.notes')).toBe('kept')

    // The new login roles log in with the passwords .env gave them.
    const values = dotenvValues(parseDotenv(readFileSync(join(project, 'generated/.env'), 'utf8')))
    const login = await pg.psql(['-X', '-qAt', '-h', '127.0.0.1', '-U', 'authenticator', '-d', 'app', '-c', 'SELECT current_user'], {
      env: { PGPASSWORD: values.get('PGRST_AUTHENTICATOR_PASSWORD')! },
    })
    expect(login.stdout.trim(), login.stderr).toBe('authenticator')

    // And once more with nothing changed: still clean.
    const third = await runJob()
    expect(third.exitCode, third.stderr).toBe(0)
  })

  it('fails the job, saying which file it was on, when psql fails', async () => {
    await writeConfig(V1)
    // A wrong superuser password: psql cannot connect, and the job must exit non-zero (compose then refuses to
    // start what depends on it) instead of going on to the next file.
    const result = await runJob(`${pg.superuserPassword}-wrong`)
    expect(result.exitCode).not.toBe(0)
    expect(result.stdout).toBe('postgres-init: applying 10-databases.sql')
    expect(result.stderr).toMatch(/password authentication failed for user "postgres"/)
  })
})
