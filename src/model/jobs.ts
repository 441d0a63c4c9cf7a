/**
 * The one-shot compose services that make a running stack match the config on every `up` (`restart: "no"`; the
 * services that need them wait with `service_completed_successfully`). The postgres image runs its init folder
 * only on an empty volume, and Keycloak's `--import-realm` skips a realm that exists; these jobs apply the same
 * files every time instead.
 */
import { ENV } from './env-vars.js'
import { BACKEND, base, env, ref, text, type Images } from './service-parts.js'
import type { RealmModel, ServiceDraft, ServiceModel } from './types.js'

export const POSTGRES_INIT = 'postgres-init'
export const KEYCLOAK_SYNC = 'keycloak-sync'

/** Where postgres-init finds the init SQL. */
export const INIT_SQL_MOUNT = '/sparkbaas/init'

/**
 * Every init file in name order, as the postgres image's entrypoint runs them (`psql -v ON_ERROR_STOP=1
 * --no-psqlrc`), but over TCP against the running server, so it works on a volume that already holds data. The
 * files are idempotent (test/render/postgres.live.test.ts runs them twice), so this runs on every `up`.
 */
export const APPLY_INIT_SQL = [
  'set -eu',
  `for f in ${INIT_SQL_MOUNT}/*.sql; do`,
  '  echo "postgres-init: applying $(basename "$f")"',
  '  psql -v ON_ERROR_STOP=1 --no-psqlrc -q -f "$f"',
  'done',
  'echo "postgres-init: done"',
].join('\n')

/**
 * The one-shot job that makes the database match the config on every `up`: roles, databases, schemas,
 * extensions and grants from `postgres/init/*.sql`. Passwords reach psql through its environment (`\getenv`).
 */
export function postgresInitService(images: Images, initEnv: readonly string[]): ServiceDraft {
  return {
    ...base,
    name: POSTGRES_INIT,
    image: images.postgres,
    command: ['sh', '-c', APPLY_INIT_SQL],
    environment: env({
      PGHOST: text('postgres'),
      PGPORT: text('5432'),
      PGUSER: text('postgres'),
      PGDATABASE: text('postgres'),
      PGPASSWORD: [ref(ENV.postgresPassword)],
      PGCONNECT_TIMEOUT: text('10'),
      ...Object.fromEntries(initEnv.map((key) => [key, [ref(key)]])),
    }),
    volumes: [{ source: './postgres/init', target: INIT_SQL_MOUNT, readOnly: true }],
    listens: [],
    networks: [BACKEND],
    dependsOn: [{ service: 'postgres', condition: 'service_healthy' }],
    user: 'postgres',
    oneShot: true,
  }
}

/** Where keycloak-sync finds the realm files and its script. */
export const KEYCLOAK_SYNC_MOUNT = '/sparkbaas/keycloak'

/**
 * The one-shot job that makes Keycloak's realms match the realm files on every `up`, through the admin REST API
 * (keycloak/sync.mjs): it creates a missing realm whole and adds what the config added to an existing one,
 * leaving what users did at run time alone. The `${VAR}` placeholders of the realm files are filled from its
 * environment, JSON-escaped.
 */
export function keycloakSyncService(images: Images, realms: readonly RealmModel[]): ServiceDraft {
  const realmVars = realms.flatMap((realm) => [
    realm.signingKeyVar,
    ...realm.clients.flatMap((c) => (c.secretVar ? [c.secretVar] : [])),
    ...realm.users.map((u) => u.passwordVar),
  ])
  return {
    ...base,
    name: KEYCLOAK_SYNC,
    image: images.node,
    command: ['node', `${KEYCLOAK_SYNC_MOUNT}/sync.mjs`],
    environment: env({
      KEYCLOAK_URL: text('http://keycloak:8080'),
      KEYCLOAK_ADMIN_USERNAME: [ref(ENV.keycloakAdminUser)],
      KEYCLOAK_ADMIN_PASSWORD: [ref(ENV.keycloakAdminPassword)],
      ...Object.fromEntries(realmVars.map((key) => [key, [ref(key)]])),
    }),
    volumes: [{ source: './keycloak', target: KEYCLOAK_SYNC_MOUNT, readOnly: true }],
    listens: [],
    networks: [BACKEND],
    dependsOn: [{ service: 'keycloak', condition: 'service_healthy' }],
    user: 'node',
    oneShot: true,
  }
}

/** The Kubernetes target's job that applies `migrations/` (compose has `sparkbaas migrate up` instead). */
export const MIGRATIONS_JOB = 'migrations'

/** Where the migrations job finds the migration files and the script that applies them (src/migrate/script.ts). */
export const MIGRATIONS_MOUNT = '/sparkbaas/migrations'
export const MIGRATIONS_SCRIPT = 'migrate.psql'

/**
 * The migrations job: postgres-init's image, user, network and limits, running the migration script in `database`
 * as the superuser over TCP, like postgres-init. Only the Postgres password reaches it.
 */
export function migrationsService(init: ServiceModel, database: string): ServiceModel {
  return {
    ...init,
    name: MIGRATIONS_JOB,
    command: ['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', `${MIGRATIONS_MOUNT}/${MIGRATIONS_SCRIPT}`],
    environment: env({
      PGHOST: text('postgres'),
      PGPORT: text('5432'),
      PGUSER: text('postgres'),
      PGDATABASE: text(database),
      PGPASSWORD: [ref(ENV.postgresPassword)],
      PGCONNECT_TIMEOUT: text('10'),
    }),
    volumes: [{ source: './migrations', target: MIGRATIONS_MOUNT, readOnly: true }],
    dependsOn: [{ service: POSTGRES_INIT, condition: 'service_completed_successfully' }],
  }
}
