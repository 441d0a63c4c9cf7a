/**
 * The name rules that keep every later artifact safe. A name that passes one of these patterns can be used
 * unquoted as a compose service name, a file name, a URL segment and an env-var suffix; SQL still quotes it.
 * Each rule carries the sentence a user sees when a value breaks it.
 */
export interface NameRule {
  readonly pattern: RegExp
  /** What was expected, phrased to follow "expected ". */
  readonly expected: string
  /** A valid value to show in the hint. */
  readonly example: string
}

const rule = (pattern: RegExp, expected: string, example: string): NameRule => ({ pattern, expected, example })

export const NAMES = {
  /** Compose project name and prefix of every container. */
  project: rule(/^[a-z][a-z0-9-]{0,38}$/, 'lowercase letters, digits and "-", starting with a letter, at most 39 characters', 'acme'),
  /**
   * An environment: a folder name suffix (`generated.prod/`) and a project suffix (`acme-prod`), so kept short
   * and plain.
   */
  environment: rule(/^[a-z][a-z0-9-]{0,19}$/, 'lowercase letters, digits and "-", starting with a letter, at most 20 characters', 'prod'),
  /** Realms, clients, functions, services, workers. */
  identifier: rule(/^[a-z][a-z0-9_-]{0,38}$/, 'lowercase letters, digits, "-" and "_", starting with a letter, at most 39 characters', 'my-name'),
  /** Databases and schemas: plain SQL identifiers that never need quoting. */
  sqlName: rule(/^[a-z_][a-z0-9_]{0,62}$/, 'a SQL name: lowercase letters, digits and "_", not starting with a digit, at most 63 characters', 'app'),
  /** Extensions as `CREATE EXTENSION` names them: SQL names plus "-" (`uuid-ossp`); the init SQL quotes them. */
  extension: rule(/^[a-z_][a-z0-9_-]{0,62}$/, 'an extension name: lowercase letters, digits, "_" and "-", not starting with a digit or "-", at most 63 characters', 'uuid-ossp'),
  /** Realm roles double as Postgres roles for PostgREST. */
  role: rule(/^[a-z][a-z0-9_-]{0,62}$/, 'lowercase letters, digits, "-" and "_", starting with a letter, at most 63 characters', 'admin'),
  /** A user name in a realm. */
  username: rule(/^[a-z0-9][a-z0-9._@-]{0,254}$/, 'lowercase letters, digits, ".", "_", "@" and "-", at most 255 characters', 'dev'),
  /** One DNS label: a route's host under the domain. */
  host: rule(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'one DNS label: lowercase letters, digits and "-", not starting or ending with "-"', 'api'),
  /** The public base domain. */
  domain: rule(
    /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/,
    'a lowercase DNS name such as "localhost" or "example.com"',
    'localhost',
  ),
  /** A URL path prefix: only URI path characters, so it can sit inside a Traefik rule's backticks. */
  path: rule(/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/, 'a URL path starting with "/" (no spaces, backticks, quotes or "?")', '/rest'),
  /** Spark memory sizes. */
  memory: rule(/^[1-9][0-9]{0,6}[kmgtKMGT]$/, 'a size like "512m" or "2g"', '2g'),
  /** A Kubernetes namespace: one DNS label (RFC 1123), as Kubernetes' apimachinery IsDNS1123Label checks it. */
  namespace: rule(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'a Kubernetes namespace: lowercase letters, digits and "-", not starting or ending with "-", at most 63 characters', 'acme'),
  /** A Kubernetes object name such as a Secret's or a StorageClass's: a DNS subdomain (IsDNS1123Subdomain). */
  kubernetesObject: rule(
    /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/,
    'a Kubernetes object name: lowercase letters, digits, "-" and ".", starting and ending with a letter or digit, at most 253 characters',
    'acme-secrets',
  ),
  /** A storage size as Kubernetes writes quantities, in binary (`10Gi`) or decimal (`10G`) units. */
  storageSize: rule(/^[1-9][0-9]{0,8}(?:Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)$/, 'a storage size such as "10Gi" or "500Mi" (a whole number and a unit: Ki, Mi, Gi, Ti, Pi, k, M, G, T or P)', '10Gi'),
  /** Keys of `env` maps. */
  envKey: rule(/^(?!__)[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'an environment variable name: letters, digits and "_", not starting with a digit or "__"', 'GREETING'),
} as const

export type NameKind = keyof typeof NAMES

/** Compose reserves nothing, but these names are taken by the services SparkBaaS itself adds. */
export const RESERVED_SERVICE_NAMES = [
  'postgres',
  'postgres-init',
  'postgrest',
  'keycloak',
  'keycloak-sync',
  'traefik',
  'functions',
  'spark-master',
  'verifier',
  // The Kubernetes target's migrations Job (model/jobs.ts): its pods carry app.kubernetes.io/name=migrations, which a
  // service's Service and NetworkPolicy would select too. Reserved on every target, so a config moves between them.
  'migrations',
] as const

/** The functions runtime ships as `functions/server.mjs` beside the bundles (`functions/<name>.mjs`). */
export const RESERVED_FUNCTION_NAMES = ['server'] as const

/** The schema of sparkbaas's own bookkeeping (the migrations' tracking table): never one PostgREST may serve. */
export const SPARKBAAS_SCHEMA = 'sparkbaas'
