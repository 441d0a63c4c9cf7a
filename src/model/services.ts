/**
 * The compose services of the stack. Each builder returns plain data; the compose renderer only formats it.
 * Networks: `edge` is where Traefik reaches routed services; `backend` carries the database and is internal
 * (no route out, not reachable from Traefik) unless Postgres is published on a host port; `spark` (internal) is the
 * one network of the Spark master and workers, which Postgres joins so jobs reach the database. The one-shot jobs
 * that converge the stack on every `up` are in jobs.ts.
 */
import { ROLE_CLAIM } from '../config/defaults.js'
import type { ParsedConfig } from '../config/schema.js'
import { ENV } from './env-vars.js'
import { KEYCLOAK_SYNC, POSTGRES_INIT } from './jobs.js'
import { WEB_KEYS, webPorts } from './ports.js'
import { BACKEND, EDGE, SPARK, base, env, health, httpProbe, nodeProbe, ref, text, type Images } from './service-parts.js'
import { isSecret, runtimeSecretVar } from './function-access.js'
import type { FunctionModel, RealmModel, ServiceDraft, ValuePart } from './types.js'

export const VERIFIER_PORT = 8080
export const FUNCTIONS_PORT = 8000
export const PGDATA_VOLUME = 'pgdata'
export const ACME_VOLUME = 'traefik-acme'

/** Spark jobs read the database: Postgres joins the Spark network when Spark runs. */
const withSpark = (config: ParsedConfig, networks: readonly string[]) =>
  config.workers.length > 0 ? [...networks, SPARK] : [...networks]

export function postgresService(config: ParsedConfig, images: Images): ServiceDraft {
  const exposed = config.postgres.exposePort !== false
  return {
    ...base,
    name: 'postgres',
    image: images.postgres,
    environment: env({
      POSTGRES_USER: text('postgres'),
      POSTGRES_DB: text('postgres'),
      POSTGRES_PASSWORD: [ref(ENV.postgresPassword)],
    }),
    // No /docker-entrypoint-initdb.d: the image runs it only on an empty volume, so a database or role added to
    // the config later would never be made. postgres-init applies the same files on every `up` instead.
    volumes: [
      {
        source: PGDATA_VOLUME,
        // Postgres 18 images moved PGDATA one level down and expect the volume at its parent.
        target: config.postgres.version >= 18 ? '/var/lib/postgresql' : '/var/lib/postgresql/data',
        readOnly: false,
      },
    ],
    ports: exposed ? [{ host: { var: ENV.postgresHostPort }, container: 5432, bind: '127.0.0.1' }] : [],
    listens: [5432],
    networks: withSpark(config, [BACKEND]),
    // Over TCP, so the temporary socket-only server the entrypoint runs during init does not count as ready.
    healthcheck: health(['CMD', 'pg_isready', '-h', '127.0.0.1', '-U', 'postgres', '-d', 'postgres']),
  }
}

export function keycloakService(images: Images, hostname: string): ServiceDraft {
  return {
    ...base,
    name: 'keycloak',
    image: images.keycloak,
    // No --import-realm: Keycloak imports a realm only when it does not exist yet ("Realm … already exists. Import
    // skipped"), so later changes would be ignored. keycloak-sync creates and converges the realms instead.
    command: ['start'],
    environment: env({
      KC_DB: text('postgres'),
      KC_DB_URL: text('jdbc:postgresql://postgres:5432/keycloak'),
      KC_DB_USERNAME: text('keycloak'),
      KC_DB_PASSWORD: [ref(ENV.keycloakDbPassword)],
      KC_BOOTSTRAP_ADMIN_USERNAME: [ref(ENV.keycloakAdminUser)],
      KC_BOOTSTRAP_ADMIN_PASSWORD: [ref(ENV.keycloakAdminPassword)],
      KC_HOSTNAME: text(hostname),
      // Hostname v2 advertises backchannel endpoints (token, JWKS, userinfo) at KC_HOSTNAME unless this is set; with it,
      // a service that asks http://keycloak:8080 is told http://keycloak:8080 URLs. Needs KC_HOSTNAME as a full URL.
      KC_HOSTNAME_BACKCHANNEL_DYNAMIC: text('true'),
      KC_HTTP_ENABLED: text('true'),
      KC_PROXY_HEADERS: text('xforwarded'),
      KC_HEALTH_ENABLED: text('true'),
    }),
    listens: [8080, 9000],
    networks: [BACKEND, EDGE],
    dependsOn: [{ service: POSTGRES_INIT, condition: 'service_completed_successfully' }],
    healthcheck: health(httpProbe(9000, '/health/ready', '"UP"'), '90s'),
  }
}

