import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { configSchema, type ParsedConfig } from '../../src/config/schema.js'
import type { SparkbaasConfig } from '../../src/config/types.js'
import * as validate from '../../src/config/validate.js'
import {
  RULES,
  RULE_READS,
  apiAuthNeedsRealm,
  apiNeedsAccess,
  apiRoutesNeedApi,
  duplicateNames,
  duplicateRoutes,
  envKeyCollisions,
  functionSources,
  postgrestImageVersion,
  portClashes,
  reservedFunctionNames,
  reservedPostgresNames,
  reservedRoles,
  reservedServiceNames,
  seedUsers,
  serviceAccountRoles,
  sparkRoutesNeedWorkers,
  undefinedRoles,
  unknownRealms,
  unknownRouteTargets,
  unroutableServices,
  type Rule,
} from '../../src/config/validate.js'
import { validConfig } from '../fixtures/valid/config.js'

const configDir = fileURLToPath(new URL('../fixtures/valid', import.meta.url))
const ctx = { configDir }

/** The fixture with some top-level keys replaced, through the shape check so defaults are filled. */
const parse = (overrides: Partial<SparkbaasConfig> = {}): ParsedConfig => configSchema.parse({ ...validConfig, ...overrides })
const run = (rule: Rule, overrides: Partial<SparkbaasConfig> = {}) => rule(parse(overrides), ctx)

const RESERVED = 'postgres, authenticator, authenticated, keycloak, public, pg_*, …'

describe('RULES', () => {
  it('lists every rule the module exports, and the valid fixture breaks none', () => {
    const exported = Object.values(validate).filter((value) => typeof value === 'function')
    expect(new Set(RULES)).toEqual(new Set(exported))
    expect(RULES.flatMap((rule) => rule(parse(), ctx))).toEqual([])
  })

  // check.ts runs a rule on a config that failed the shape check only when every key it reads parsed: a key read
  // but not declared would let it report the echo of a shape problem, so each rule runs on configs that take it
  // down its branches (problems found, messages built) while a proxy records the top-level keys it reads.
  it('declares every top-level key each rule reads (RULE_READS)', () => {
    const busy = parse({
      domain: 'example.com',
      tls: 'self-signed',
      ports: { http: 8080, https: 8080 },
      images: { postgrest: 'postgrest/postgrest:v12.2' },
      postgres: { databases: ['app', 'app', 'postgres'], exposePort: 8080 },
      api: { realm: 'nope', anonRole: 'postgres', schemas: ['pg_x'] },
      workers: [{ name: 'a' }, { name: 'a' }, { name: 'init' }],
      realms: [
        {
          name: 'r',
          roles: ['x'],
          clients: [{ id: 'c', type: 'public', serviceAccountRoles: ['y'] }, { id: 'c', type: 'confidential' }],
          users: [{ username: 'usr', roles: ['z'] }, { username: 'usr' }, { username: 'service-account-q' }, { username: 'bad@x' }],
        },
        { name: 'r' },
        { name: 'r-c', users: [{ username: 'c-secret' }] },
      ],
      functions: [{ name: 'f', source: './nope' }, { name: 'f', source: './functions/hello' }, { name: 'server', source: './functions/hello' }],
      services: { postgres: { image: 'p' }, 'spark-a': { image: 'x' }, quiet: { image: 'q' } },
      routes: [
        { host: 'a', to: { function: 'nope' } },
        { host: 'a', to: { service: 'nope' } },
        { host: 'b', to: { service: 'quiet' } },
        { host: 'c', to: 'spark', auth: { realm: 'nope', roles: ['q'] } },
        { host: 'c', to: 'api', auth: { realm: 'r', roles: ['q'] } },
        { host: 'd', to: 'keycloak' },
      ],
      resources: { nope: { cpus: 1 } },
    })
    const configs = [parse(), busy, parse({ workers: [], api: undefined, routes: [{ host: 'x', to: 'spark' }, { host: 'y', to: 'api' }] })]
    for (const rule of RULES) {
      const declared = Object.keys(RULE_READS.get(rule) ?? {})
      const read = new Set<string>()
      for (const config of configs) {
        const recording = new Proxy(config, {
          get(target, key, receiver) {
            if (typeof key === 'string') read.add(key)
            return Reflect.get(target, key, receiver) as unknown
          },
        })
        rule(recording, { configDir, exists: (path) => !path.includes('nope') })
      }
      expect([...read].filter((key) => !declared.includes(key)), rule.name).toEqual([])
    }
    expect([...RULE_READS.keys()]).toEqual(RULES)
  })
})

