/**
 * The compose services of the stack. Each builder returns plain data; the compose renderer only formats it.
 * Networks: `edge` is where Traefik reaches routed services; `backend` carries the database and is internal
 * (no route out, not reachable from Traefik) unless Postgres is published on a host port.
 */
import type { ParsedConfig } from '../config/schema.js'
import { ENV } from './env-vars.js'
import type { ImageKey } from './images.js'
import { WEB_KEYS, webPorts } from './ports.js'
import type { HealthcheckModel, RealmModel, ServiceModel, ValuePart } from './types.js'

export const VERIFIER_PORT = 8080
export const FUNCTIONS_PORT = 8000
export const EDGE = 'edge'
export const BACKEND = 'backend'
export const PGDATA_VOLUME = 'pgdata'
export const ACME_VOLUME = 'traefik-acme'

const text = (value: string): ValuePart[] => [{ text: value }]
const ref = (key: string): ValuePart => ({ ref: key })
const env = (entries: Record<string, ValuePart[]>) =>
  Object.keys(entries)
    .sort()
    .map((key) => ({ key, value: entries[key] ?? [] }))

const health = (test: string[], startPeriod = '10s'): HealthcheckModel => ({
  test,
  interval: '5s',
  timeout: '5s',
  retries: 20,
  startPeriod,
})

/** A TCP probe for images without curl or wget (Keycloak, Spark): bash's /dev/tcp. */
const httpProbe = (port: number, path: string, expect: string) => [
  'CMD',
  'bash',
  '-c',
  `exec 3<>/dev/tcp/127.0.0.1/${port} && printf 'GET ${path} HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && grep -q '${expect}' <&3`,
]

