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

  it('runs the cross-field rules only once the shape is right', () => {
    const config = withChanges({ domain: 'Not A Domain', routes: [{ host: 'api', to: { function: 'nope' } }] })
    expect(problemsOf(config).map((p) => p.code)).toEqual(['invalid_format'])
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
