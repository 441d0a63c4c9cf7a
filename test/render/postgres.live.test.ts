/**
 * The init SQL on a real PostgreSQL: each fixture's files run in a fresh cluster exactly as the official image runs
 * them (sorted, `psql -v ON_ERROR_STOP=1 --no-psqlrc --username postgres --dbname postgres -f …` over the Unix
 * socket, with the postgres container's environment), twice; then every login role logs in over TCP with its
 * password and is checked for what it can and cannot do.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { POSTGRES_INIT } from '../../src/model/jobs.js'
import type { StackModel } from '../../src/model/types.js'
import { renderPostgres } from '../../src/render/postgres.js'
import type { RenderedFile } from '../../src/render/types.js'
import { ensureEnv } from '../../src/write/secrets.js'
import { findPostgres, startPostgres, type PostgresServer, type PsqlResult } from '../helpers/postgres.js'
import { FIXTURES, FIXTURE_NAMES, type FixtureName } from './postgres.fixtures.js'

const pgFound = findPostgres()
if (!pgFound.found) console.warn(`[postgres.live.test] skipped: ${pgFound.reason}`)

/** Passwords a user may type into .env: quotes, backslash, `$`, psql's own `:'var'` syntax, a newline, unicode. */
const HOSTILE_PASSWORD = `it's "q" \\ $HOME \${X} \`x\` # ; -- :'pw' :"pw" ünï\u2028 line1\nline2`

const models = Object.fromEntries(
  await Promise.all(FIXTURE_NAMES.map(async (n) => [n, await FIXTURES[n]()] as const)),
) as Record<FixtureName, StackModel>

/**
 * The environment of the postgres-init container, which applies these files on every `up`: its compose
 * `environment`, `.env` references resolved, without the libpq connection settings (PGHOST=postgres…): here psql
 * reaches the throwaway cluster. test/integration/postgres-init.test.ts runs the service's own command.
 */
/** libpq's connection settings postgres-init gets; not its passwords (PGRST_AUTHENTICATOR_PASSWORD). */
const LIBPQ = /^PG(HOST|PORT|USER|DATABASE|PASSWORD|CONNECT_TIMEOUT)$/

function containerEnv(model: StackModel, values: Readonly<Record<string, string>>): Record<string, string> {
  const service = model.services.find((s) => s.name === POSTGRES_INIT)
  if (!service) throw new Error('no postgres-init service in the model')
  return Object.fromEntries(
    service.environment
      .filter(({ key }) => !LIBPQ.test(key))
      .map(({ key, value }) => [key, value.map((part) => ('text' in part ? part.text : values[part.ref] ?? '')).join('')]),
  )
}

const failed = (r: PsqlResult) => `exit ${r.exitCode}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`

