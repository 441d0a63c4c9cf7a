/**
 * The second validation pass: rules that span several keys, run on a config whose shape zod has accepted. Each rule
 * returns every problem it finds, addressed by the exact path of the offending value. All rules are pure except
 * `functionSources`, which asks the file system through `ctx.exists` so tests can stand in for it.
 */
import { existsSync } from 'node:fs'
import { isAbsolute, join, resolve } from 'node:path'
import type { Problem } from '../errors.js'
import { ENV } from '../model/env-vars.js'
import { AUTHENTICATED_ROLE, FUNCTION_ENTRY_FILES } from './defaults.js'
import { RESERVED_FUNCTION_NAMES, RESERVED_SERVICE_NAMES, SPARKBAAS_SCHEMA } from './names.js'
import type { ParsedConfig } from './schema.js'
import { productionGuards } from './production.js'
import { portClashes, postgrestImageVersion, unknownResourceServices } from './validate-stack.js'
import { functionDatabases, secretNames } from './validate-secrets.js'
import { seedUsers, serviceAccountRoles } from './validate-users.js'
import { kubernetesNames } from './validate-kubernetes.js'

export { functionDatabases, kubernetesNames, portClashes, postgrestImageVersion, productionGuards, secretNames, seedUsers, serviceAccountRoles, unknownResourceServices }

export interface RuleContext {
  /** The config file's folder: function sources are relative to it. */
  configDir: string
  /** Whether a file or folder exists; `fs.existsSync` unless a test replaces it. */
  exists?: (path: string) => boolean
}

export type Rule = (config: ParsedConfig, ctx: RuleContext) => Problem[]

const INDEX_FILES = FUNCTION_ENTRY_FILES
const INDEX_FILES_TEXT = `${INDEX_FILES.slice(0, -1).join(', ')} or ${INDEX_FILES.at(-1)}`

/** Roles Postgres or the stack already uses; a realm role becomes a Postgres role, so it must avoid them. */
const RESERVED_ROLES: readonly string[] = ['postgres', 'authenticator', AUTHENTICATED_ROLE, 'keycloak', 'public', 'none', 'current_role', 'current_user', 'session_user']
const RESERVED_ROLES_TEXT = `postgres, authenticator, ${AUTHENTICATED_ROLE}, keycloak, public, pg_*, …`
const isReservedRole = (role: string) => RESERVED_ROLES.includes(role) || role.startsWith('pg_')

/**
 * Names end up in environment variable names (`REALM_MY_APP_SECRET`): upper-cased, every run of other characters
 * turned into one "_", none at the ends (as `envName` in src/model/env-vars.ts does). Two names with the same key
 * here would share one variable.
 */
const envKey = (name: string) =>
  name
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')

const problem = (path: string, code: string, message: string): Problem => ({ path, code, message })

/** "defined functions: hello, stats" or, when there are none, what to do about it. */
const defined = (kind: string, names: readonly string[]) =>
  names.length > 0 ? `defined ${kind}: ${names.join(', ')}` : `no ${kind} are defined; add one to ${kind}`

/** `{ function: name }` and `{ service: name }` must name something the config defines. */
export const unknownRouteTargets: Rule = (config) => {
  // Sets, not a list per route: 5,000 routes to 5,000 functions made this rule quadratic.
  const functionNames = config.functions.map((fn) => fn.name)
  const serviceNames = Object.keys(config.services)
  const functions = new Set(functionNames)
  const services = new Set(serviceNames)
  return config.routes.flatMap(({ to }, i) => {
    if (typeof to === 'string') return []
    if ('function' in to) {
      if (functions.has(to.function)) return []
      return [problem(`routes[${i}].to.function`, 'unknown_function', `no function named "${to.function}" — ${defined('functions', functionNames)}`)]
    }
    if (services.has(to.service)) return []
    return [problem(`routes[${i}].to.service`, 'unknown_service', `no service named "${to.service}" — ${defined('services', serviceNames)}`)]
  })
}