describe('unknownRouteTargets', () => {
  it('accepts routes to defined functions and services', () => {
    expect(run(unknownRouteTargets)).toEqual([])
  })

  it('names the functions that exist', () => {
    expect(run(unknownRouteTargets, { routes: [{ host: 'api', to: { function: 'helo' } }] })).toEqual([
      { path: 'routes[0].to.function', code: 'unknown_function', message: 'no function named "helo" — defined functions: hello, stats' },
    ])
  })

  it('names the services that exist', () => {
    expect(run(unknownRouteTargets, { routes: [{ host: 'mail', to: { service: 'mailpi' } }] })).toEqual([
      { path: 'routes[0].to.service', code: 'unknown_service', message: 'no service named "mailpi" — defined services: mailpit, redis' },
    ])
  })

  it('says when there is nothing to route to', () => {
    const routes = [{ host: 'a', to: { function: 'f' } }, { host: 'b', to: { service: 's' } }]
    expect(run(unknownRouteTargets, { functions: [], services: {}, routes })).toEqual([
      { path: 'routes[0].to.function', code: 'unknown_function', message: 'no function named "f" — no functions are defined; add one to functions' },
      { path: 'routes[1].to.service', code: 'unknown_service', message: 'no service named "s" — no services are defined; add one to services' },
    ])
  })
})

describe('unroutableServices', () => {
  it('accepts a service without a port that no route points at', () => {
    expect(run(unroutableServices)).toEqual([])
  })

  it('refuses a route to a service without a port', () => {
    expect(run(unroutableServices, { routes: [{ host: 'cache', to: { service: 'redis' } }] })).toEqual([
      {
        path: 'routes[0].to.service',
        code: 'service_without_port',
        message: 'service "redis" has no port, so it cannot be routed — set services.redis.port to the port it listens on',
      },
    ])
  })

  it('leaves unknown services to unknownRouteTargets, even names an empty object inherits', () => {
    expect(run(unroutableServices, { routes: [{ host: 'a', to: { service: 'constructor' } }, { host: 'b', to: { service: 'x' } }] })).toEqual([])
  })
})

describe('sparkRoutesNeedWorkers', () => {
  it('accepts a route to spark when workers exist', () => {
    expect(run(sparkRoutesNeedWorkers)).toEqual([])
  })

  it('refuses a route to spark without workers', () => {
    expect(run(sparkRoutesNeedWorkers, { workers: [] })).toEqual([
      {
        path: 'routes[4].to',
        code: 'spark_without_workers',
        message: '"spark" routes to the Spark master, which only runs when workers is not empty — add a worker, e.g. workers: [{ name: "etl" }], or remove this route',
      },
    ])
  })
})

describe('apiRoutesNeedApi', () => {
  it('accepts a route to api when api is set', () => {
    expect(run(apiRoutesNeedApi)).toEqual([])
  })

  it('refuses a route to api without api', () => {
    expect(run(apiRoutesNeedApi, { api: undefined })).toEqual([
      {
        path: 'routes[0].to',
        code: 'api_not_enabled',
        message: '"api" routes to PostgREST, which only runs when api is set — add api: {} (anonymous requests only) or api: { realm: "<realm name>" } (that realm\'s tokens too), or remove this route',
      },
    ])
  })
})

describe('unknownRealms', () => {
  it('accepts realms that exist', () => {
    expect(run(unknownRealms)).toEqual([])
  })

  it('reports api.realm and routes[].auth.realm', () => {
    const routes = [{ host: 'api', to: 'api' as const, auth: { realm: 'acm' } }]
    expect(run(unknownRealms, { api: { realm: 'acm' }, routes })).toEqual([
      { path: 'api.realm', code: 'unknown_realm', message: 'no realm named "acm" — defined realms: acme, partners' },
      { path: 'routes[0].auth.realm', code: 'unknown_realm', message: 'no realm named "acm" — defined realms: acme, partners' },
    ])
  })

  it('says when no realm is defined', () => {
    expect(run(unknownRealms, { realms: [], routes: [] })).toEqual([
      { path: 'api.realm', code: 'unknown_realm', message: 'no realm named "acme" — no realms are defined; add one to realms' },
    ])
  })
})