export function postgrestService(config: ParsedConfig, images: Images, apiUrl: string | undefined): ServiceDraft {
  const api = config.api!
  const database = config.postgres.databases[0]!
  const entries: Record<string, ValuePart[]> = {
    PGRST_DB_URI: [{ text: 'postgres://authenticator:' }, ref(ENV.authenticatorPassword), { text: `@postgres:5432/${database}` }],
    PGRST_DB_SCHEMAS: text(api.schemas.join(',')),
    // `postgrest --ready` requests http://<admin-server-host>:<admin-server-port>/ready and exits 1 when that host is
    // a special one such as the default "!4", which admin-server-host inherits from server-host (PostgREST
    // src/PostgREST/Client.hs, Config.hs). The API listens on every IPv4 address, for Traefik over edge; the admin
    // server only on the loopback, where --ready asks it.
    PGRST_SERVER_HOST: text('0.0.0.0'),
    PGRST_ADMIN_SERVER_HOST: text('127.0.0.1'),
    PGRST_ADMIN_SERVER_PORT: text('3001'),
  }
  // Without a realm PostgREST gets no jwt-secret and serves anonymous requests only (Config.hs decodeJWKS leaves
  // configJWKS Nothing; a request that carries a token is refused, Auth/JwtCache.hs JwtSecretMissing).
  if (api.realm !== undefined) {
    entries.PGRST_JWT_SECRET = [ref(ENV.realmJwks(api.realm))]
    entries.PGRST_JWT_ROLE_CLAIM_KEY = text(`.${ROLE_CLAIM}`)
  }
  if (api.anonRole !== false) entries.PGRST_DB_ANON_ROLE = text(api.anonRole)
  if (apiUrl) entries.PGRST_OPENAPI_SERVER_PROXY_URI = text(apiUrl)
  return {
    ...base,
    name: 'postgrest',
    image: images.postgrest,
    environment: env(entries),
    listens: [3000],
    networks: [BACKEND, EDGE],
    dependsOn: [{ service: POSTGRES_INIT, condition: 'service_completed_successfully' }],
    // The image has no shell; `postgrest --ready` asks its own admin server.
    healthcheck: health(['CMD', 'postgrest', '--ready']),
  }
}

/**
 * The functions runtime. Every `.env` key a function reads (its `{ secret }` values, its database password) reaches
 * the container as `SPARKBAAS_SECRET_<KEY>`; the runtime hands each function only its own (manifest.json names
 * them). It joins `backend`, where Postgres listens, only when a function asked for the database.
 */
export function functionsService(images: Images, functions: readonly FunctionModel[]): ServiceDraft {
  const keys = new Set(functions.flatMap((fn) => [...Object.values(fn.secrets), ...(fn.database ? [fn.database.passwordVar] : [])]))
  return {
    ...base,
    name: 'functions',
    image: images.node,
    command: ['node', '/app/server.mjs'],
    environment: env({
      PORT: text(String(FUNCTIONS_PORT)),
      FUNCTIONS_MANIFEST: text('/app/manifest.json'),
      // Identity headers reach a function only with the verifier's signature made with this key (server.mjs).
      AUTH_HEADERS_KEY: [ref(ENV.authHeadersKey)],
      ...Object.fromEntries([...keys].map((key) => [runtimeSecretVar(key), [ref(key)]])),
    }),
    volumes: [{ source: './functions', target: '/app', readOnly: true }],
    listens: [FUNCTIONS_PORT],
    networks: functions.some((fn) => fn.database) ? [BACKEND, EDGE] : [EDGE],
    user: 'node',
    healthcheck: health(nodeProbe(FUNCTIONS_PORT)),
  }
}

