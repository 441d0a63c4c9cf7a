/**
 * The one internal model every renderer reads. resolve.ts builds it from the validated config; renderers turn it
 * into files and never look at the raw config. Everything here is plain data, already sorted where order carries no
 * meaning, so rendering is a pure function of the model.
 */
import type { ImageKey } from './images.js'
import type { WebPorts } from './ports.js'

/** A key of the generated `.env`. */
export interface EnvVar {
  readonly key: string
  /** Shown as a comment above the key in `.env` and `.env.example`. */
  readonly comment: string
  /**
   * How a missing value is produced on first run:
   * - `password`: 32 random characters from `[A-Za-z0-9_-]` (safe in .env, JSON, URLs and SQL literals);
   * - `rsa-private-key`: a 2048-bit RSA key, PKCS#8 DER as one line of base64 (what Keycloak's importer reads);
   * - `rsa-public-jwks`: the JWK set of the public half of the key in `from`, with Keycloak's `kid`;
   * - `setting`: the given `value`, not a secret (it is also written to `.env.example`).
   */
  readonly generate:
    | { readonly kind: 'password' }
    | { readonly kind: 'rsa-private-key' }
    | { readonly kind: 'rsa-public-jwks'; readonly from: string }
    | { readonly kind: 'setting'; readonly value: string }
}

export interface HealthcheckModel {
  /** Exec form, e.g. `["CMD", "pg_isready", …]`. */
  readonly test: readonly string[]
  readonly interval: string
  readonly timeout: string
  readonly retries: number
  readonly startPeriod: string
}

/** Part of an environment value: literal text (the compose renderer escapes its `$`) or a reference to `.env`. */
export type ValuePart = { readonly text: string } | { readonly ref: string }

/**
 * A published port. The host side is a `.env` key (Postgres: users move it without regenerating) or a number fixed
 * by the config (Traefik's web ports, which every public URL carries; `key` is its config path, for messages).
 */
export interface PublishedPort {
  readonly host: { readonly var: string } | { readonly port: number; readonly key: string }
  readonly container: number
  readonly bind?: string
}

/** One compose service. */
export interface ServiceModel {
  readonly name: string
  readonly image: string
  readonly command?: readonly string[] | string
  /** Environment, sorted by key; values are literal text and `.env` references. */
  readonly environment: readonly { readonly key: string; readonly value: readonly ValuePart[] }[]
  /** Bind mounts relative to the compose file, and named volumes. */
  readonly volumes: readonly { readonly source: string; readonly target: string; readonly readOnly: boolean }[]
  /** Published ports. */
  readonly ports: readonly PublishedPort[]
  /** Ports the service listens on inside the network (what Traefik may target). */
  readonly listens: readonly number[]
  readonly networks: readonly string[]
  readonly dependsOn: readonly {
    readonly service: string
    readonly condition: 'service_healthy' | 'service_started' | 'service_completed_successfully'
  }[]
  readonly healthcheck?: HealthcheckModel
  readonly replicas?: number
  readonly user?: string
  /** Adds `no-new-privileges`; off for user images that may rely on setuid helpers. */
  readonly noNewPrivileges: boolean
  /**
   * A job that runs to completion on every `up` (`restart: "no"`), which the services needing it wait for with
   * `service_completed_successfully`. Exited with code 0 is its healthy end state.
   */
  readonly oneShot?: boolean
  /** Memory and CPU limits of each of its containers (`deploy.resources.limits`); every service has them. */
  readonly limits: LimitsModel
  /** The config entry it comes from: a key of `services` or a worker pool of `workers`; none for the built-in ones. */
  readonly origin?: 'service' | 'worker'
}

/** A service before its limits are known (the service builders make these; limits.ts completes them). */
export type ServiceDraft = Omit<ServiceModel, 'limits'>

/** `memory` as compose reads it (`"512m"`), `cpus` as a number of CPUs. */
export interface LimitsModel {
  readonly memory: string
  readonly cpus: number
}

export interface RealmModel {
  readonly name: string
  readonly displayName: string
  /** `https://auth.<domain>/realms/<name>`: the `iss` of its tokens. */
  readonly issuer: string
  readonly roles: readonly string[]
  readonly signingKeyVar: string
  readonly jwksVar: string
  readonly clients: readonly {
    readonly id: string
    readonly type: 'public' | 'confidential'
    readonly redirectUris: readonly string[]
    readonly webOrigins: readonly string[]
    readonly serviceAccount: boolean
    /** Realm roles of its service-account user; only for a confidential client with `serviceAccount`. */
    readonly serviceAccountRoles: readonly string[]
    /** `.env` key of a confidential client's secret. */
    readonly secretVar?: string
  }[]
  /** Seed users, each complete for Keycloak's default user profile (defaults filled in, see seed-users.ts). */
  readonly users: readonly {
    readonly username: string
    readonly email: string
    readonly firstName: string
    readonly lastName: string
    readonly roles: readonly string[]
    readonly passwordVar: string
  }[]
}

export interface ApiModel {
  readonly database: string
  readonly schemas: readonly string[]
  readonly anonRole: string | false
  /** Whether a default privilege lets `anonRole` read every table created later in the schemas. */
  readonly anonReadsNewTables: boolean
  /** The role every valid token switches to (a hardcoded `role` claim the realm's clients add). */
  readonly authenticatedRole: string
  /** The realm whose tokens PostgREST accepts; none: anonymous requests only. */
  readonly realm?: string
}