describe('undefinedRoles', () => {
  it('accepts roles the realm defines', () => {
    expect(run(undefinedRoles)).toEqual([])
  })

  it('reports a route role the realm does not define', () => {
    expect(run(undefinedRoles, { routes: [{ host: 'api', to: 'api', auth: { realm: 'acme', roles: ['user', 'admn'] } }] })).toEqual([
      {
        path: 'routes[0].auth.roles[1]',
        code: 'unknown_role',
        message: 'realm "acme" has no role "admn" — its roles are admin, user; add "admn" to realms[0].roles or use one of those',
      },
    ])
  })

  it('reports a user role the realm does not define, also when it defines none', () => {
    const realms = [{ name: 'acme', roles: ['user'] }, { name: 'partners', users: [{ username: 'pat', roles: ['viewer'] }] }]
    expect(run(undefinedRoles, { realms, routes: [] })).toEqual([
      { path: 'realms[1].users[0].roles[0]', code: 'unknown_role', message: 'realm "partners" has no roles — add "viewer" to realms[1].roles' },
    ])
  })

  it('reports a service account role the realm does not define', () => {
    const realms: SparkbaasConfig['realms'] = [
      { name: 'acme', roles: ['user'], clients: [{ id: 'jobs', type: 'confidential', serviceAccount: true, serviceAccountRoles: ['user', 'backend'] }] },
    ]
    expect(run(undefinedRoles, { realms, routes: [] })).toEqual([
      {
        path: 'realms[0].clients[0].serviceAccountRoles[1]',
        code: 'unknown_role',
        message: 'realm "acme" has no role "backend" — its roles are user; add "backend" to realms[0].roles or use one of those',
      },
    ])
  })

  it('leaves roles of an unknown realm to unknownRealms', () => {
    expect(run(undefinedRoles, { routes: [{ host: 'api', to: 'api', auth: { realm: 'nope', roles: ['x'] } }] })).toEqual([])
  })
})

describe('duplicateRoutes', () => {
  it('accepts the same path on different hosts', () => {
    expect(run(duplicateRoutes, { routes: [{ host: 'a', path: '/x', to: 'api' }, { host: 'b', path: '/x', to: 'api' }] })).toEqual([])
  })

  it('reports a second route with the same host and path, defaults included', () => {
    const routes = [
      { host: 'auth', to: 'keycloak' as const },
      { host: 'api', path: '/rest', to: 'api' as const },
      { host: 'auth', path: '/', to: 'keycloak' as const },
      { host: 'api', path: '/rest', to: { function: 'hello' } },
    ]
    expect(run(duplicateRoutes, { routes })).toEqual([
      { path: 'routes[2]', code: 'duplicate_route', message: 'same host and path as routes[0] (auth.localhost/); give one of them another path' },
      { path: 'routes[3]', code: 'duplicate_route', message: 'same host and path as routes[1] (api.localhost/rest); give one of them another path' },
    ])
  })
})

