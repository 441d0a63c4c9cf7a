/**
 * Every default of the config in one plain object, so the schema, the docs and the resolver agree.
 * The schema reads these; nothing else hard-codes a default value.
 */
export const DEFAULTS = {
  domain: 'localhost',
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
  },
  worker: {
    replicas: 1,
    cores: 1,
    memory: '1g',
  },
  client: {
    redirectUris: [] as string[],
    webOrigins: [] as string[],
    serviceAccount: false,
  },
  function: {
    timeoutMs: 10_000,
  },
  route: {
    path: '/',
    stripPrefix: false,
  },
} as const

/** The oldest Postgres major the generated init SQL supports (`\getenv` arrived in psql 15). */
export const MIN_POSTGRES_VERSION = 15

/** A function folder's entry file, first match wins. */
export const FUNCTION_ENTRY_FILES = ['index.ts', 'index.mts', 'index.js', 'index.mjs'] as const

/** The Postgres role every valid API token maps to; realm roles stay readable in `request.jwt.claims`. */
export const AUTHENTICATED_ROLE = 'authenticated'