export interface LoginRoleModel {
  readonly name: string
  readonly passwordVar: string
  readonly noInherit: boolean
  /**
   * A function's role: it may connect to this one application database and holds no other right (no superuser,
   * CREATEDB, CREATEROLE, REPLICATION or BYPASSRLS, set again on every run); migrations grant it tables.
   */
  readonly database?: string
}

export interface PostgresModel {
  readonly version: number
  readonly databases: readonly string[]
  readonly extensions: readonly string[]
  /** Login roles created by the init SQL, each with the `.env` key holding its password. */
  readonly loginRoles: readonly LoginRoleModel[]
  /** Keycloak's own database, owned by its login role. */
  readonly keycloakDatabase?: { readonly name: string; readonly owner: string }
}

export interface FunctionModel {
  readonly name: string
  /** Absolute path of the folder. */
  readonly sourceDir: string
  /** Absolute path of its entry file (`index.ts`, …). */
  readonly entry: string
  /** Committed values, sorted by key. */
  readonly env: Readonly<Record<string, string>>
  /** Variables read from `.env`: variable → `.env` key, sorted by variable. */
  readonly secrets: Readonly<Record<string, string>>
  /** Its own database role, when it asked for `database`. */
  readonly database?: { readonly name: string; readonly role: string; readonly passwordVar: string }
  readonly timeoutMs: number
  readonly memoryMb: number
}

/** A Traefik middleware, named and ready to render. */
export type MiddlewareModel =
  | { readonly name: string; readonly kind: 'stripPrefix'; readonly prefix: string }
  | { readonly name: string; readonly kind: 'addPrefix'; readonly prefix: string }
  | { readonly name: string; readonly kind: 'rateLimit'; readonly average: number; readonly burst: number }
  | { readonly name: string; readonly kind: 'forwardAuth'; readonly address: string; readonly responseHeaders: readonly string[] }
  | {
      readonly name: string
      readonly kind: 'headers'
      /** Request headers deleted before anything else sees the request (client-sent identity headers). */
      readonly removeRequestHeaders: readonly string[]
      /** Response security headers; `frameDeny` is off where the target sends its own frame headers (Keycloak). */
      readonly security: { readonly frameDeny: boolean } | null
    }

export interface RouteModel {
  /** Router name, unique: `<host>-<path slug>` (`-2`, `-3`, … appended on a clash). */
  readonly name: string
  readonly host: string
  readonly path: string
  /** Traefik v3 rule, values already checked for backticks. */
  readonly rule: string
  /** Set when the rule is longer than what decides its rank among the host's routes (see routes.ts). */
  readonly priority?: number
  /** Name of the Traefik service (see `TraefikServiceModel`). */
  readonly service: string
  /** Middleware names, applied in order. */
  readonly middlewares: readonly string[]
  /** The public URL, for summaries. */
  readonly url: string
  /** What the verifier checks before the request reaches the target (`auth` in the config); roles sorted. */
  readonly auth?: { readonly realm: string; readonly roles: readonly string[] }
}

export interface TraefikServiceModel {
  readonly name: string
  /** Compose service and the port it listens on. */
  readonly target: { readonly service: string; readonly port: number }
}

export interface TlsModel {
  readonly mode: 'off' | 'self-signed' | 'acme'
  readonly acme?: { readonly email: string; readonly staging: boolean }
}

/** How the Kubernetes target lays the stack out (config `kubernetes`, defaults filled). */
export interface KubernetesModel {
  readonly namespace: string
  /**
   * The Secret every `.env` reference reads: made by kustomize from `k8s/secrets.env` (`generated`), or one that
   * already exists in the cluster (`kubernetes.existingSecret`).
   */
  readonly secret: { readonly name: string; readonly generated: boolean }
  /** Postgres's PersistentVolumeClaim. */
  readonly storage: { readonly size: string; readonly className?: string }
  /** Pods by compose service name, where the config sets them for Kubernetes (PostgREST, functions, verifier). */
  readonly replicas: Readonly<Record<string, number>>
}

export interface StackModel {
  readonly project: string
  /** What `generate` writes: the compose stack, or Kubernetes manifests in `k8s/`. */
  readonly target: 'compose' | 'kubernetes'
  readonly kubernetes: KubernetesModel
  readonly domain: string
  readonly tls: TlsModel
  /** Traefik's host ports, which are also its entry points' container ports (src/model/ports.ts). */
  readonly ports: WebPorts
  readonly images: Readonly<Record<ImageKey, string>>
  /** Absolute directory of the config file; `source` paths resolve against it. */
  readonly configDir: string
  /** The config file name, for headers. */
  readonly configFile: string
  readonly env: readonly EnvVar[]
  readonly services: readonly ServiceModel[]
  readonly networks: readonly { readonly name: string; readonly internal: boolean }[]
  readonly volumes: readonly string[]
  readonly postgres: PostgresModel
  readonly api?: ApiModel
  readonly realms: readonly RealmModel[]
  readonly functions: readonly FunctionModel[]
  readonly routes: readonly RouteModel[]
  /** Whether the route to Keycloak serves its admin console and master realm (`keycloak.adminConsole`). */
  readonly keycloakAdminConsole: 'off' | 'public'
  readonly traefikServices: readonly TraefikServiceModel[]
  readonly middlewares: readonly MiddlewareModel[]
}