describe('duplicateNames', () => {
  const exact = (path: string, kind: string, name: string, earlier: string) => ({
    path,
    code: 'duplicate_name',
    message: `duplicate ${kind} "${name}", already defined at ${earlier} — rename or remove one`,
  })

  it('accepts the valid fixture, and the same client id in two realms', () => {
    const realms = [{ name: 'a', clients: [{ id: 'web', type: 'public' as const }] }, { name: 'b', clients: [{ id: 'web', type: 'public' as const }] }]
    expect(run(duplicateNames, { realms, api: undefined, routes: [] })).toEqual([])
  })

  it('reports exact duplicates in every list', () => {
    const config = {
      postgres: { databases: ['app', 'app'] },
      workers: [{ name: 'etl' }, { name: 'etl' }],
      realms: [
        {
          name: 'acme',
          clients: [{ id: 'web', type: 'public' as const }, { id: 'web', type: 'confidential' as const }],
          users: [{ username: 'dev' }, { username: 'dev' }],
        },
        { name: 'acme' },
      ],
      functions: [{ name: 'hello', source: './a' }, { name: 'hello', source: './b' }],
    }
    expect(run(duplicateNames, config)).toEqual([
      exact('postgres.databases[1]', 'database', 'app', 'postgres.databases[0]'),
      exact('workers[1].name', 'worker', 'etl', 'workers[0].name'),
      exact('realms[1].name', 'realm', 'acme', 'realms[0].name'),
      exact('realms[0].clients[1].id', 'client', 'web', 'realms[0].clients[0].id'),
      exact('realms[0].users[1].username', 'user', 'dev', 'realms[0].users[0].username'),
      exact('functions[1].name', 'function', 'hello', 'functions[0].name'),
    ])
  })

  it('reports names that only differ in "-" and "_" or other characters env var names drop', () => {
    const config = {
      realms: [{ name: 'acme', users: [{ username: 'a.b' }, { username: 'a_b' }] }],
      services: { 'my-app': { image: 'a' }, my_app: { image: 'b' }, 'my--app': { image: 'c' }, etl: { image: 'd' }, 'etl-': { image: 'e' } },
    }
    expect(run(duplicateNames, config)).toEqual([
      {
        path: 'realms[0].users[1].username',
        code: 'duplicate_name',
        message: 'user "a_b" collides with "a.b" at realms[0].users[0].username: both become A_B in environment variable names — rename one',
      },
      {
        path: 'services.my_app',
        code: 'duplicate_name',
        message: 'service "my_app" collides with "my-app" at services.my-app: both become MY_APP in environment variable names — rename one',
      },
      {
        path: 'services.my--app',
        code: 'duplicate_name',
        message: 'service "my--app" collides with "my-app" at services.my-app: both become MY_APP in environment variable names — rename one',
      },
      {
        path: 'services.etl-',
        code: 'duplicate_name',
        message: 'service "etl-" collides with "etl" at services.etl: both become ETL in environment variable names — rename one',
      },
    ])
  })
})

describe('reservedServiceNames', () => {
  it('accepts names no built-in service uses', () => {
    expect(run(reservedServiceNames)).toEqual([])
  })

  it('reports services named like a built-in service, also after normalising', () => {
    expect(run(reservedServiceNames, { services: { postgres: { image: 'a' }, spark_master: { image: 'b' }, migrations: { image: 'c' } } })).toEqual([
      { path: 'services.postgres', code: 'reserved_name', message: 'service name "postgres" collides with the built-in service "postgres" — choose another name' },
      {
        path: 'services.spark_master',
        code: 'reserved_name',
        message: 'service name "spark_master" collides with the built-in service "spark-master" — choose another name',
      },
      { path: 'services.migrations', code: 'reserved_name', message: 'service name "migrations" collides with the built-in service "migrations" — choose another name' },
    ])
  })

  it('reports a worker whose spark-<name> service is built in, and a service named like a worker', () => {
    expect(run(reservedServiceNames, { workers: [{ name: 'etl' }, { name: 'master' }], services: { 'spark-etl': { image: 'a' } } })).toEqual([
      {
        path: 'workers[1].name',
        code: 'reserved_name',
        message: 'worker "master" runs as service "spark-master", which collides with the built-in service "spark-master" — choose another name',
      },
      {
        path: 'services.spark-etl',
        code: 'reserved_name',
        message: 'service name "spark-etl" collides with worker "etl" (workers[0]), which runs as service "spark-etl" — choose another name',
      },
    ])
  })
})

describe('reservedRoles', () => {
  const withRoles = (roles: string[], anonRole: string | false = 'anon') => ({
    api: { realm: 'acme', anonRole },
    realms: [{ name: 'partners', roles: ['postgres'] }, { name: 'acme', roles }],
    routes: [],
  })

  it('accepts the valid fixture, a disabled anonymous role, and reserved names in realms the api ignores', () => {
    expect(run(reservedRoles)).toEqual([])
    expect(run(reservedRoles, withRoles(['user'], false))).toEqual([])
    expect(run(reservedRoles, { api: undefined, realms: [{ name: 'acme', roles: ['postgres'] }], routes: [] })).toEqual([])
  })

  it('reports a reserved anonymous role', () => {
    for (const anonRole of ['postgres', 'authenticator', 'authenticated', 'keycloak', 'pg_monitor']) {
      expect(run(reservedRoles, withRoles(['user'], anonRole))).toEqual([
        { path: 'api.anonRole', code: 'reserved_role', message: `"${anonRole}" is a reserved Postgres role (${RESERVED}) — choose another name, e.g. "anon"` },
      ])
    }
  })

  it('leaves realm roles alone: tokens map to the role "authenticated", not to realm roles', () => {
    expect(run(reservedRoles, withRoles(['user', 'authenticator', 'pg_read_all_data'], 'user'))).toEqual([])
  })
})

