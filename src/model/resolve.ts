/**
 * Validated config → the one model every renderer reads. Pure apart from finding each function's entry file.
 */
import { withLimits } from './limits.js'
import { existsSync } from 'node:fs'
import { basename, join, resolve as resolvePath } from 'node:path'
import { AUTHENTICATED_ROLE, DEFAULTS, FUNCTION_ENTRY_FILES } from '../config/defaults.js'
import type { ParsedConfig } from '../config/schema.js'
import { kubernetesNamespace } from '../config/validate-kubernetes.js'
import { ENV, resolveEnvVars } from './env-vars.js'
import { functionDatabase, functionDbPasswordVar, functionRole, splitEnv } from './function-access.js'
import { PINNED_IMAGES, postgresImage, type ImageKey } from './images.js'
import { webPorts } from './ports.js'
import { publicUrl, resolveRoutes } from './routes.js'
import { seedUserProfile } from './seed-users.js'
import { KEYCLOAK_SYNC, POSTGRES_INIT, keycloakSyncService, postgresInitService } from './jobs.js'
import { BACKEND, EDGE, SPARK } from './service-parts.js'
import {
  ACME_VOLUME,
  PGDATA_VOLUME,
  extraServices,
  functionsService,
  keycloakService,
  postgresService,
  postgrestService,
  sparkServices,
  traefikService,
  verifierService,
} from './services.js'
import type { FunctionModel, PostgresModel, RealmModel, ServiceDraft, StackModel } from './types.js'


export interface ResolveContext {
  /** Absolute path of the config file. */
  readonly configFile: string
}