/** `signsIdentity`: the stack has a functions runtime, which passes on X-Auth-* headers only with its signature. */
export function verifierService(images: Images, realms: readonly RealmModel[], signsIdentity: boolean): ServiceDraft {
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
    environment: env({
      PORT: text(String(VERIFIER_PORT)),
      VERIFIER_REALMS: parts,
      ...(signsIdentity ? { AUTH_HEADERS_KEY: [ref(ENV.authHeadersKey)] } : {}),
    }),
    volumes: [{ source: './verifier', target: '/app', readOnly: true }],
    listens: [VERIFIER_PORT],
    networks: [EDGE],
    user: 'node',
    healthcheck: health(nodeProbe(VERIFIER_PORT)),
  }
}

export function sparkServices(config: ParsedConfig, images: Images): ServiceDraft[] {
  if (config.workers.length === 0) return []
  const sparkClass = '/opt/spark/bin/spark-class'
  const master: ServiceDraft = {
    ...base,
    name: 'spark-master',
    image: images.spark,
    // spark-class in the foreground: sbin/start-*.sh daemonize and the container would exit.
    command: [sparkClass, 'org.apache.spark.deploy.master.Master', '--host', 'spark-master', '--port', '7077', '--webui-port', '8080'],
    environment: [],
    listens: [7077, 8080],
    // One network only. The master binds and advertises the one address `--host spark-master` resolves to in its own
    // container (Master.startRpcEnvAndEndpoint → RpcEnv.create(name, host, port, …)); on several networks Docker's
    // DNS answers with the first in its endpoint order (moby sandbox.go ResolveName, Endpoint.Less), which may be
    // one the workers are not on. Traefik joins this network to reach the web UI, which listens on 0.0.0.0.
    networks: [SPARK],
    healthcheck: health(httpProbe(8080, '/', 'Spark Master'), '30s'),
  }
  const workers = config.workers.map(
    (worker): ServiceDraft => ({
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
      // A worker advertises its own address (Utils.localHostName); on this one network the master reaches it.
      networks: [SPARK],
      dependsOn: [{ service: 'spark-master', condition: 'service_healthy' }],
      // Healthy once registered: the worker's /json shows "masterurl" empty until the master accepts it
      // (WorkerPage.renderJson, JsonProtocol.writeWorkerState, Worker.changeMaster). 8081 is never published, so
      // replicas do not clash on it.
      healthcheck: health(httpProbe(8081, '/json/', '"masterurl" *: *"spark://', true), '30s'),
      replicas: worker.replicas,
      origin: 'worker',
    }),
  )
  return [master, ...workers]
}

export function extraServices(config: ParsedConfig): ServiceDraft[] {
  return Object.keys(config.services)
    .sort()
    .map((name): ServiceDraft => {
      const svc = config.services[name]!
      return {
        ...base,
        name,
        image: svc.image,
        command: svc.command,
        // A `{ secret }` value is a reference to its `.env` key, filled in by compose.
        environment: env(Object.fromEntries(Object.entries(svc.env).map(([k, v]) => [k, isSecret(v) ? [ref(v.secret)] : text(v)]))),
        listens: svc.port === undefined ? [] : [svc.port],
        // Postgres is on backend: an extra container joins it only when it says it needs the database.
        networks: svc.database ? [BACKEND, EDGE] : [EDGE],
        // Unknown image: it may rely on setuid helpers, so do not add no-new-privileges.
        noNewPrivileges: false,
        origin: 'service',
      }
    })
}

/**
 * Traefik starts when what it routes to is up: healthy where there is a healthcheck, and each one-shot job
 * finished (so `up --wait` also fails when a job fails: compose waits for a one-shot only as a dependency).
 */
export function traefikService(config: ParsedConfig, images: Images, routed: readonly ServiceDraft[]): ServiceDraft {
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
    // Edge, plus the network of any routed service that is not on edge (the Spark master is only on spark).
    // (A one-shot job Traefik waits for is not routed to: its network is not joined.)
    networks: [EDGE, ...new Set(routed.filter((s) => !s.oneShot && !s.networks.includes(EDGE)).map((s) => s.networks[0]!))],
    dependsOn: routed.map((s) => ({
      service: s.name,
      condition: s.oneShot
        ? ('service_completed_successfully' as const)
        : s.healthcheck
          ? ('service_healthy' as const)
          : ('service_started' as const),
    })),
    healthcheck: health(['CMD', 'traefik', 'healthcheck', '--configFile=/etc/traefik/traefik.yml']),
  }
}