describe('functionSources', () => {
  it('accepts folders with an index file, on disk', () => {
    expect(run(functionSources)).toEqual([])
  })

  it('reports a missing folder, relative to the config folder', () => {
    const functions = [{ name: 'x', source: './fn/x' }]
    expect(run(functionSources, { functions })).toEqual([
      { path: 'functions[0].source', code: 'function_source_missing', message: `folder ./fn/x does not exist (relative to ${configDir})` },
    ])
  })

  it('does not say "relative" for an absolute source', () => {
    const functions = [{ name: 'x', source: join(configDir, 'missing') }]
    expect(run(functionSources, { functions })).toEqual([
      { path: 'functions[0].source', code: 'function_source_missing', message: `folder ${join(configDir, 'missing')} does not exist` },
    ])
  })

  it('reports a folder without an index file', () => {
    const functions = [{ name: 'x', source: './functions/no-index' }]
    expect(run(functionSources, { functions })).toEqual([
      {
        path: 'functions[0].source',
        code: 'function_index_missing',
        message: `folder ./functions/no-index (relative to ${configDir}) has no index.ts, index.mts, index.js or index.mjs — add one that default-exports the handler`,
      },
    ])
  })

  it('accepts each index file name, through an injected file check', () => {
    const config = parse({ functions: [{ name: 'x', source: 'fn' }] })
    const folder = resolve('/project', 'fn')
    for (const file of ['index.ts', 'index.mts', 'index.js', 'index.mjs']) {
      const present = new Set([folder, join(folder, file)])
      expect(functionSources(config, { configDir: '/project', exists: (path) => present.has(path) })).toEqual([])
    }
    expect(functionSources(config, { configDir: '/project', exists: (path) => path === folder })).toHaveLength(1)
  })
})

describe('envKeyCollisions', () => {
  it('accepts names whose .env keys differ', () => {
    expect(run(envKeyCollisions)).toEqual([])
  })

  it('reports secrets whose .env keys meet across realms', () => {
    const realms: SparkbaasConfig['realms'] = [
      { name: 'a', clients: [{ id: 'b-c', type: 'confidential' }], users: [{ username: 'x.y' }] },
      { name: 'a-b', clients: [{ id: 'c', type: 'confidential' }] },
      { name: 'a-b-c', clients: [{ id: 'secret', type: 'public' }] },
      { name: 'q', users: [{ username: 'user-xyz' }] },
      { name: 'q-user', users: [{ username: 'xyz' }] },
    ]
    expect(run(envKeyCollisions, { realms, routes: [], api: undefined })).toEqual([
      {
        path: 'realms[1].clients[0].id',
        code: 'env_key_collision',
        message: 'its .env key REALM_A_B_C_SECRET is also the key of realms[0].clients[0].id — rename one of them',
      },
      {
        path: 'realms[4].users[0].username',
        code: 'env_key_collision',
        message: 'its .env key REALM_Q_USER_USER_XYZ_PASSWORD is also the key of realms[3].users[0].username — rename one of them',
      },
    ])
  })
})

describe('reservedPostgresNames', () => {
  it('accepts ordinary database and schema names', () => {
    expect(run(reservedPostgresNames)).toEqual([])
  })

  it('reports databases and schemas that Postgres or Keycloak own', () => {
    const overrides = { postgres: { databases: ['app', 'keycloak', 'template1'] }, api: { realm: 'acme', schemas: ['api', 'pg_temp', 'information_schema', 'sparkbaas'] } }
    expect(run(reservedPostgresNames, overrides)).toEqual([
      { path: 'postgres.databases[1]', code: 'reserved_name', message: '"keycloak" is taken by Postgres or Keycloak\'s own database — choose another name such as "app"' },
      { path: 'postgres.databases[2]', code: 'reserved_name', message: '"template1" is taken by Postgres or Keycloak\'s own database — choose another name such as "app"' },
      { path: 'api.schemas[1]', code: 'reserved_name', message: '"pg_temp" is reserved by Postgres — choose another name such as "api"' },
      { path: 'api.schemas[2]', code: 'reserved_name', message: '"information_schema" is reserved by Postgres — choose another name such as "api"' },
      { path: 'api.schemas[3]', code: 'reserved_name', message: '"sparkbaas" holds sparkbaas\'s migration records, which the API must not serve — choose another name such as "api"' },
    ])
  })
})

