/** Environments: how an overlay merges, where its problems are reported, the production guards, and config functions. */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { applyEnvironment } from '../../src/config/environments.js'
import { checkLoaded } from '../../src/config/load-and-check.js'
import { loadConfig } from '../../src/config/load.js'
import { productionGuards } from '../../src/config/production.js'
import { configSchema } from '../../src/config/schema.js'
import { FIXTURES_DIR } from '../fixtures/configs/index.js'
import { tempDir } from '../generate/helpers.js'

const base = {
  project: 'acme',
  postgres: { databases: ['app'], exposePort: 5432 },
  workers: [{ name: 'etl', replicas: 1 }, { name: 'ml', cores: 2 }],
  functions: [{ name: 'hello', source: './functions/hello', env: { A: '1', B: '2' } }],
  services: { mail: { image: 'axllent/mailpit:v1.27', port: 8025, env: { X: '1' } } },
  routes: [
    { host: 'api', path: '/fn', to: { function: 'hello' } },
    { host: 'auth', to: 'keycloak' },
  ],
  tls: { acme: { email: 'a@example.com', staging: true } },
}
const withEnv = (overlay: unknown, extra: object = {}) => ({ ...base, ...extra, environments: { prod: overlay } })

describe('applyEnvironment', () => {
  test('merges objects deeply, named collections by key, replaces other arrays, tls and a route target whole', () => {
    const { config } = applyEnvironment(
      withEnv({
        postgres: { databases: ['shop'] },
        workers: [{ name: 'ml', cores: 4 }, { name: 'new' }],
        functions: [{ name: 'hello', env: { B: 'two' } }],
        services: { mail: { env: { Y: '2' } } },
        routes: [{ host: 'api', path: '/fn', to: { service: 'mail' } }, { host: 'auth', path: '/', stripPrefix: true }],
        tls: { acme: { email: 'b@example.com' } },
      }),
      'prod',
    )
    expect(config).toEqual({
      ...base,
      project: 'acme-prod',
      postgres: { databases: ['shop'], exposePort: 5432 },
      workers: [{ name: 'etl', replicas: 1 }, { name: 'ml', cores: 4 }, { name: 'new' }],
      functions: [{ name: 'hello', source: './functions/hello', env: { A: '1', B: 'two' } }],
      services: { mail: { image: 'axllent/mailpit:v1.27', port: 8025, env: { X: '1', Y: '2' } } },
      routes: [
        { host: 'api', path: '/fn', to: { service: 'mail' } },
        { host: 'auth', to: 'keycloak', path: '/', stripPrefix: true },
      ],
      tls: { acme: { email: 'b@example.com' } },
    })
  })

  test('an overlay that sets project keeps it; undefined is no value', () => {
    const { config } = applyEnvironment(withEnv({ project: 'acme-live', postgres: { exposePort: undefined } }), 'prod')
    expect(config['project']).toBe('acme-live')
    expect(config['postgres']).toEqual(base.postgres)
  })

  test('an unknown environment is a usage error naming the ones there are', () => {
    expect(() => applyEnvironment({ ...base, environments: { prod: {}, staging: {} } }, 'prd')).toThrow(
      expect.objectContaining({
        code: 'usage',
        message: 'No environment named "prd". Did you mean "prod"? Environments in the config: prod, staging.',
        hint: 'Pass one of those to --env (or SPARKBAAS_ENV), or leave both out for the base config.',
      }),
    )
    expect(() => applyEnvironment(base, 'prod')).toThrow(
      expect.objectContaining({
        message: 'No environment named "prod". The config defines no environments.',
        hint: 'Add one under `environments` in the config, e.g. environments: { prod: { production: true } }, or leave out --env (and SPARKBAAS_ENV).',
      }),
    )
  })
})