describe.skipIf(!pgFound.found)('init SQL on a real PostgreSQL', () => {
  describe.each(FIXTURE_NAMES)('%s', (name) => {
    const model = models[name]
    const files: RenderedFile[] = renderPostgres(model, { functionBundles: new Map() })
    const loginRoles = model.postgres.loginRoles
    const api = model.api
    const kc = model.postgres.keycloakDatabase
    const authenticator = loginRoles.find((r) => r.noInherit)?.name ?? 'authenticator'
    let pg: PostgresServer
    let initDir: string
    let env: Record<string, string>
    /** Login role → its current password. */
    const passwords = new Map<string, string>()

    beforeAll(async () => {
      if (!pgFound.found) return
      pg = await startPostgres(pgFound.bin)
      initDir = join(pg.workDir, 'docker-entrypoint-initdb.d')
      mkdirSync(initDir)
      for (const f of files) writeFileSync(join(initDir, basename(f.path)), f.contents)
      // The secrets store makes the .env values; one fixture swaps in passwords a user might have typed instead.
      const values = { ...ensureEnv(model.env, undefined).values }
      if (name === 'hostile-names') for (const r of loginRoles) values[r.passwordVar] = `${HOSTILE_PASSWORD} ${r.name}`
      env = containerEnv(model, values)
      for (const r of loginRoles) passwords.set(r.name, values[r.passwordVar]!)
    }, 60_000)
    afterAll(async () => pg?.stop())

    /** Runs one file as the image's entrypoint does. */
    const runFile = (file: string, withEnv: Record<string, string>) =>
      pg.psql(['-v', 'ON_ERROR_STOP=1', '--no-psqlrc', '--username', 'postgres', '--dbname', 'postgres', '-f', join(initDir, file)], {
        env: withEnv,
      })
    const runAll = async () => {
      for (const file of files.map((f) => basename(f.path)).sort()) {
        const result = await runFile(file, env)
        expect(result.exitCode, `${file}: ${failed(result)}`).toBe(0)
        expect(result.stderr, file).not.toMatch(/ERROR|FATAL|WARNING/)
      }
    }
    /** psql as the superuser over the socket, stopping at the first error. */
    const superuser = (db: string, ...sql: string[]) =>
      pg.psql(['-X', '-qAt', '-v', 'ON_ERROR_STOP=1', '--username', 'postgres', '--dbname', db, ...sql.flatMap((s) => ['-c', s])])
    /** psql as `user` over TCP (scram-sha-256) with `password`. */
    const login = (user: string, db: string, password: string | undefined, ...sql: string[]) =>
      pg.psql(['-X', '-qAt', '-v', 'ON_ERROR_STOP=1', ...sql.flatMap((s) => ['-c', s])], {
        env: {
          PGHOST: '127.0.0.1',
          PGPORT: String(pg.port),
          PGUSER: user,
          PGDATABASE: db,
          ...(password === undefined ? {} : { PGPASSWORD: password }),
        },
      })
    const as = (user: string, db: string, ...sql: string[]) => login(user, db, passwords.get(user), ...sql)
    const ok = (r: PsqlResult) => {
      expect(r.exitCode, failed(r)).toBe(0)
      return r.stdout.trim()
    }
    const denied = (r: PsqlResult, message: RegExp) => {
      expect(r.exitCode, failed(r)).not.toBe(0)
      expect(r.stderr).toMatch(message)
    }

    test('no password value appears in any rendered file', () => {
      expect(passwords.size).toBe(loginRoles.length)
      for (const f of files) for (const password of passwords.values()) expect(f.contents).not.toContain(password)
    })

    test('every file runs as the image runs it, and the whole set runs again', async () => {
      await runAll()
      await runAll()
    })

    test('the databases and extensions exist; only the roles that need a database may connect to it', async () => {
      const dbs = ok(await superuser('postgres', 'SELECT datname FROM pg_database ORDER BY 1')).split('\n')
      expect(dbs).toEqual(expect.arrayContaining([...model.postgres.databases, ...(kc ? [kc.name] : [])]))
      for (const db of model.postgres.databases) {
        const exts = ok(await superuser(db, 'SELECT extname FROM pg_extension ORDER BY 1')).split('\n')
        expect(exts).toEqual(expect.arrayContaining([...model.postgres.extensions]))
      }
      // A login role nobody granted anything: PUBLIC's CONNECT is gone from every database the init SQL made.
      ok(await superuser('postgres', "CREATE ROLE probe LOGIN PASSWORD 'probe-pw'"))
      expect(ok(await login('probe', 'postgres', 'probe-pw', 'SELECT current_user'))).toBe('probe')
      for (const db of [...model.postgres.databases, ...(kc ? [kc.name] : [])]) {
        denied(await login('probe', db, 'probe-pw', 'SELECT 1'), /permission denied for database/)
      }
    })

    /** The database a login role is there for. */
    const homeOf = (role: (typeof loginRoles)[number]) => role.database ?? (role.name === authenticator ? api!.database : kc!.name)

    test.skipIf(loginRoles.length === 0)('every login role logs in over TCP with its password, and only with it', async () => {
      for (const role of loginRoles) {
        const db = homeOf(role)
        // inet_server_addr() is NULL over a Unix socket: this is the TCP, scram-sha-256 path.
        expect(ok(await as(role.name, db, "SELECT current_user || ' ' || (inet_server_addr() IS NOT NULL)"))).toBe(`${role.name} true`)
        denied(await login(role.name, db, 'wrong', 'SELECT 1'), /password authentication failed/)
      }
    })

    test.skipIf(!kc)("keycloak owns its database and may create tables in it, but nobody else's", async () => {
      const owner = ok(await as('keycloak', kc!.name, 'SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()'))
      expect(owner).toBe('keycloak')
      ok(await as('keycloak', kc!.name, 'CREATE TABLE kc_probe (id int)', 'DROP TABLE kc_probe'))
      for (const db of model.postgres.databases) denied(await as('keycloak', db, 'SELECT 1'), /permission denied for database/)
    })

    const functionRoles = loginRoles.filter((r) => r.database !== undefined)
    test.skipIf(functionRoles.length === 0)("a function's role reaches its own database only, and no table in it until granted", async () => {
      for (const role of functionRoles) {
        const attributes = ok(await superuser('postgres', `SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls FROM pg_roles WHERE rolname = ${sqlText(role.name)}`))
        expect(attributes).toBe('f|f|f|f|f')
        for (const db of [...model.postgres.databases.filter((d) => d !== role.database), ...(kc ? [kc.name] : [])]) {
          denied(await as(role.name, db, 'SELECT 1'), /permission denied for database/)
        }
        const table = `public.${JSON.stringify(`t_${role.name}`)}`
        ok(await superuser(role.database!, `CREATE TABLE ${table} (id int)`))
        denied(await as(role.name, role.database!, `SELECT * FROM ${table}`), /permission denied for table/)
        denied(await as(role.name, role.database!, 'CREATE TABLE public.mine (id int)'), /permission denied for schema public/)
        for (const schema of api && role.database === api.database ? api.schemas : []) {
          denied(await as(role.name, role.database!, `CREATE TABLE ${JSON.stringify(schema)}.mine (id int)`), /permission denied for schema/)
        }
      }
    })

    test.skipIf(!api)('authenticator switches to the request roles and holds nothing itself', async () => {
      const roles = [...(api!.anonRole === false ? [] : [api!.anonRole]), api!.authenticatedRole]
      for (const role of roles) {
        const sql = `SET ROLE ${JSON.stringify(role)}`
        expect(ok(await as(authenticator, api!.database, sql, 'SELECT current_user'))).toBe(role)
      }
      const schema = JSON.stringify(api!.schemas[0]!)
      // NOINHERIT: without SET ROLE it cannot even see into the schemas.
      expect(ok(await as(authenticator, api!.database, `SELECT has_schema_privilege(${sqlText(api!.schemas[0]!)}, 'USAGE')`))).toBe('f')
      denied(await as(authenticator, api!.database, `CREATE TABLE ${schema}.t (id int)`), /permission denied for schema/)
      // Other databases stay closed to PostgREST.
      for (const db of [...model.postgres.databases.filter((d) => d !== api!.database), ...(kc ? [kc.name] : [])]) {
        denied(await as(authenticator, db, 'SELECT 1'), /permission denied for database/)
      }
      // The request roles cannot log in themselves.
      for (const role of roles) denied(await login(role, api!.database, 'x', 'SELECT 1'), /password authentication failed|not permitted to log in/)
    })

    test.skipIf(!api)('request roles use every API schema but cannot create in it; default privileges cover new tables', async () => {
      const anon = api!.anonRole
      const authed = api!.authenticatedRole
      const setRole = (role: string) => `SET ROLE ${JSON.stringify(role)}`
      for (const s of api!.schemas) {
        const schema = JSON.stringify(s)
        const table = `${schema}."items"`
        // Created by postgres, the role migrations run as: the default privileges apply.
        ok(await superuser(api!.database, `CREATE TABLE ${table} (id serial PRIMARY KEY, note text)`, `INSERT INTO ${table} (note) VALUES ('seed')`))
        for (const role of [...(anon === false ? [] : [anon]), authed]) {
          expect(ok(await as(authenticator, api!.database, setRole(role), `SELECT has_schema_privilege(${sqlText(s)}, 'USAGE')`))).toBe('t')
          denied(await as(authenticator, api!.database, setRole(role), `CREATE TABLE ${schema}.t (id int)`), /permission denied for schema/)
        }
        expect(ok(await as(authenticator, api!.database, setRole(authed), `SELECT note FROM ${table} WHERE id = 1`))).toBe('seed')
        if (anon !== false) {
          // Issue 12 item 9: anonymous requests read a new table only when the config says so (api.anonReadsNewTables);
          // otherwise a migration grants SELECT per table. ALTER DEFAULT PRIVILEGES applies to objects the granting
          // role creates later in that schema (PostgreSQL docs, sql-alterdefaultprivileges).
          const read = await as(authenticator, api!.database, setRole(anon), `SELECT note FROM ${table} WHERE id = 1`)
          if (api!.anonReadsNewTables) expect(ok(read)).toBe('seed')
          else denied(read, /permission denied for table/)
          denied(await as(authenticator, api!.database, setRole(anon), `INSERT INTO ${table} (note) VALUES ('anon')`), /permission denied for table/)
          // What a migration does to open one table: then anon reads it.
          ok(await superuser(api!.database, `GRANT SELECT ON ${table} TO ${JSON.stringify(anon)}`))
          expect(ok(await as(authenticator, api!.database, setRole(anon), `SELECT note FROM ${table} WHERE id = 1`))).toBe('seed')
        }
        const written = await as(
          authenticator,
          api!.database,
          setRole(authed),
          `INSERT INTO ${table} (note) VALUES ('new')`,
          `UPDATE ${table} SET note = 'changed' WHERE note = 'new'`,
          `SELECT count(*) FROM ${table} WHERE note = 'changed'`,
          `DELETE FROM ${table} WHERE note = 'changed'`,
        )
        expect(ok(written).split('\n')).toContain('1')
      }
      if (anon === false) {
        expect(ok(await superuser('postgres', "SELECT count(*) FROM pg_roles WHERE rolname = 'anon'"))).toBe('0')
      }
    })

    test.skipIf(loginRoles.length === 0)('a missing or empty password variable stops the run with a clear message', async () => {
      for (const role of loginRoles) {
        const { [role.passwordVar]: _, ...without } = env
        for (const broken of [without, { ...env, [role.passwordVar]: '' }]) {
          const result = await runFile('00-roles.sql', broken)
          expect(result.exitCode).not.toBe(0)
          expect(result.stderr).toContain(`sparkbaas: the environment variable ${role.passwordVar} is empty or not set.`)
          expect(result.stderr).toMatch(
            new RegExp(`00-roles\\.sql:\\d+: ERROR:  sparkbaas: environment variable ${role.passwordVar} \\(password of role ${role.name}\\) is empty or not set`),
          )
        }
      }
    })

    test.skipIf(loginRoles.length === 0)('running again applies a password changed in .env', async () => {
      const role = loginRoles[0]!
      const db = homeOf(role)
      const old = passwords.get(role.name)!
      const changed = `${old}-changed`
      env = { ...env, [role.passwordVar]: changed }
      await runAll()
      passwords.set(role.name, changed)
      expect(ok(await as(role.name, db, 'SELECT current_user'))).toBe(role.name)
      denied(await login(role.name, db, old, 'SELECT 1'), /password authentication failed/)
    })

    test.skipIf(!api)('a database file applies all of it or nothing: a schema is never seen without its default privileges', async () => {
      // The Kubernetes target's migrations Job cannot wait for postgres-init: a migration must never find an API
      // schema made but its default privileges not yet granted (its tables would get no grants).
      const authed = api!.authenticatedRole
      const file = files.map((f) => basename(f.path)).find((f) => f === `20-db-${api!.database}.sql`)!
      expect(file).toBeDefined()
      const away = `${authed}_away`
      await runAll()
      ok(await superuser(api!.database, ...api!.schemas.map((s) => `DROP SCHEMA ${JSON.stringify(s)} CASCADE`)))
      ok(await superuser('postgres', `ALTER ROLE ${JSON.stringify(authed)} RENAME TO ${JSON.stringify(away)}`))
      try {
        const broken = await runFile(file, env)
        expect(broken.exitCode).not.toBe(0)
        expect(broken.stderr).toContain(`role ${JSON.stringify(authed)} does not exist`)
        for (const s of api!.schemas) expect(ok(await superuser(api!.database, `SELECT to_regnamespace(${sqlText(JSON.stringify(s))}) IS NULL`))).toBe('t')
      } finally {
        ok(await superuser('postgres', `ALTER ROLE ${JSON.stringify(away)} RENAME TO ${JSON.stringify(authed)}`))
      }
      await runAll()
      for (const s of api!.schemas) {
        const acl = ok(await superuser(api!.database, `SELECT count(*) FROM pg_default_acl WHERE defaclnamespace = to_regnamespace(${sqlText(JSON.stringify(s))})`))
        expect(Number(acl)).toBeGreaterThan(0)
      }
    })
  })
})

/** A SQL string literal for the test's own queries. */
const sqlText = (value: string) => `'${value.replaceAll("'", "''")}'`