export function resolveModel(config: ParsedConfig, ctx: ResolveContext): StackModel {
  const configDir = resolvePath(ctx.configFile, '..')
  const images: Record<ImageKey, string> = {
    ...PINNED_IMAGES,
    postgres: postgresImage(config.postgres.version),
    ...config.images,
  }
  const keycloakRoute = config.routes.find((r) => r.to === 'keycloak')
  const keycloakBase = keycloakRoute
    ? publicUrl(config, keycloakRoute.host, '').replace(/\/$/, '')
    : 'http://keycloak:8080'
  const needsKeycloak = config.realms.length > 0 || keycloakRoute !== undefined

  const realms = config.realms.map(
    (realm): RealmModel => ({
      name: realm.name,
      displayName: realm.displayName ?? realm.name,
      issuer: `${keycloakBase}/realms/${realm.name}`,
      roles: realm.roles,
      signingKeyVar: ENV.realmSigningKey(realm.name),
      jwksVar: ENV.realmJwks(realm.name),
      clients: realm.clients.map((c) => ({
        ...c,
        webOrigins: c.webOrigins ?? DEFAULTS.client.webOrigins[c.type],
        ...(c.type === 'confidential' ? { secretVar: ENV.clientSecret(realm.name, c.id) } : {}),
      })),
      users: realm.users.map((u) => {
        const { email, firstName, lastName } = seedUserProfile(u, realm.name, config.domain)
        return { username: u.username, email, firstName, lastName, roles: u.roles, passwordVar: ENV.userPassword(realm.name, u.username) }
      }),
    }),
  )

  const functions = config.functions.map((fn): FunctionModel => {
    const sourceDir = resolvePath(configDir, fn.source)
    const entryName = FUNCTION_ENTRY_FILES.find((name) => existsSync(join(sourceDir, name))) ?? 'index.ts'
    const { plain, secrets } = splitEnv(fn.env)
    const db = functionDatabase(config, fn.database)
    return {
      name: fn.name,
      sourceDir,
      entry: join(sourceDir, entryName),
      env: plain,
      secrets,
      ...(db === undefined ? {} : { database: { name: db, role: functionRole(fn.name), passwordVar: functionDbPasswordVar(fn.name) } }),
      timeoutMs: fn.timeoutMs,
      memoryMb: fn.memoryMb,
    }
  })

  const postgres: PostgresModel = {
    version: config.postgres.version,
    databases: config.postgres.databases,
    extensions: config.postgres.extensions,
    loginRoles: [
      ...(needsKeycloak ? [{ name: 'keycloak', passwordVar: ENV.keycloakDbPassword, noInherit: false }] : []),
      ...(config.api ? [{ name: 'authenticator', passwordVar: ENV.authenticatorPassword, noInherit: true }] : []),
      ...functions.flatMap((fn) =>
        fn.database ? [{ name: fn.database.role, passwordVar: fn.database.passwordVar, noInherit: false, database: fn.database.name }] : [],
      ),
    ],
    ...(needsKeycloak ? { keycloakDatabase: { name: 'keycloak', owner: 'keycloak' } } : {}),
  }

  const routing = resolveRoutes(config)
  const apiRoute = routing.routes.find((r) => r.service === 'postgrest')
  const hasAuth = config.routes.some((r) => r.auth !== undefined)

  const services: ServiceDraft[] = [
    postgresService(config, images),
    postgresInitService(images, postgres.loginRoles.map((r) => r.passwordVar)),
    ...(needsKeycloak ? [keycloakService(images, keycloakBase)] : []),
    ...(realms.length > 0 ? [keycloakSyncService(images, realms)] : []),
    ...(config.api ? [postgrestService(config, images, apiRoute?.url)] : []),
    ...(functions.length > 0 ? [functionsService(images, functions)] : []),
    ...(hasAuth ? [verifierService(images, realms, functions.length > 0)] : []),
    ...sparkServices(config, images),
    ...extraServices(config),
  ]
  const routedNames = new Set(routing.services.map((s) => s.target.service))
  if (hasAuth) routedNames.add('verifier')
  // The realms must exist before Traefik lets a request through to anything that checks their tokens.
  if (realms.length > 0) routedNames.add(KEYCLOAK_SYNC)
  // Compose's `up --wait` waits for a one-shot job as one only when a service depends on it that way, and reports
  // its clean exit as a failure otherwise (docker/compose pkg/compose/start.go getDependencyCondition, issue 10596):
  // Traefik, always there, waits for postgres-init too, also in a stack where nothing else needs the database.
  routedNames.add(POSTGRES_INIT)
  services.push(traefikService(config, images, services.filter((s) => routedNames.has(s.name))))
  const limited = withLimits(config, services)

  return {
    project: config.project,
    target: config.target,
    kubernetes: {
      namespace: kubernetesNamespace(config),
      secret:
        config.kubernetes.existingSecret === undefined
          ? { name: `${config.project}-secrets`, generated: true }
          : { name: config.kubernetes.existingSecret, generated: false },
      storage: config.kubernetes.storage,
      replicas: {
        postgrest: config.kubernetes.replicas.api,
        functions: config.kubernetes.replicas.functions,
        verifier: config.kubernetes.replicas.verifier,
      },
    },
    domain: config.domain,
    tls:
      typeof config.tls === 'object'
        ? { mode: 'acme', acme: { email: config.tls.acme.email, staging: config.tls.acme.staging ?? false } }
        : { mode: config.tls },
    ports: webPorts(config),
    images,
    configDir,
    configFile: basename(ctx.configFile),
    env: resolveEnvVars(config, { keycloak: needsKeycloak, functions: functions.length > 0 }),
    services: limited,
    networks: [
      // Docker drops published ports on internal networks, so the backend opens up only when Postgres is exposed.
      { name: BACKEND, internal: config.postgres.exposePort === false },
      { name: EDGE, internal: false },
      // The Spark master and workers talk only among themselves (and to Postgres, which joins them).
      ...(config.workers.length > 0 ? [{ name: SPARK, internal: true }] : []),
    ],
    volumes: [PGDATA_VOLUME, ...(typeof config.tls === 'object' ? [ACME_VOLUME] : [])],
    postgres,
    ...(config.api
      ? {
          api: {
            database: config.postgres.databases[0]!,
            schemas: config.api.schemas,
            anonRole: config.api.anonRole,
            anonReadsNewTables: config.api.anonRole !== false && config.api.anonReadsNewTables,
            authenticatedRole: AUTHENTICATED_ROLE,
            ...(config.api.realm === undefined ? {} : { realm: config.api.realm }),
          },
        }
      : {}),
    realms,
    functions,
    routes: routing.routes,
    keycloakAdminConsole: config.keycloak.adminConsole,
    traefikServices: routing.services,
    middlewares: routing.middlewares,
  }
}