describe('merging, as properties', () => {
  const json = fc.jsonValue({ maxDepth: 3 })
  const overlayOf = fc.record(
    {
      domain: fc.constantFrom('example.com', 'shop.test'),
      postgres: fc.record({ databases: fc.array(fc.constantFrom('a', 'b')), exposePort: fc.oneof(fc.constant(false), fc.integer({ min: 1, max: 65535 })) }, { requiredKeys: [] }),
      workers: fc.array(fc.record({ name: fc.constantFrom('etl', 'ml', 'x'), replicas: fc.integer({ min: 1, max: 9 }) }, { requiredKeys: ['name'] })),
      routes: fc.array(fc.record({ host: fc.constantFrom('api', 'auth'), path: fc.constantFrom('/', '/fn'), stripPrefix: fc.boolean() }, { requiredKeys: ['host'] })),
      services: fc.dictionary(fc.constantFrom('mail', 'redis'), fc.record({ port: fc.integer({ min: 1, max: 65535 }), env: fc.dictionary(fc.constantFrom('X', 'Y'), fc.string()) }, { requiredKeys: [] })),
      resources: fc.dictionary(fc.string(), json),
    },
    { requiredKeys: [] },
  )

  test('is deterministic and leaves its input untouched', () => {
    fc.assert(
      fc.property(overlayOf, (overlay) => {
        const input = withEnv(overlay)
        const copy = structuredClone(input)
        const first = applyEnvironment(input, 'prod').config
        expect(applyEnvironment(input, 'prod').config).toEqual(first)
        expect(JSON.stringify(applyEnvironment(structuredClone(input), 'prod').config)).toBe(JSON.stringify(first))
        expect(input).toEqual(copy)
      }),
    )
  })

  test('an overlay of {} is the base (with the environment in the project name)', () => {
    fc.assert(
      fc.property(overlayOf, (asBase) => {
        const input = { ...base, ...asBase, environments: { prod: {} } }
        const { environments: _environments, ...expected } = input
        expect(applyEnvironment(input, 'prod').config).toEqual({ ...expected, project: 'acme-prod' })
        expect(applyEnvironment({ ...input, environments: { prod: { project: 'acme' } } }, 'prod').config).toEqual(expected)
      }),
    )
  })
})

describe('checkLoaded with an environment', () => {
  const valid = {
    project: 'acme',
    functions: [{ name: 'hello', source: './functions/hello' }],
    routes: [{ host: 'api', path: '/fn', to: { function: 'hello' } }],
  }
  const check = (config: unknown, env?: string) => checkLoaded(config, '/p/sparkbaas.config.json', FIXTURES_DIR, env)

  test('names the overlay path of a value the overlay set, the base path of one it did not', () => {
    const config = { ...valid, environments: { prod: { routes: [{ host: 'new', to: { function: 'nope' } }, { host: 'api', path: '/fn', to: { service: 'gone' } }] } } }
    expect(() => check(config, 'prod')).toThrow(
      expect.objectContaining({
        code: 'config_invalid',
        message: '/p/sparkbaas.config.json is not a valid config for environment "prod" (2 problems):',
        problems: [
          expect.objectContaining({ path: 'environments.prod.routes[1].to.service', code: 'unknown_service' }),
          expect.objectContaining({ path: 'environments.prod.routes[0].to.function', code: 'unknown_function' }),
        ],
      }),
    )
    // Without --env the base is valid: the overlays' shapes are all that is checked of them.
    expect(check(config).config.project).toBe('acme')
  })

  test("an overlay's shape is checked with the base, at its own path", () => {
    const config = { ...valid, environments: { prod: { workers: [{ replicas: 2 }], tlss: 'off' }, 'Bad Name': {} } }
    let problems: { path: string }[] = []
    try {
      check(config)
    } catch (error) {
      problems = (error as { problems: { path: string }[] }).problems
    }
    expect(problems.map((p) => p.path)).toEqual(['environments.prod.workers[0].name', 'environments.prod.tlss', 'environments["Bad Name"]'])
  })

  test('a derived project name too long is the environment\'s problem', () => {
    const config = { ...valid, project: 'a'.repeat(30), environments: { 'prod-eu-west': {} } }
    expect(() => check(config, 'prod-eu-west')).toThrow(expect.objectContaining({ problems: [expect.objectContaining({ path: 'environments.prod-eu-west', message: expect.stringContaining('received "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-prod-eu-west"') })] }))
  })
})