/** Traefik needs a port to forward to; a service without one is internal only. */
export const unroutableServices: Rule = (config) =>
  config.routes.flatMap(({ to }, i) => {
    if (typeof to === 'string' || !('service' in to)) return []
    // An unknown service is left to `unknownRouteTargets`; hasOwn keeps "constructor" from finding Object's.
    if (!Object.hasOwn(config.services, to.service) || config.services[to.service]?.port !== undefined) return []
    const message = `service "${to.service}" has no port, so it cannot be routed — set services.${to.service}.port to the port it listens on`
    return [problem(`routes[${i}].to.service`, 'service_without_port', message)]
  })

/** The Spark master, and so its web UI, only exists when there are workers. */
export const sparkRoutesNeedWorkers: Rule = (config) =>
  config.workers.length > 0
    ? []
    : config.routes.flatMap(({ to }, i) =>
        to === 'spark'
          ? [problem(`routes[${i}].to`, 'spark_without_workers', '"spark" routes to the Spark master, which only runs when workers is not empty — add a worker, e.g. workers: [{ name: "etl" }], or remove this route')]
          : [],
      )

/** PostgREST only runs when `api` is set. */
export const apiRoutesNeedApi: Rule = (config) =>
  config.api !== undefined
    ? []
    : config.routes.flatMap(({ to }, i) =>
        to === 'api'
          ? [problem(`routes[${i}].to`, 'api_not_enabled', '"api" routes to PostgREST, which only runs when api is set — add api: {} (anonymous requests only) or api: { realm: "<realm name>" } (that realm\'s tokens too), or remove this route')]
          : [],
      )

/**
 * Without `api.realm`, PostgREST has no key to check tokens with (no jwt-secret): a request without a token runs as
 * `anonRole`, and one with a token is refused (PostgREST src/PostgREST/Auth/Jwt.hs parseClaims, Auth/JwtCache.hs
 * JwtSecretMissing). With no anonymous role either, nothing could ever use the API.
 */
export const apiNeedsAccess: Rule = (config) => {
  if (config.api === undefined || config.api.realm !== undefined || config.api.anonRole !== false) return []
  const message =
    'with anonRole: false and no realm, PostgREST refuses every request: without a token for want of an anonymous role (401), with one for want of a key to check it (500 "Server lacks JWT secret") — set api.realm to the realm whose tokens it accepts, or give anonymous requests a role, e.g. anonRole: "anon"'
  return [problem('api.anonRole', 'api_unusable', message)]
}

/** A route with `auth` lets only requests with a token through, and PostgREST without `api.realm` refuses tokens. */
export const apiAuthNeedsRealm: Rule = (config) =>
  config.api === undefined || config.api.realm !== undefined
    ? []
    : config.routes.flatMap(({ to, auth }, i) => {
        if (to !== 'api' || auth === undefined) return []
        const message = `this route lets requests with a token of realm "${auth.realm}" through to PostgREST, which accepts no token without api.realm (it answers 500 "Server lacks JWT secret") — set api.realm: "${auth.realm}", or remove auth to serve the API anonymously`
        return [problem(`routes[${i}].auth`, 'api_without_realm', message)]
      })

/** `api.realm` and `routes[].auth.realm` must name a realm of the config. */
export const unknownRealms: Rule = (config) => {
  const names = config.realms.map((realm) => realm.name)
  const known = new Set(names)
  const check = (path: string, realm: string) =>
    known.has(realm) ? [] : [problem(path, 'unknown_realm', `no realm named "${realm}" — ${defined('realms', names)}`)]
  return [
    ...(config.api?.realm === undefined ? [] : check('api.realm', config.api.realm)),
    ...config.routes.flatMap(({ auth }, i) => (auth === undefined ? [] : check(`routes[${i}].auth.realm`, auth.realm))),
  ]
}