describe('reservedFunctionNames', () => {
  it('accepts ordinary function names', () => {
    expect(run(reservedFunctionNames)).toEqual([])
  })

  it('reports a function named like the runtime file', () => {
    const functions = [{ name: 'server', source: './hello' }]
    expect(run(reservedFunctionNames, { functions })).toEqual([
      { path: 'functions[0].name', code: 'reserved_name', message: '"server" is taken by the functions runtime (functions/server.mjs) — rename the function' },
    ])
  })
})

describe('postgrestImageVersion', () => {
  // The PostgREST healthcheck is `postgrest --ready` (PostgREST CHANGELOG 14.0: "Add `--ready` flag for postgrest
  // healthcheck", #4239; src/PostgREST/CLI.hs). The image has no shell or curl, so an older PostgREST has no check
  // that works, and `up --wait` would wait for it forever.
  it('accepts the pinned image, v14 and later, and tags it cannot read', () => {
    for (const postgrest of [
      'postgrest/postgrest:v14.0',
      'postgrest/postgrest:v14.8',
      'postgrest/postgrest:v16.2@sha256:0123abcd',
      'registry.local:5000/postgrest/postgrest:v15.1',
      'postgrest/postgrest',
      'postgrest/postgrest:latest',
      'postgrest/postgrest@sha256:0123abcd',
      'ghcr.io/acme/rest:stable',
    ]) {
      expect(run(postgrestImageVersion, { images: { postgrest } }), postgrest).toEqual([])
    }
    expect(run(postgrestImageVersion)).toEqual([])
  })

  it('refuses PostgREST before v14 with what was given, what is needed and what to do', () => {
    expect(run(postgrestImageVersion, { images: { postgrest: 'postgrest/postgrest:v13.0.7' } })).toEqual([
      {
        path: 'images.postgrest',
        code: 'image_too_old',
        message:
          '"postgrest/postgrest:v13.0.7" is PostgREST 13, but the stack needs PostgREST 14 or newer: its healthcheck runs `postgrest --ready`, which PostgREST added in v14.0, and the image has no shell for another check — use a v14 or later tag such as "postgrest/postgrest:v14.8", or remove images.postgrest to use the pinned one',
      },
    ])
    expect(run(postgrestImageVersion, { images: { postgrest: 'registry.local:5000/postgrest:12.2.3' } })).toMatchObject([
      { path: 'images.postgrest', code: 'image_too_old' },
    ])
  })

  it('says nothing without api, where PostgREST does not run', () => {
    expect(run(postgrestImageVersion, { api: undefined, routes: [], images: { postgrest: 'postgrest/postgrest:v12.2' } })).toEqual([])
  })
})

describe('serviceAccountRoles', () => {
  it('accepts roles for a confidential client with a service account, and an empty list anywhere', () => {
    const realms: SparkbaasConfig['realms'] = [
      {
        name: 'acme',
        roles: ['user'],
        clients: [
          { id: 'jobs', type: 'confidential', serviceAccount: true, serviceAccountRoles: ['user'] },
          { id: 'web', type: 'public', serviceAccountRoles: [] },
        ],
      },
    ]
    expect(run(serviceAccountRoles)).toEqual([])
    expect(run(serviceAccountRoles, { realms, routes: [] })).toEqual([])
  })

  it('refuses roles for a client without a service account, saying what to change', () => {
    const realms: SparkbaasConfig['realms'] = [
      {
        name: 'acme',
        roles: ['user'],
        clients: [
          { id: 'server', type: 'confidential', serviceAccountRoles: ['user'] },
          { id: 'web', type: 'public', serviceAccount: true, serviceAccountRoles: ['user'] },
        ],
      },
    ]
    expect(run(serviceAccountRoles, { realms, routes: [] })).toEqual([
      {
        path: 'realms[0].clients[0].serviceAccountRoles',
        code: 'no_service_account',
        message: 'client "server" has no service account to grant roles to — set serviceAccount: true, or remove serviceAccountRoles',
      },
      {
        path: 'realms[0].clients[1].serviceAccountRoles',
        code: 'no_service_account',
        message:
          'client "web" is public, and only confidential clients have a service account (client-credentials grant) — make it type: "confidential" with serviceAccount: true, or remove serviceAccountRoles',
      },
    ])
  })
})

