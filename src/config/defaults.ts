/**
 * Every default of the config in one plain object, so the schema, the docs and the resolver agree.
 * The schema reads these; nothing else hard-codes a default value.
 */
export const DEFAULTS = {
  domain: 'localhost',
  /** What `generate` writes: a docker compose stack, or Kubernetes manifests (k8s/). */
  target: 'compose',
  kubernetes: {
    /** The namespace is the project's name unless `kubernetes.namespace` says otherwise. */
    storage: { size: '10Gi' },
    replicas: { api: 1, functions: 1, verifier: 1 },
  },
  tls: 'off',
  ports: {
    http: 80,
    https: 443,
  },
  postgres: {
    version: 17,
    databases: ['app'],
    extensions: [] as string[],
    exposePort: false,
  },
  api: {
    schemas: ['api'],
    anonRole: 'anon',
    /** Anonymous requests read only the tables a migration grants them (issue 12: no SELECT on every new table). */
    anonReadsNewTables: false,
  },
  worker: {
    replicas: 1,
    cores: 1,
    memory: '1g',
  },
  client: {
    redirectUris: [] as string[],
    /**
     * By client type. `"+"` makes Keycloak answer CORS requests from the origins of the client's redirect URIs: a
     * browser app needs that to exchange its PKCE code. A confidential client's secret never sits in a browser, so
     * it needs no CORS (and an empty list keeps its tokens' `allowed-origins` empty).
     */
    webOrigins: { public: ['+'], confidential: [] as string[] },
    serviceAccount: false,
    serviceAccountRoles: [] as string[],
  },
  function: {
    timeoutMs: 10_000,
    /** Resident memory of the function's process (its JavaScript heap is capped at the same size). */
    memoryMb: 256,
    /** A function gets a database role and DATABASE_URL only when it asks for them. */
    database: false,
  },
  /**
   * Memory and CPU limits of each compose service (`deploy.resources.limits`) when `resources` does not name it.
   * `functions` gets FUNCTIONS_RUNTIME_MEMORY_MB plus every function's memoryMb; a Spark worker gets its own
   * `memory` plus SPARK_WORKER_DAEMON_MEMORY_MB and its `cores`.
   */
  resources: {
    postgres: { memory: '1g', cpus: 1 },
    'postgres-init': { memory: '256m', cpus: 0.5 },
    // Keycloak's JVM sizes its heap from the container limit (70 %); below ~1 GiB its start-up import struggles.
    keycloak: { memory: '1536m', cpus: 2 },
    'keycloak-sync': { memory: '256m', cpus: 0.5 },
    postgrest: { memory: '256m', cpus: 1 },
    verifier: { memory: '128m', cpus: 0.5 },
    'spark-master': { memory: '1g', cpus: 1 },
    traefik: { memory: '256m', cpus: 1 },
    /** Any service of `services`. */
    service: { memory: '512m', cpus: 1 },
  },
  keycloak: {
    /** Keycloak's admin console, admin API and master realm are not routed unless the config says so (issue 12). */
    adminConsole: 'off',
  },
  service: {
    /** An extra container reaches Postgres only when it asks (issue 12: not on the database network by default). */
    database: false,
  },
  route: {
    path: '/',
    stripPrefix: false,
  },
} as const

/** The functions runtime's own share of its container's memory, on top of its functions' memoryMb. */
export const FUNCTIONS_RUNTIME_MEMORY_MB = 128

/** A Spark worker's daemon JVM, on top of the memory it hands to executors (Spark's SPARK_DAEMON_MEMORY: 1g). */
export const SPARK_WORKER_DAEMON_MEMORY_MB = 1024

/** The oldest Postgres major the generated init SQL supports (`\getenv` arrived in psql 15). */
export const MIN_POSTGRES_VERSION = 15

/** Where `function new` puts function folders, and `function list` looks for unlisted ones: beside the config. */
export const FUNCTIONS_DIR = 'functions'

/** A function folder's entry file, first match wins. */
export const FUNCTION_ENTRY_FILES = ['index.ts', 'index.mts', 'index.js', 'index.mjs'] as const

/** The Postgres role every valid API token maps to; realm roles stay readable in `request.jwt.claims`. */
export const AUTHENTICATED_ROLE = 'authenticated'

/**
 * The access-token claim PostgREST switches role on (`PGRST_JWT_ROLE_CLAIM_KEY` is `.role`): the API realm's
 * clients hardcode it to {@link AUTHENTICATED_ROLE}, and `sparkbaas token` sets it the same way.
 */
export const ROLE_CLAIM = 'role'

/**
 * Keycloak's default user profile (26.x) refuses usernames shorter than this, and requires email, firstName and
 * lastName of every user: a seed user without them is sent to "update profile" on its first login.
 */
export const MIN_USERNAME_LENGTH = 3

/** Keycloak names a client's service-account user `service-account-<clientId>` (ServiceAccountConstants). */
export const SERVICE_ACCOUNT_USER_PREFIX = 'service-account-'