/** Roles a route requires or a user is granted must be roles of that realm. Unknown realms are left to `unknownRealms`. */
export const undefinedRoles: Rule = (config) => {
  const check = (realmIndex: number, roles: readonly string[], path: string) => {
    const realm = config.realms[realmIndex]
    if (realm === undefined) return []
    return roles.flatMap((role, j) => {
      if (realm.roles.includes(role)) return []
      const fix = `add "${role}" to realms[${realmIndex}].roles`
      const message =
        realm.roles.length > 0
          ? `realm "${realm.name}" has no role "${role}" — its roles are ${realm.roles.join(', ')}; ${fix} or use one of those`
          : `realm "${realm.name}" has no roles — ${fix}`
      return [problem(`${path}[${j}]`, 'unknown_role', message)]
    })
  }
  // The first realm of each name, as findIndex would give, without a search per route.
  const realmIndex = new Map<string, number>()
  for (const [r, realm] of config.realms.entries()) if (!realmIndex.has(realm.name)) realmIndex.set(realm.name, r)
  return [
    ...config.routes.flatMap(({ auth }, i) =>
      auth === undefined ? [] : check(realmIndex.get(auth.realm) ?? -1, auth.roles, `routes[${i}].auth.roles`),
    ),
    ...config.realms.flatMap((realm, r) => [
      ...realm.clients.flatMap((client, c) => check(r, client.serviceAccountRoles, `realms[${r}].clients[${c}].serviceAccountRoles`)),
      ...realm.users.flatMap((user, u) => check(r, user.roles, `realms[${r}].users[${u}].roles`)),
    ]),
  ]
}

/** Two routers with the same rule: Traefik would pick one of them arbitrarily. */
export const duplicateRoutes: Rule = (config) => {
  const first = new Map<string, number>()
  return config.routes.flatMap(({ host, path }, i) => {
    const key = `${host} ${path}`
    const earlier = first.get(key)
    if (earlier === undefined) {
      first.set(key, i)
      return []
    }
    const message = `same host and path as routes[${earlier}] (${host}.${config.domain}${path}); give one of them another path`
    return [problem(`routes[${i}]`, 'duplicate_route', message)]
  })
}

/** Names that must be unique, also after mapping them to environment variable names. */
export const duplicateNames: Rule = (config) => {
  const groups: { kind: string; entries: [path: string, name: string][] }[] = [
    { kind: 'database', entries: config.postgres.databases.map((name, i) => [`postgres.databases[${i}]`, name]) },
    { kind: 'worker', entries: config.workers.map((w, i) => [`workers[${i}].name`, w.name]) },
    { kind: 'realm', entries: config.realms.map((realm, i) => [`realms[${i}].name`, realm.name]) },
    ...config.realms.flatMap((realm, r) => [
      { kind: 'client', entries: realm.clients.map((c, i): [string, string] => [`realms[${r}].clients[${i}].id`, c.id]) },
      { kind: 'user', entries: realm.users.map((u, i): [string, string] => [`realms[${r}].users[${i}].username`, u.username]) },
    ]),
    { kind: 'function', entries: config.functions.map((fn, i) => [`functions[${i}].name`, fn.name]) },
    { kind: 'service', entries: Object.keys(config.services).map((name) => [`services.${name}`, name]) },
  ]
  return groups.flatMap(({ kind, entries }) => {
    const seen = new Map<string, [path: string, name: string]>()
    return entries.flatMap(([path, name]) => {
      const earlier = seen.get(envKey(name))
      if (earlier === undefined) {
        seen.set(envKey(name), [path, name])
        return []
      }
      const [earlierPath, earlierName] = earlier
      const message =
        earlierName === name
          ? `duplicate ${kind} "${name}", already defined at ${earlierPath} — rename or remove one`
          : `${kind} "${name}" collides with "${earlierName}" at ${earlierPath}: both become ${envKey(name)} in environment variable names — rename one`
      return [problem(path, 'duplicate_name', message)]
    })
  })
}

