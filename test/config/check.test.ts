import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { checkConfig } from '../../src/config/check.js'
import type { SparkbaasConfig } from '../../src/config/types.js'
import { validConfig } from '../fixtures/valid/config.js'

const configDir = fileURLToPath(new URL('../fixtures/valid', import.meta.url))
const check = (input: unknown) => checkConfig(input, { configDir })
const problemsOf = (input: unknown) => {
  const result = check(input)
  if (result.ok) throw new Error('expected the config to be refused')
  return result.problems
}
const withChanges = (overrides: Partial<SparkbaasConfig>) => ({ ...validConfig, ...overrides })

describe('checkConfig', () => {
  it('accepts the valid fixture and fills in the defaults', () => {
    const result = check(validConfig)
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.config.workers[1]).toEqual({ name: 'ml', replicas: 1, cores: 1, memory: '1g' })
    expect(result.config.routes[3]).toEqual({ host: 'auth', path: '/', to: 'keycloak', stripPrefix: false })
  })

  it('accepts a config with unpinned images, and says so in warnings (pinned images: none)', () => {
    expect(check(validConfig)).toMatchObject({ ok: true, warnings: [] })
    const result = check(withChanges({ images: { spark: 'apache/spark' }, services: { ...validConfig.services, web: { image: 'nginx:latest' } } }))
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.warnings.map(({ path, code }) => ({ path, code }))).toEqual([
      { path: 'images.spark', code: 'image_unpinned' },
      { path: 'services.web.image', code: 'image_unpinned' },
    ])
  })

  it.each([
    [5, 'number 5'],
    ['acme', 'string "acme"'],
    [null, 'null'],
    [undefined, 'nothing'],
    [[{ project: 'acme' }], 'array'],
  ])('refuses %j as a whole, at the root', (input, received) => {
    expect(problemsOf(input)).toEqual([
      { path: '', code: 'invalid_type', message: `expected the config to be an object such as { project: "acme" }, received ${received}` },
    ])
  })

  it('reports a value that throws while being read instead of throwing', () => {
    const config = {
      project: 'acme',
      get domain(): string {
        throw new Error('no DNS today')
      },
    }
    expect(problemsOf(config)).toEqual([
      { path: '', code: 'unreadable', message: 'could not read the config, a value threw while being read: no DNS today' },
    ])
    const { proxy, revoke } = Proxy.revocable({}, {})
    revoke()
    expect(problemsOf(proxy)).toEqual([
      { path: '', code: 'unreadable', message: expect.stringMatching(/^could not read the config, a value threw while being read: .*revoked/) },
    ])
  })

  it('reports a thrown non-error without details', () => {
    const config = {
      get project(): string {
        throw 'nope'
      },
    }
    expect(problemsOf(config)).toEqual([{ path: '', code: 'unreadable', message: 'could not read the config, a value threw while being read' }])
  })

  it('reports a shape problem and a cross-field problem in one run, in the order they appear', () => {
    const config = withChanges({ domain: 'Not A Domain', routes: [{ host: 'api', to: { function: 'nope' } }] })
    expect(problemsOf(config).map(({ path, code }) => `${path} ${code}`)).toEqual([
      'domain invalid_format',
      'routes[0].to.function unknown_function',
    ])
  })

  it('reports every mistake at once, in the order they appear in the config', () => {
    const config = withChanges({
      api: undefined,
      workers: [],
      realms: [
        { name: 'acme', roles: ['admin'], users: [{ username: 'dev', roles: ['admn'] }] },
        { name: 'acme' },
      ],
      functions: [
        { name: 'hello', source: './functions/hello' },
        { name: 'gone', source: './functions/gone' },
      ],
      routes: [
        { host: 'api', path: '/rest', to: 'api' },
        { host: 'api', path: '/fn', to: { function: 'helo' } },
        { host: 'api', path: '/fn', to: { function: 'hello' } },
        { host: 'spark', to: 'spark', auth: { realm: 'acm' } },
      ],
    })
    expect(problemsOf(config).map(({ path, code }) => `${path} ${code}`)).toEqual([
      'realms[0].users[0].roles[0] unknown_role',
      'realms[1].name duplicate_name',
      'functions[1].source function_source_missing',
      'routes[0].to api_not_enabled',
      'routes[1].to.function unknown_function',
      'routes[2] duplicate_route',
      'routes[3].to spark_without_workers',
      'routes[3].auth.realm unknown_realm',
    ])
  })

  it('orders problems by position, not by rule', () => {
    const config = withChanges({
      services: { b: { image: 'b' }, postgres: { image: 'p' }, 'my-app': { image: 'a' }, my_app: { image: 'a' } },
      routes: [{ host: 'x', to: { service: 'nope' } }],
    })
    // duplicateNames runs before reservedServiceNames, yet services.postgres comes first in the config.
    expect(problemsOf(config).map((p) => p.path)).toEqual(['services.postgres', 'services.my_app', 'routes[0].to.service'])
  })
})