describe('production guards', () => {
  const prod = (config: object) => productionGuards(configSchema.parse({ project: 'acme', production: true, tls: 'self-signed', ...config }))

  test('a config that is not production is never refused', () => {
    expect(productionGuards(configSchema.parse({ project: 'acme', postgres: { exposePort: 5432 }, images: { traefik: 'traefik' } }))).toEqual([])
  })

  test('tls "off"', () => {
    expect(prod({ tls: 'off' })).toEqual([
      {
        path: 'tls',
        code: 'production_tls_off',
        message:
          'tls is "off" in production: passwords and tokens would cross the network in clear text — set tls: { acme: { email: "you@example.com" } } (Let\'s Encrypt), or "self-signed" behind a proxy that terminates TLS',
      },
    ])
  })

  test('a published Postgres port', () => {
    expect(prod({ postgres: { exposePort: 5433 } })).toEqual([
      {
        path: 'postgres.exposePort',
        code: 'production_postgres_port',
        message:
          'Postgres is published on host port 5433 in production, open to whoever can reach the server — set postgres.exposePort: false; use `sparkbaas exec postgres psql` or an SSH tunnel instead',
      },
    ])
  })

  test('seed users, unless allowed', () => {
    const realms = [{ name: 'ops' }, { name: 'acme', users: [{ username: 'dev' }, { username: 'qa1' }] }]
    expect(prod({ realms })).toEqual([
      {
        path: 'realms[1].users',
        code: 'production_seed_users',
        message:
          'realm "acme" has seed users (dev, qa1) in production; their passwords are generated into .env on the server — set users: [] for this environment, or production: { allowSeedUsers: true } to keep them',
      },
    ])
    expect(prod({ realms, production: { allowSeedUsers: true } })).toEqual([])
  })

  test('an image without a pinned version', () => {
    expect(prod({ images: { traefik: 'traefik:latest' }, services: { mail: { image: 'axllent/mailpit' } } })).toEqual([
      {
        path: 'images.traefik',
        code: 'production_image_unpinned',
        message:
          '"traefik:latest" uses the tag latest, which changes with each release; pin a version tag such as "traefik:v3.5" or a digest "traefik@sha256:…" so every `up`, on every machine, runs the same image (refused in production)',
      },
      {
        path: 'services.mail.image',
        code: 'production_image_unpinned',
        message:
          '"axllent/mailpit" has no tag, so the engine pulls "axllent/mailpit:latest", which changes with each release; pin a version tag such as "axllent/mailpit:<version>" or a digest "axllent/mailpit@sha256:…" so every `up`, on every machine, runs the same image (refused in production)',
      },
    ])
  })

  test.each([
    ['localhost', 'is a single label, not a public DNS name'],
    ['shop.localhost', 'ends in .localhost, which is reserved and never public'],
    ['shop.test', 'ends in .test, which is reserved and never public'],
    ['10.0.0.1', 'is an IP address'],
  ])("Let's Encrypt on %s", (domain, why) => {
    expect(prod({ domain, tls: { acme: { email: 'ops@example.com' } } })).toEqual([
      {
        path: 'domain',
        code: 'production_acme_domain',
        message: `Let's Encrypt cannot issue a certificate for "${domain}": it ${why} — set domain to a public name whose A/AAAA records (and those of each route's host below it) point at this server`,
      },
    ])
    expect(prod({ domain: 'shop.example.com', tls: { acme: { email: 'ops@example.com' } } })).toEqual([])
  })

  test('an environment marked production is refused at the paths to fix', () => {
    const config = { project: 'acme', environments: { prod: { production: true, postgres: { exposePort: 5432 } } } }
    let problems: { path: string; code: string }[] = []
    try {
      checkLoaded(config, '/p/c.json', '/p', 'prod')
    } catch (error) {
      problems = (error as { problems: { path: string; code: string }[] }).problems
    }
    expect(problems.map((p) => [p.path, p.code])).toEqual([
      ['tls', 'production_tls_off'],
      ['environments.prod.postgres.exposePort', 'production_postgres_port'],
    ])
  })
})

describe('a config function', () => {
  test('is called with the environment, and its result may hold environments too', async () => {
    const dir = tempDir()
    mkdirSync(dir, { recursive: true })
    writeFileSync(
      join(dir, 'sparkbaas.config.mjs'),
      "export default async ({ env }) => ({ project: env === undefined ? 'local' : `acme-${env}`, environments: { prod: {} } })\n",
    )
    expect((await loadConfig({ cwd: dir })).config).toEqual({ project: 'local', environments: { prod: {} } })
    const loaded = await loadConfig({ cwd: dir, env: 'prod' })
    expect(loaded.config).toEqual({ project: 'acme-prod', environments: { prod: {} } })
    expect(checkLoaded(loaded.config, loaded.filepath, dir, 'prod').config.project).toBe('acme-prod-prod')
  })

  test('that throws is reported with the file', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'sparkbaas.config.mjs'), "export default () => { throw new Error('no DOMAIN set') }\n")
    await expect(loadConfig({ cwd: dir })).rejects.toMatchObject({
      code: 'config_load_failed',
      message: `${join(dir, 'sparkbaas.config.mjs')}: its config function threw: no DOMAIN set`,
    })
  })
})