describe('seedUsers', () => {
  it('accepts the fixture: explicit emails and ones derived from the username and the domain', () => {
    expect(run(seedUsers)).toEqual([])
  })

  it('refuses a given email Keycloak would not take, though zod reads it as an address', () => {
    // server-spi-private/.../utils/EmailValidationUtil.java: MAX_LOCAL_PART_LENGTH = 64; dots not at an end or doubled.
    const long = `${'a'.repeat(65)}@acme.test`
    const realms: SparkbaasConfig['realms'] = [{ name: 'acme', users: [{ username: 'dev', email: long }] }]
    expect(run(seedUsers, { realms, routes: [], api: undefined })).toEqual([
      {
        path: 'realms[0].users[0].email',
        code: 'invalid_email',
        message: `"${long}" is not an email Keycloak accepts (at most 64 characters before "@", no "." at either end or twice in a row) — use another`,
      },
    ])
  })

  it('refuses two users of a realm with one email, also when one is derived (Keycloak keeps emails unique per realm)', () => {
    const realms: SparkbaasConfig['realms'] = [
      { name: 'acme', users: [{ username: 'dev' }, { username: 'ops', email: 'Dev@acme.test' }, { username: 'ann@acme.test' }, { username: 'ann', email: 'ann@acme.test' }] },
      { name: 'other', users: [{ username: 'dev' }] },
    ]
    expect(run(seedUsers, { realms, routes: [], api: undefined, domain: 'acme.test' })).toEqual([
      {
        path: 'realms[0].users[1].email',
        code: 'duplicate_email',
        message: 'email "Dev@acme.test" is also the email of realms[0].users[0] (derived from its username) — Keycloak allows one user per email in a realm; give each user its own',
      },
      {
        path: 'realms[0].users[3].email',
        code: 'duplicate_email',
        message: 'email "ann@acme.test" is also the email of realms[0].users[2] (its username) — Keycloak allows one user per email in a realm; give each user its own',
      },
    ])
  })

  it('refuses a user without email whose username makes no address Keycloak takes', () => {
    // keycloak/keycloak server-spi-private/src/main/java/org/keycloak/utils/EmailValidationUtil.java: at most 64
    // characters before the last "@", dot-separated atoms.
    const realms: SparkbaasConfig['realms'] = [
      {
        name: 'acme',
        users: [
          { username: 'ops@' },
          { username: 'ops@@x.test', email: 'ops@x.test' },
          { username: 'dev.' },
          { username: 'a'.repeat(65) },
          { username: 'a'.repeat(64) },
          { username: 'ann@localhost' },
        ],
      },
    ]
    expect(run(seedUsers, { realms, routes: [], api: undefined, domain: 'localhost' })).toEqual([
      {
        path: 'realms[0].users[0]',
        code: 'email_required',
        message: 'username "ops@" contains "@" but is not an email address, so it cannot double as the email Keycloak\'s default user profile requires — set email',
      },
      {
        path: 'realms[0].users[2]',
        code: 'email_required',
        message:
          '"dev.@localhost", the email derived from the username, is not one Keycloak accepts (at most 64 characters before "@", no "." at either end or twice in a row) — set email',
      },
      {
        path: 'realms[0].users[3]',
        code: 'email_required',
        message: `"${'a'.repeat(65)}@localhost", the email derived from the username, is not one Keycloak accepts (at most 64 characters before "@", no "." at either end or twice in a row) — set email`,
      },
    ])
  })

  it('refuses usernames Keycloak gives to service accounts', () => {
    const realms: SparkbaasConfig['realms'] = [{ name: 'acme', users: [{ username: 'service-account-jobs', email: 'jobs@acme.test' }] }]
    expect(run(seedUsers, { realms, routes: [], api: undefined })).toEqual([
      {
        path: 'realms[0].users[0].username',
        code: 'reserved_name',
        message: 'usernames starting with "service-account-" are the ones Keycloak gives to clients\' service accounts — choose another',
      },
    ])
  })
})