/** Service and worker containers share one compose namespace with the services SparkBaaS adds itself. */
export const reservedServiceNames: Rule = (config) => {
  const builtIn = new Map(RESERVED_SERVICE_NAMES.map((name) => [envKey(name), name]))
  const workerServices = new Map(config.workers.map((w, i) => [envKey(`spark-${w.name}`), { name: w.name, i }]))
  const workers = config.workers.flatMap((worker, i) => {
    const taken = builtIn.get(envKey(`spark-${worker.name}`))
    if (taken === undefined) return []
    const message = `worker "${worker.name}" runs as service "spark-${worker.name}", which collides with the built-in service "${taken}" — choose another name`
    return [problem(`workers[${i}].name`, 'reserved_name', message)]
  })
  const services = Object.keys(config.services).flatMap((name) => {
    const taken = builtIn.get(envKey(name))
    const worker = workerServices.get(envKey(name))
    const path = `services.${name}`
    if (taken !== undefined) {
      return [problem(path, 'reserved_name', `service name "${name}" collides with the built-in service "${taken}" — choose another name`)]
    }
    if (worker === undefined) return []
    const message = `service name "${name}" collides with worker "${worker.name}" (workers[${worker.i}]), which runs as service "spark-${worker.name}" — choose another name`
    return [problem(path, 'reserved_name', message)]
  })
  return [...workers, ...services]
}

/**
 * With `api`, PostgREST switches to `anonRole` for requests without a token (and to `authenticated` for every valid
 * token), so the anonymous role must not be one Postgres or the stack already owns.
 */
export const reservedRoles: Rule = (config) => {
  const anonRole = config.api?.anonRole
  if (anonRole === undefined || anonRole === false || !isReservedRole(anonRole)) return []
  const message = `"${anonRole}" is a reserved Postgres role (${RESERVED_ROLES_TEXT}) — choose another name, e.g. "anon"`
  return [problem('api.anonRole', 'reserved_role', message)]
}

/** A function's folder must exist and hold an index file the runtime can load. */
export const functionSources: Rule = (config, { configDir, exists = existsSync }) =>
  config.functions.flatMap((fn, i) => {
    const folder = resolve(configDir, fn.source)
    const relativeTo = isAbsolute(fn.source) ? '' : ` (relative to ${configDir})`
    const path = `functions[${i}].source`
    if (!exists(folder)) return [problem(path, 'function_source_missing', `folder ${fn.source} does not exist${relativeTo}`)]
    if (INDEX_FILES.some((file) => exists(join(folder, file)))) return []
    const message = `folder ${fn.source}${relativeTo} has no ${INDEX_FILES_TEXT} — add one that default-exports the handler`
    return [problem(path, 'function_index_missing', message)]
  })

/**
 * Secrets live in `.env` under keys built from realm, client and user names (`REALM_<REALM>_<CLIENT>_SECRET`), so
 * names that are unique on their own can still meet there: realm `a` + client `b-c` and realm `a-b` + client `c`.
 */
export const envKeyCollisions: Rule = (config) => {
  const seen = new Map<string, { path: string; realm: number }>()
  const problems: Problem[] = []
  const claim = (key: string, path: string, realm: number) => {
    const first = seen.get(key)
    if (first === undefined) seen.set(key, { path, realm })
    // Within one realm, duplicateNames already reports the pair.
    else if (first.realm !== realm) {
      problems.push(problem(path, 'env_key_collision', `its .env key ${key} is also the key of ${first.path} — rename one of them`))
    }
  }
  config.realms.forEach((realm, r) => {
    realm.clients.forEach((client, c) => {
      if (client.type === 'confidential') claim(ENV.clientSecret(realm.name, client.id), `realms[${r}].clients[${c}].id`, r)
    })
    realm.users.forEach((user, u) => claim(ENV.userPassword(realm.name, user.username), `realms[${r}].users[${u}].username`, r))
  })
  return problems
}

/** A function's bundle is `functions/<name>.mjs`, so it must not take the runtime's own file name. */
export const reservedFunctionNames: Rule = (config) =>
  config.functions.flatMap((fn, i) =>
    (RESERVED_FUNCTION_NAMES as readonly string[]).includes(fn.name)
      ? [problem(`functions[${i}].name`, 'reserved_name', `"${fn.name}" is taken by the functions runtime (functions/${fn.name}.mjs) — rename the function`)]
      : [],
  )

/** Postgres owns these: `CREATE SCHEMA pg_x` fails, and the stack's init SQL must not touch the templates. */
const RESERVED_DATABASES: readonly string[] = ['postgres', 'template0', 'template1', 'keycloak']