const nodeProbe = (port: number) => [
  'CMD',
  'node',
  '-e',
  `fetch('http://127.0.0.1:${port}/_health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
]

type Images = Readonly<Record<ImageKey, string>>

const base = {
  command: undefined,
  ports: [],
  dependsOn: [],
  volumes: [],
  noNewPrivileges: true,
} as const

export function postgresService(config: ParsedConfig, images: Images, initEnv: readonly string[]): ServiceModel {
  const exposed = config.postgres.exposePort !== false
  return {
    ...base,
    name: 'postgres',
    image: images.postgres,
    environment: env({
      POSTGRES_USER: text('postgres'),
      POSTGRES_DB: text('postgres'),
      POSTGRES_PASSWORD: [ref(ENV.postgresPassword)],
      // The init SQL reads these with \getenv, so passwords are never written into SQL files.
      ...Object.fromEntries(initEnv.map((key) => [key, [ref(key)]])),
    }),
    volumes: [
      {
        source: PGDATA_VOLUME,
        // Postgres 18 images moved PGDATA one level down and expect the volume at its parent.
        target: config.postgres.version >= 18 ? '/var/lib/postgresql' : '/var/lib/postgresql/data',
        readOnly: false,
      },
      { source: './postgres/init', target: '/docker-entrypoint-initdb.d', readOnly: true },
    ],
    ports: exposed ? [{ host: { var: ENV.postgresHostPort }, container: 5432, bind: '127.0.0.1' }] : [],
    listens: [5432],
    networks: [BACKEND],
    // Over TCP, so the temporary socket-only server the entrypoint runs during init does not count as ready.
    healthcheck: health(['CMD', 'pg_isready', '-h', '127.0.0.1', '-U', 'postgres', '-d', 'postgres']),
  }
}

export function keycloakService(config: ParsedConfig, images: Images, hostname: string, realms: readonly RealmModel[]): ServiceModel {
  const realmVars = realms.flatMap((realm) => [
    realm.signingKeyVar,
    ...realm.clients.flatMap((c) => (c.secretVar ? [c.secretVar] : [])),
    ...realm.users.map((u) => u.passwordVar),
  ])
  return {
    ...base,
    name: 'keycloak',
    image: images.keycloak,
    command: ['start', '--import-realm'],
    environment: env({
      KC_DB: text('postgres'),
      KC_DB_URL: text('jdbc:postgresql://postgres:5432/keycloak'),
      KC_DB_USERNAME: text('keycloak'),
      KC_DB_PASSWORD: [ref(ENV.keycloakDbPassword)],
      KC_BOOTSTRAP_ADMIN_USERNAME: [ref(ENV.keycloakAdminUser)],
      KC_BOOTSTRAP_ADMIN_PASSWORD: [ref(ENV.keycloakAdminPassword)],
      KC_HOSTNAME: text(hostname),
      KC_HTTP_ENABLED: text('true'),
      KC_PROXY_HEADERS: text('xforwarded'),
      KC_HEALTH_ENABLED: text('true'),
      // The realm import substitutes ${VAR} placeholders from the container's environment.
      ...Object.fromEntries(realmVars.map((key) => [key, [ref(key)]])),
    }),
    volumes: [{ source: './keycloak', target: '/opt/keycloak/data/import', readOnly: true }],
    listens: [8080, 9000],
    networks: [BACKEND, EDGE],
    dependsOn: [{ service: 'postgres', condition: 'service_healthy' }],
    healthcheck: health(httpProbe(9000, '/health/ready', '"UP"'), '90s'),
  }
}

export function postgrestService(config: ParsedConfig, images: Images, apiUrl: string | undefined): ServiceModel {
  const api = config.api!
  const database = config.postgres.databases[0]!
  const entries: Record<string, ValuePart[]> = {
    PGRST_DB_URI: [{ text: 'postgres://authenticator:' }, ref(ENV.authenticatorPassword), { text: `@postgres:5432/${database}` }],
    PGRST_DB_SCHEMAS: text(api.schemas.join(',')),
    PGRST_JWT_SECRET: [ref(ENV.realmJwks(api.realm))],
    PGRST_JWT_ROLE_CLAIM_KEY: text('.role'),
    PGRST_ADMIN_SERVER_PORT: text('3001'),
  }
  if (api.anonRole !== false) entries.PGRST_DB_ANON_ROLE = text(api.anonRole)
  if (apiUrl) entries.PGRST_OPENAPI_SERVER_PROXY_URI = text(apiUrl)
  return {
    ...base,
    name: 'postgrest',
    image: images.postgrest,
    environment: env(entries),
    listens: [3000, 3001],
    networks: [BACKEND, EDGE],
    dependsOn: [{ service: 'postgres', condition: 'service_healthy' }],
    // The image has no shell; `postgrest --ready` asks its own admin server.
    healthcheck: health(['CMD', 'postgrest', '--ready']),
  }
}

export function functionsService(images: Images): ServiceModel {
  return {
    ...base,
    name: 'functions',
    image: images.node,
    command: ['node', '/app/server.mjs'],
    environment: env({ PORT: text(String(FUNCTIONS_PORT)), FUNCTIONS_MANIFEST: text('/app/manifest.json') }),
    volumes: [{ source: './functions', target: '/app', readOnly: true }],
    listens: [FUNCTIONS_PORT],
    networks: [BACKEND, EDGE],
    user: 'node',
    healthcheck: health(nodeProbe(FUNCTIONS_PORT)),
  }
}

export function verifierService(images: Images, realms: readonly RealmModel[]): ServiceModel {
  // One JSON value assembled from literal text and each realm's JWK set in .env.
  const parts: ValuePart[] = [{ text: '{' }]
  realms.forEach((realm, i) => {
    parts.push({ text: `${i > 0 ? ',' : ''}${JSON.stringify(realm.name)}:{"issuer":${JSON.stringify(realm.issuer)},"jwks":` })
    parts.push(ref(realm.jwksVar), { text: '}' })
  })
  parts.push({ text: '}' })
  return {
    ...base,
    name: 'verifier',
    image: images.node,
    command: ['node', '/app/verifier.mjs'],
    environment: env({ PORT: text(String(VERIFIER_PORT)), VERIFIER_REALMS: parts }),
    volumes: [{ source: './verifier', target: '/app', readOnly: true }],
    listens: [VERIFIER_PORT],
    networks: [EDGE],
    user: 'node',
    healthcheck: health(nodeProbe(VERIFIER_PORT)),
  }
}

export function sparkServices(config: ParsedConfig, images: Images): ServiceModel[] {
  if (config.workers.length === 0) return []
  const sparkClass = '/opt/spark/bin/spark-class'
  const master: ServiceModel = {
    ...base,
    name: 'spark-master',
    image: images.spark,
    // spark-class in the foreground: sbin/start-*.sh daemonize and the container would exit.
    command: [sparkClass, 'org.apache.spark.deploy.master.Master', '--host', 'spark-master', '--port', '7077', '--webui-port', '8080'],
    environment: [],
    listens: [7077, 8080],
    networks: [BACKEND, EDGE],
    healthcheck: health(httpProbe(8080, '/', 'Spark Master'), '30s'),
  }
  const workers = config.workers.map(
    (worker): ServiceModel => ({
      ...base,
      name: `spark-${worker.name}`,
      image: images.spark,
      command: [
        sparkClass,
        'org.apache.spark.deploy.worker.Worker',
        '--cores',
        String(worker.cores),
        '--memory',
        worker.memory.toLowerCase(),
        '--webui-port',
        '8081',
        'spark://spark-master:7077',
      ],
      environment: [],
      listens: [8081],
      networks: [BACKEND],
      dependsOn: [{ service: 'spark-master', condition: 'service_healthy' }],
      replicas: worker.replicas,
    }),
  )
  return [master, ...workers]
}

export function extraServices(config: ParsedConfig): ServiceModel[] {
  return Object.keys(config.services)
    .sort()
    .map((name): ServiceModel => {
      const svc = config.services[name]!
      return {
        ...base,
        name,
        image: svc.image,
        command: svc.command,
        environment: env(Object.fromEntries(Object.entries(svc.env).map(([k, v]) => [k, text(v)]))),
        listens: svc.port === undefined ? [] : [svc.port],
        networks: [BACKEND, EDGE],
        // Unknown image: it may rely on setuid helpers, so do not add no-new-privileges.
        noNewPrivileges: false,
      }
    })
}

export function traefikService(config: ParsedConfig, images: Images, routed: readonly ServiceModel[]): ServiceModel {
  // Published as <port>:<port>: the entry points listen on the host's numbers (src/model/ports.ts says why).
  const { http, https, ping } = webPorts(config)
  return {
    ...base,
    name: 'traefik',
    image: images.traefik,
    command: ['--configFile=/etc/traefik/traefik.yml'],
    environment: [],
    volumes: [
      { source: './traefik', target: '/etc/traefik', readOnly: true },
      ...(typeof config.tls === 'object' ? [{ source: ACME_VOLUME, target: '/acme', readOnly: false }] : []),
    ],
    ports: [
      { host: { port: http, key: WEB_KEYS.http }, container: http },
      ...(https !== undefined ? [{ host: { port: https, key: WEB_KEYS.https }, container: https }] : []),
    ],
    listens: [http, ...(https !== undefined ? [https] : []), ping],
    networks: [EDGE],
    dependsOn: routed.map((s) => ({
      service: s.name,
      condition: s.healthcheck ? ('service_healthy' as const) : ('service_started' as const),
    })),
    healthcheck: health(['CMD', 'traefik', 'healthcheck', '--configFile=/etc/traefik/traefik.yml']),
  }
}