describe('portClashes', () => {
  const selfSigned = { tls: 'self-signed' as const }

  it('accepts distinct ports, and http 80 under acme', () => {
    expect(run(portClashes)).toEqual([])
    expect(run(portClashes, { ...selfSigned, ports: { http: 8080, https: 8443 }, postgres: { exposePort: 15432 } })).toEqual([])
  })

  it('refuses http and https on one port', () => {
    expect(run(portClashes, { ...selfSigned, ports: { http: 8443, https: 8443 } })).toEqual([
      { path: 'ports.https', code: 'port_clash', message: 'port 8443 is also ports.http; HTTP and HTTPS each need their own port — choose another, e.g. 443' },
    ])
  })

  it('lets https equal http when TLS is off: it is not published then', () => {
    expect(run(portClashes, { tls: 'off', ports: { http: 443 } })).toEqual([])
  })

  it('refuses postgres.exposePort on a web port', () => {
    expect(run(portClashes, { ...selfSigned, ports: { http: 8080 }, postgres: { exposePort: 8080 } })).toEqual([
      { path: 'postgres.exposePort', code: 'port_clash', message: 'port 8080 is also ports.http; Postgres needs a host port of its own — choose another, e.g. 5432' },
    ])
    expect(run(portClashes, { tls: 'off', postgres: { exposePort: 443 } })).toEqual([])
  })

  it('refuses ACME on an HTTP port other than 80', () => {
    // RFC 8555 §8.3 (HTTP challenge): the CA's request "MUST be sent to TCP port 80 on the HTTP server"; Let's
    // Encrypt follows it (letsencrypt.org/docs/challenge-types, "HTTP-01 challenge … can only be done on port 80").
    expect(run(portClashes, { ports: { http: 8080 } })).toEqual([
      {
        path: 'ports.http',
        code: 'acme_needs_port_80',
        message: 'Let\'s Encrypt\'s HTTP challenge (tls: { acme }) always connects to port 80, not 8080 — set ports.http to 80 (ports.https may differ), or use tls: "self-signed"',
      },
    ])
  })
})

describe('api without a realm', () => {
  it('is fine for anonymous access, with routes to it that carry no auth', () => {
    const overrides = { api: {}, routes: [{ host: 'api', path: '/rest', to: 'api' as const }] }
    expect(run(apiNeedsAccess, overrides)).toEqual([])
    expect(run(apiAuthNeedsRealm, overrides)).toEqual([])
  })

  it('refuses anonRole: false, which would leave PostgREST refusing every request', () => {
    // PostgREST v14.8 src/PostgREST/Auth/Jwt.hs parseClaims: no role claim and no anon role is JwtTokenRequired
    // (401); Auth/JwtCache.hs: any token without a jwt-secret is JwtSecretMissing (500).
    expect(run(apiNeedsAccess, { api: { anonRole: false } })).toEqual([
      {
        path: 'api.anonRole',
        code: 'api_unusable',
        message:
          'with anonRole: false and no realm, PostgREST refuses every request: without a token for want of an anonymous role (401), with one for want of a key to check it (500 "Server lacks JWT secret") — set api.realm to the realm whose tokens it accepts, or give anonymous requests a role, e.g. anonRole: "anon"',
      },
    ])
    expect(run(apiNeedsAccess, { api: { anonRole: false, realm: 'acme' } })).toEqual([])
  })

  it('refuses a route with auth to the api: the tokens it lets through would reach a PostgREST that accepts none', () => {
    const routes = [
      { host: 'api', path: '/open', to: 'api' as const },
      { host: 'api', path: '/rest', to: 'api' as const, auth: { realm: 'acme' } },
      { host: 'api', path: '/fn', to: { function: 'hello' }, auth: { realm: 'acme' } },
    ]
    expect(run(apiAuthNeedsRealm, { api: {}, routes })).toEqual([
      {
        path: 'routes[1].auth',
        code: 'api_without_realm',
        message:
          'this route lets requests with a token of realm "acme" through to PostgREST, which accepts no token without api.realm (it answers 500 "Server lacks JWT secret") — set api.realm: "acme", or remove auth to serve the API anonymously',
      },
    ])
    expect(run(apiAuthNeedsRealm, { api: { realm: 'acme' }, routes })).toEqual([])
  })
})