describe('every problem at once: the cross-field rules run on the parts that parsed', () => {
  const summary = (input: unknown) => problemsOf(input).map(({ path, code }) => `${path} ${code}`)

  it('checks the routes that parsed, at their own index, beside a route that did not', () => {
    const config = withChanges({
      routes: [
        { host: 'api', path: '/a', to: { function: 'hello' } },
        { host: 'Bad Host', to: 'keycloak' },
        { host: 'api', path: '/b', to: { function: 'helo' } },
        { host: 'api', path: '/c', to: 'spark', rateLimit: { average: 0 } },
      ],
    })
    expect(summary(config)).toEqual([
      'routes[1].host invalid_format',
      'routes[2].to.function unknown_function',
      'routes[3].rateLimit.average too_small',
    ])
  })

  it('says nothing about a route to a function whose entry did not parse', () => {
    const config = withChanges({
      functions: [{ name: 'hello', source: './functions/hello', memoryMb: 'lots' as unknown as number }],
      routes: [{ host: 'api', to: { function: 'hello' } }],
    })
    expect(summary(config)).toEqual(['functions[0].memoryMb invalid_type'])
  })

  it('says nothing about a name another broken entry may hold (services, realms, workers, api)', () => {
    const config = withChanges({
      workers: [{ name: 'etl', cores: 0 }],
      realms: [{ name: 'acme', roles: 'admin' as unknown as string[] }],
      services: { mail: { image: '' } },
      routes: [
        { host: 'mail', to: { service: 'mail' } },
        { host: 'spark', to: 'spark', auth: { realm: 'acme', roles: ['admin'] } },
      ],
    })
    expect(summary(config)).toEqual([
      'workers[0].cores too_small',
      'realms[0].roles invalid_type',
      'services.mail.image too_small',
    ])
    expect(summary(withChanges({ api: { realm: 5 as unknown as string }, routes: [{ host: 'api', to: 'api' }] }))).toEqual([
      'api.realm invalid_type',
    ])
  })

  it('reads a misspelt top-level key as the key it resembles, so nothing it held is reported missing', () => {
    const { realms, ...rest } = validConfig
    expect(summary({ ...rest, relams: realms })).toEqual(['relams unknown_key'])
  })

  it('compares routes only when every route parsed (a broken one could be the duplicate)', () => {
    const config = withChanges({
      routes: [
        { host: 'api', path: '/x', to: 'keycloak' },
        { host: 'api', path: '/x', to: 'keycloak', stripPrefix: 'yes' as unknown as boolean },
        { host: 'api', path: '/y', to: 'keycloak' },
        { host: 'api', path: '/y', to: 'keycloak' },
      ],
    })
    expect(summary(config)).toEqual(['routes[1].stripPrefix invalid_type'])
  })

  it('still runs a rule whose keys all parsed, next to shape problems elsewhere', () => {
    const config = withChanges({
      tls: 'self-signed',
      ports: { http: 8080, https: 8080 },
      workers: [{ name: 'etl', memory: 'much' }],
      functions: [...(validConfig.functions ?? []), { name: 'server', source: './functions/hello' }],
    })
    // `ports` comes last here: withChanges adds the keys validConfig lacks after its own.
    expect(summary(config)).toEqual(['workers[0].memory invalid_format', 'functions[2].name reserved_name', 'ports.https port_clash'])
  })
})

describe('a minimal config', () => {
  it('takes api without a realm: PostgREST for anonymous requests', () => {
    const result = check({ project: 'x', api: {}, routes: [{ host: 'api', path: '/rest', to: 'api' }] })
    expect(result.ok && result.config.api).toEqual({ schemas: ['api'], anonRole: 'anon', anonReadsNewTables: false })
  })
})

describe('extension names', () => {
  it('accepts the names CREATE EXTENSION uses, with "-" (uuid-ossp)', () => {
    const result = check(withChanges({ postgres: { extensions: ['uuid-ossp', 'pg_trgm', 'citext'] } }))
    expect(result.ok).toBe(true)
  })

  it.each(['-x', '1x', 'Uuid-ossp', 'a b', 'x"y'])('refuses %j with the rule', (name) => {
    expect(problemsOf(withChanges({ postgres: { extensions: [name] } }))).toEqual([
      {
        path: 'postgres.extensions[0]',
        code: expect.any(String),
        message: `expected an extension name: lowercase letters, digits, "_" and "-", not starting with a digit or "-", at most 63 characters, received ${JSON.stringify(name)}`,
      },
    ])
  })
})