export const reservedPostgresNames: Rule = (config) => [
  ...config.postgres.databases.flatMap((db, i) =>
    RESERVED_DATABASES.includes(db)
      ? [problem(`postgres.databases[${i}]`, 'reserved_name', `"${db}" is taken by Postgres or Keycloak's own database — choose another name such as "app"`)]
      : [],
  ),
  ...(config.api?.schemas ?? []).flatMap((schema, i) =>
    schema.startsWith('pg_') || schema === 'information_schema'
      ? [problem(`api.schemas[${i}]`, 'reserved_name', `"${schema}" is reserved by Postgres — choose another name such as "api"`)]
      : schema === SPARKBAAS_SCHEMA
        ? [problem(`api.schemas[${i}]`, 'reserved_name', `"${schema}" holds sparkbaas's migration records, which the API must not serve — choose another name such as "api"`)]
        : [],
  ),
]

/**
 * What a rule reads, by top-level key, so it can run on a config that failed the shape check (check.ts):
 * - `"each"`: it looks at the entries of a list or record one at a time, and its messages name no other entry, so
 *   the entries that did not parse can be left out;
 * - `"all"`: it needs the whole value: it compares entries, counts them, looks a name up among them, or names
 *   another entry by its index. A key that failed anywhere, even in one entry, keeps the rule from running.
 * A test runs each rule on a config that records what it reads, so this table cannot fall behind the code.
 */
export type RuleReads = Readonly<Partial<Record<keyof ParsedConfig, 'each' | 'all'>>>

const RULE_TABLE: readonly (readonly [Rule, RuleReads])[] = [
  [duplicateNames, { postgres: 'all', workers: 'all', realms: 'all', functions: 'all', services: 'each' }],
  [reservedServiceNames, { workers: 'all', services: 'each' }],
  [reservedRoles, { api: 'all' }],
  [apiNeedsAccess, { api: 'all' }],
  [reservedPostgresNames, { postgres: 'all', api: 'all' }],
  [reservedFunctionNames, { functions: 'each' }],
  [unknownRealms, { api: 'all', realms: 'all', routes: 'each' }],
  [undefinedRoles, { realms: 'all', routes: 'each' }],
  [serviceAccountRoles, { realms: 'each' }],
  [seedUsers, { realms: 'all', domain: 'all' }],
  [functionSources, { functions: 'each' }],
  [functionDatabases, { functions: 'each', postgres: 'all', api: 'all' }],
  [secretNames, { functions: 'each', services: 'each', realms: 'all', postgres: 'all', api: 'all' }],
  [unknownRouteTargets, { functions: 'all', services: 'all', routes: 'each' }],
  [unroutableServices, { services: 'all', routes: 'each' }],
  [sparkRoutesNeedWorkers, { workers: 'all', routes: 'each' }],
  [apiRoutesNeedApi, { api: 'all', routes: 'each' }],
  [apiAuthNeedsRealm, { api: 'all', routes: 'each' }],
  [duplicateRoutes, { routes: 'all', domain: 'all' }],
  [envKeyCollisions, { realms: 'all' }],
  [postgrestImageVersion, { api: 'all', images: 'all' }],
  [portClashes, { tls: 'all', ports: 'all', postgres: 'all' }],
  [productionGuards, { production: 'all', tls: 'all', domain: 'all', postgres: 'all', realms: 'each', images: 'all', services: 'each' }],
  [kubernetesNames, { target: 'all', kubernetes: 'all', project: 'all', workers: 'each', services: 'each' }],
  [unknownResourceServices, { resources: 'each', api: 'all', realms: 'all', functions: 'all', workers: 'all', services: 'all', routes: 'all' }],
]

/** Every cross-field rule, in the order of the config keys they mostly look at. */
export const RULES: readonly Rule[] = RULE_TABLE.map(([rule]) => rule)

/** The keys each rule of RULES reads. */
export const RULE_READS: ReadonlyMap<Rule, RuleReads> = new Map(RULE_TABLE)
