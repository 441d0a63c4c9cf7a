/**
 * Issue 13 item 3 end to end: `generate` a project whose function `payer` reads a `.env` secret and asks for the
 * database, then run what it wrote for real — the init SQL on a throwaway PostgreSQL (as postgres-init runs it),
 * and the functions runtime (generated/functions/server.mjs) with the environment compose would give the
 * `functions` container. `payer` gets its secret and a DATABASE_URL of its own role; `peer` gets neither; the role
 * logs in with that URL and can do nothing it was not granted.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { generate } from '../../src/generate.js'
import { dotenvValues, formatEnvEntry, parseDotenv } from '../../src/write/dotenv.js'
import { resolvedService } from '../helpers/compose-service.js'
import { postgresContainerEnv } from '../helpers/pg-stack.js'
import { findPostgres, startPostgres, type PostgresServer, type PsqlResult } from '../helpers/postgres.js'
import { tempDir, writeConfig } from '../generate/helpers.js'
import { startServer, type RunningServer } from './spawn-server.js'

const pgFound = findPostgres()
if (!pgFound.found) console.warn(`[functions-secrets.test] skipped: ${pgFound.reason}`)

const FN = 'export default () => ({ env: process.env })\n'
/** A password a user may type into .env: every character a URL or a shell treats specially. */
const HOSTILE_PASSWORD = `p@ss:/?#[]%20 ü'"\\ $HOME \${X} \`x\` & = +\nline2`

const CONFIG = {
  project: 'shop',
  postgres: { databases: ['app', 'analytics'] },
  functions: [
    { name: 'payer', source: './functions/payer', env: { STRIPE_KEY: { secret: 'STRIPE_KEY' }, PLAIN: 'p' }, database: true },
    { name: 'peer', source: './functions/peer', env: { GREETING: 'hi' } },
  ],
}

const failed = (r: PsqlResult) => `exit ${r.exitCode}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`

describe.skipIf(!pgFound.found)('a function with a secret and a database role, run for real', () => {
  let pg: PostgresServer
  let runtime: RunningServer
  let out: string
  let env: Map<string, string | undefined>
  let initEnv: Record<string, string>
  /** A copy of 00-roles.sql: the temp project is removed after the first test (generate/helpers' afterEach). */
  let rolesSql: string
  let project: string | undefined

  beforeAll(async () => {
    if (!pgFound.found) return
    // Not tempDir(): that folder goes after the first test, while the runtime's function processes may still be
    // loading their bundles from it (a slow start on Node 24 made "peer" fail to load). Removed in afterAll.
    const dir = (project = mkdtempSync(join(tmpdir(), 'sparkbaas-secrets-')))
    for (const name of ['payer', 'peer']) {
      mkdirSync(join(dir, 'functions', name), { recursive: true })
      writeFileSync(join(dir, 'functions', name, 'index.mjs'), FN)
    }
    writeConfig(dir, CONFIG)
    out = join(dir, 'generated')
    mkdirSync(out)
    // The user chose the role's password: it must survive the URL.
    writeFileSync(join(out, '.env'), formatEnvEntry('FUNCTION_PAYER_DATABASE_PASSWORD', 'typed by hand', HOSTILE_PASSWORD))
    await generate({ cwd: dir })
    env = dotenvValues(parseDotenv(readFileSync(join(out, '.env'), 'utf8')))
    expect(env.get('FUNCTION_PAYER_DATABASE_PASSWORD')).toBe(HOSTILE_PASSWORD)

    pg = await startPostgres(pgFound.bin)
    initEnv = postgresContainerEnv(out)
    const initDir = join(out, 'postgres', 'init')
    rolesSql = join(pg.workDir, '00-roles.sql')
    writeFileSync(rolesSql, readFileSync(join(initDir, '00-roles.sql')))
    for (const file of ['00-roles.sql', '10-databases.sql', '20-db-app.sql', '20-db-analytics.sql']) {
      const result = await pg.psql(['-v', 'ON_ERROR_STOP=1', '--no-psqlrc', '--username', 'postgres', '--dbname', 'postgres', '-f', join(initDir, file)], {
        env: initEnv,
      })
      expect(result.exitCode, `${file}: ${failed(result)}`).toBe(0)
    }

    const { environment } = resolvedService(out, 'functions')
    runtime = await startServer(join(out, 'functions', 'server.mjs'), { ...environment, FUNCTIONS_MANIFEST: join(out, 'functions', 'manifest.json') })
  }, 90_000)
  afterAll(async () => {
    await runtime?.kill()
    await pg?.stop()
    if (project !== undefined) rmSync(project, { recursive: true, force: true })
  })

  const envOfFunction = async (name: string) => {
    const res = await fetch(`${runtime.baseUrl}/${name}`)
    expect(res.status).toBe(200)
    return ((await res.json()) as { env: Record<string, string> }).env
  }
  /** The function's DATABASE_URL pointed at the throwaway cluster instead of the compose service `postgres`. */
  const localUrl = (url: string) => url.replace('@postgres:5432/', `@127.0.0.1:${pg.port}/`)
  const psqlUrl = (url: string, ...sql: string[]) => pg.psql(['-X', '-qAt', '-v', 'ON_ERROR_STOP=1', '-d', url, ...sql.flatMap((s) => ['-c', s])])
  const superuser = (db: string, ...sql: string[]) =>
    pg.psql(['-X', '-qAt', '-v', 'ON_ERROR_STOP=1', '--username', 'postgres', '--dbname', db, ...sql.flatMap((s) => ['-c', s])])
  const ok = (r: PsqlResult) => {
    expect(r.exitCode, failed(r)).toBe(0)
    return r.stdout.trim()
  }
  const denied = (r: PsqlResult, message: RegExp) => {
    expect(r.exitCode, failed(r)).not.toBe(0)
    expect(r.stderr).toMatch(message)
  }

  test('the function that asked gets its secret and a DATABASE_URL of its own role (password URL-encoded)', async () => {
    expect(await envOfFunction('payer')).toEqual({
      PLAIN: 'p',
      STRIPE_KEY: env.get('STRIPE_KEY'),
      DATABASE_URL: `postgres://fn_payer:${encodeURIComponent(HOSTILE_PASSWORD)}@postgres:5432/app`,
    })
  })

  test('the other function sees none of it', async () => {
    const seen = await envOfFunction('peer')
    expect(seen).toEqual({ GREETING: 'hi' })
    expect(JSON.stringify(seen)).not.toContain(env.get('STRIPE_KEY')!)
  })

  test('the role logs in with that URL, as itself and nothing more', async () => {
    const url = localUrl((await envOfFunction('payer')).DATABASE_URL!)
    expect(ok(await psqlUrl(url, "SELECT current_user || ' ' || current_database()"))).toBe('fn_payer app')
    const attributes = ok(await superuser('postgres', "SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = 'fn_payer'"))
    expect(attributes).toBe('f|f|f|f|f|t')
    denied(await psqlUrl(url.replace(/\/app$/, '/analytics'), 'SELECT 1'), /permission denied for database "analytics"/)
    denied(await psqlUrl(url.replace(encodeURIComponent(HOSTILE_PASSWORD), 'wrong'), 'SELECT 1'), /password authentication failed/)
  })

  test('it reads no table until a migration grants it one, and cannot create any', async () => {
    const url = localUrl((await envOfFunction('payer')).DATABASE_URL!)
    ok(await superuser('app', 'CREATE TABLE public.orders (id int)', 'INSERT INTO public.orders VALUES (7)'))
    denied(await psqlUrl(url, 'SELECT id FROM public.orders'), /permission denied for table orders/)
    denied(await psqlUrl(url, 'CREATE TABLE public.mine (id int)'), /permission denied for schema public/)
    // What a migration does to give the function a table.
    ok(await superuser('app', 'GRANT SELECT ON public.orders TO fn_payer'))
    expect(ok(await psqlUrl(url, 'SELECT id FROM public.orders'))).toBe('7')
  })

  test('the init SQL converges: a role made superuser by hand loses it on the next run', async () => {
    ok(await superuser('postgres', 'ALTER ROLE fn_payer SUPERUSER'))
    const result = await pg.psql(['-v', 'ON_ERROR_STOP=1', '--no-psqlrc', '--username', 'postgres', '--dbname', 'postgres', '-f', rolesSql], { env: initEnv })
    expect(result.exitCode, failed(result)).toBe(0)
    expect(ok(await superuser('postgres', "SELECT rolsuper FROM pg_roles WHERE rolname = 'fn_payer'"))).toBe('f')
  })
})

