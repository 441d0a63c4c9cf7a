/**
 * Issue 13 item 3: a function's (or an extra service's) env may name a `.env` key instead of a committed value,
 * and a function may ask for its own database role. What the config accepts, and every message it gives.
 */
import { fileURLToPath } from 'node:url'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { checkConfig } from '../../src/config/check.js'
import type { SparkbaasConfig } from '../../src/config/types.js'
import { defineConfig, secret, type SecretRef } from '../../src/index.js'
import { validConfig } from '../fixtures/valid/config.js'

const configDir = fileURLToPath(new URL('../fixtures/valid', import.meta.url))

const check = (config: object) => checkConfig(config, { configDir })
const problemsOf = (config: object) => {
  const result = check(config)
  return result.ok ? [] : result.problems
}
/** The valid fixture with the first function replaced by `hello` plus `extra`. */
const withHello = (extra: object, top: Partial<SparkbaasConfig> = {}) => ({
  ...validConfig,
  ...top,
  functions: [{ name: 'hello', source: './functions/hello', ...extra }, validConfig.functions![1]],
})

describe('secret()', () => {
  it('builds the object form a JSON or YAML config writes', () => {
    expect(secret('STRIPE_KEY')).toEqual({ secret: 'STRIPE_KEY' })
    expectTypeOf(secret('X')).toEqualTypeOf<SecretRef>()
    // Both forms type-check in a function's and a service's env.
    defineConfig({
      project: 'acme',
      functions: [{ name: 'a', source: './a', env: { A: secret('A'), B: { secret: 'B' }, C: 'plain' }, database: true }],
      services: { s: { image: 'x', env: { S: secret('S') } } },
    })
  })
})

describe('env values that name a .env key', () => {
  it('accepts both forms in functions and services, and database: true or a database name', () => {
    const result = check({
      ...withHello({ env: { STRIPE_KEY: secret('STRIPE_KEY'), SHARED: { secret: 'SHARED_TOKEN' }, GREETING: 'Hi' }, database: 'analytics' }),
      services: { ...validConfig.services, mailpit: { image: 'axllent/mailpit:v1.27', port: 8025, env: { TOKEN: { secret: 'SHARED_TOKEN' } } } },
    })
    expect(result.ok ? [] : result.problems).toEqual([])
    expect(result.ok && result.config.functions[0]).toMatchObject({ env: { STRIPE_KEY: { secret: 'STRIPE_KEY' } }, database: 'analytics' })
    expect(result.ok && result.config.functions[1]!.database).toBe(false)
  })

  it('refuses a secret name that is not an environment variable name, at its path', () => {
    expect(problemsOf(withHello({ env: { KEY: { secret: 'stripe-key' } } }))).toEqual([
      {
        path: 'functions[0].env.KEY.secret',
        code: 'invalid_format',
        message: 'expected an environment variable name: letters, digits and "_", not starting with a digit or "__", received "stripe-key"',
      },
    ])
  })

  it('names both forms for a value of another type, and refuses unknown keys of the object form', () => {
    expect(problemsOf(withHello({ env: { PORT: 8080 } }))).toEqual([
      {
        path: 'functions[0].env.PORT',
        code: 'invalid_type',
        message: 'expected a string or { secret: "NAME" } (a key of .env), received number 8080 — write it in quotes: "8080"',
      },
    ])
    expect(problemsOf({ ...validConfig, services: { redis: { image: 'redis', env: { A: { secret: 'A', value: 'x' } } } } })).toEqual([
      { path: 'services.redis.env.A.value', code: 'unknown_key', message: 'unknown key "value" — allowed keys: secret' },
    ])
  })

  it("refuses a secret name that is one of sparkbaas's own .env keys", () => {
    const problems = problemsOf(
      withHello(
        { env: { A: secret('POSTGRES_PASSWORD'), B: secret('REALM_ACME_BACKEND_SECRET'), C: secret('FUNCTION_STATS_DATABASE_PASSWORD') } },
        { functions: [] },
      ),
    )
    const taken = (name: string, what: string) =>
      `${name} is a key sparkbaas keeps in .env (${what}); a function or service must not read it — choose another name, e.g. "APP_${name}"`
    expect(problems).toEqual([
      { path: 'functions[0].env.A.secret', code: 'reserved_env_key', message: taken('POSTGRES_PASSWORD', 'Postgres superuser (postgres) password') },
      { path: 'functions[0].env.B.secret', code: 'reserved_env_key', message: taken('REALM_ACME_BACKEND_SECRET', 'Realm acme: secret of client backend') },
    ])
    // Function stats asks for the database: its role's password is sparkbaas's.
    const stats = { ...validConfig.functions![1], database: true }
    expect(
      problemsOf({ ...validConfig, functions: [{ name: 'hello', source: './functions/hello', env: { C: secret('FUNCTION_STATS_DATABASE_PASSWORD') } }, stats] }),
    ).toEqual([
      {
        path: 'functions[0].env.C.secret',
        code: 'reserved_env_key',
        message: taken('FUNCTION_STATS_DATABASE_PASSWORD', 'Password of function stats\'s database role (fn_stats)'),
      },
    ])
  })

  it('refuses the names compose reads from .env for itself (COMPOSE_*, DOCKER_*)', () => {
    const redis = { image: 'redis', env: { X: secret('COMPOSE_PROJECT_NAME'), Y: secret('DOCKER_HOST') } }
    expect(problemsOf({ ...validConfig, services: { ...validConfig.services, redis } })).toEqual([
      {
        path: 'services.redis.env.X.secret',
        code: 'reserved_env_key',
        message:
          'COMPOSE_PROJECT_NAME would change how docker compose itself runs: it reads COMPOSE_* and DOCKER_* variables from .env — choose another name, e.g. "APP_COMPOSE_PROJECT_NAME"',
      },
      {
        path: 'services.redis.env.Y.secret',
        code: 'reserved_env_key',
        message:
          'DOCKER_HOST would change how docker compose itself runs: it reads COMPOSE_* and DOCKER_* variables from .env — choose another name, e.g. "APP_DOCKER_HOST"',
      },
    ])
  })
})

describe('a function with a database', () => {
  it('refuses a database the config does not define', () => {
    expect(problemsOf(withHello({ database: 'billing' }))).toEqual([
      { path: 'functions[0].database', code: 'unknown_database', message: 'no database named "billing" — defined databases: app, analytics' },
    ])
  })

  it('names both forms for a value of another type', () => {
    expect(problemsOf(withHello({ database: 1 }))).toEqual([
      { path: 'functions[0].database', code: 'invalid_type', message: 'expected true, false or the name of one of postgres.databases, received number 1' },
    ])
  })

  it('refuses an env DATABASE_URL beside database (the function gets its own)', () => {
    expect(problemsOf(withHello({ database: true, env: { DATABASE_URL: 'postgres://x' } }))).toEqual([
      {
        path: 'functions[0].env.DATABASE_URL',
        code: 'env_key_taken',
        message: 'DATABASE_URL is set by database: true (the function\'s own role fn_hello on database app) — remove it from env',
      },
    ])
  })

  it("refuses an API anonymous role that is a function's database role", () => {
    expect(problemsOf(withHello({ database: true }, { api: { ...validConfig.api!, anonRole: 'fn_hello' } }))).toEqual([
      {
        path: 'api.anonRole',
        code: 'reserved_role',
        message: '"fn_hello" is the database role of function hello (functions[0].database) — choose another name, e.g. "anon"',
      },
    ])
  })
})