// The runtime alone (no database): what it does with `envFrom` / `database` entries itself.
describe('the runtime reading envFrom and database', () => {
  const SERVER = fileURLToPath(new URL('../../blueprints/functions/server.mjs', import.meta.url))
  const manifest = (functions: object[]) => {
    const dir = tempDir()
    writeFileSync(join(dir, 'env.mjs'), FN)
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ functions }))
    return join(dir, 'manifest.json')
  }

  test('a named variable the runtime lacks is logged and left unset; the other variables still arrive', async () => {
    const file = manifest([
      {
        name: 'a',
        file: 'env.mjs',
        env: { PLAIN: 'p' },
        envFrom: { HAVE: 'SPARKBAAS_SECRET_HAVE', LACK: 'SPARKBAAS_SECRET_LACK' },
        database: { host: 'db', port: 5432, name: 'my db', user: 'fn_a', passwordFrom: 'SPARKBAAS_SECRET_NO_PASSWORD' },
      },
    ])
    const server = await startServer(SERVER, { FUNCTIONS_MANIFEST: file, SPARKBAAS_SECRET_HAVE: 'h' })
    try {
      const res = await fetch(`${server.baseUrl}/a`)
      expect(await res.json()).toEqual({ env: { PLAIN: 'p', HAVE: 'h' } })
      expect(server.stderr()).toContain(
        "[a] the runtime's environment has no SPARKBAAS_SECRET_LACK, SPARKBAAS_SECRET_NO_PASSWORD: the variables of this function that read them are not set",
      )
    } finally {
      await server.kill()
    }
  })

  test('builds DATABASE_URL with every part URL-encoded', async () => {
    const file = manifest([{ name: 'a', file: 'env.mjs', database: { host: 'db', port: 6543, name: 'my db', user: 'fn_a', passwordFrom: 'PW' } }])
    const server = await startServer(SERVER, { FUNCTIONS_MANIFEST: file, PW: 'a@b:c/d' })
    try {
      expect(await (await fetch(`${server.baseUrl}/a`)).json()).toEqual({ env: { DATABASE_URL: 'postgres://fn_a:a%40b%3Ac%2Fd@db:6543/my%20db' } })
    } finally {
      await server.kill()
    }
  })

  test('refuses a malformed envFrom or database entry at start', async () => {
    await expect(startServer(SERVER, { FUNCTIONS_MANIFEST: manifest([{ name: 'a', file: 'env.mjs', envFrom: { X: 1 } }]) })).rejects.toThrow(
      /exited with 1 before listening[\s\S]*functions\[0\]\.envFrom must be an object of strings/,
    )
    await expect(startServer(SERVER, { FUNCTIONS_MANIFEST: manifest([{ name: 'a', file: 'env.mjs', database: { host: 'db' } }]) })).rejects.toThrow(
      /functions\[0\]\.database must be \{ host, port, name, user, passwordFrom \}/,
    )
  })
})
