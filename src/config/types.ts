/**
 * The public config type: what users read in their editor. It mirrors `ConfigInput` (zod's input type of
 * schema.ts) key by key; test/types.test-d.ts fails when the two drift apart.
 */

import type { SecretRef } from './secret.js'

/**
 * A Docker image reference, e.g. `"quay.io/keycloak/keycloak:26.4"`. One without a tag, or tagged `latest`, is
 * whatever the registry holds when it is pulled: `validate`, `generate` and `up` warn about it (exit code unchanged).
 * Pin a version tag or a digest (`name@sha256:…`).
 */
export type ImageRef = string

/**
 * An environment variable's value: text written in the config (and so committed), or `{ secret: "NAME" }` (or
 * `secret("NAME")`), the value of the key `NAME` of the generated, never committed `.env`.
 */
export type EnvValue = string | SecretRef

/** Let's Encrypt through Traefik's ACME resolver (HTTP challenge on port 80). */
export interface AcmeTls {
  acme: {
    /** Account email Let's Encrypt sends expiry notices to. */
    email: string
    /**
     * Use Let's Encrypt's staging CA (untrusted certificates, generous rate limits) while trying things out.
     * @default false
     */
    staging?: boolean
  }
}

/**
 * The host ports Traefik serves the stack on. Every public URL (the routes, Keycloak's hostname and so its token
 * issuer, the verifier's expected issuer, PostgREST's OpenAPI server) is built from them: a scheme's standard port
 * (80 for http, 443 for https) is left out of the URLs, any other appears in all of them.
 */
export interface PortsConfig {
  /**
   * Host port of plain HTTP (with TLS on, it only redirects to HTTPS). Let's Encrypt's HTTP challenge always
   * comes to port 80, so `tls: { acme }` needs 80. Below 1024, rootless Podman or Docker need
   * `sysctl net.ipv4.ip_unprivileged_port_start` lowered (`sparkbaas doctor` says so).
   * @default 80
   */
  http?: number
  /**
   * Host port of HTTPS; used when `tls` is not `"off"`.
   * @default 443
   * @example 8443
   */
  https?: number
}

/** Image tags that replace the built-in pins. Each key is optional; unset keys keep the pinned tag. */
export interface ImagesConfig {
  /** @example "postgres:17.6-bookworm" */
  postgres?: ImageRef
  /**
   * PostgREST 14 or newer: its healthcheck is `postgrest --ready` (added in v14.0). A tag naming an older major is
   * refused; a tag without a readable version (`latest`, a digest only) is used as given.
   * @example "postgrest/postgrest:v14.9"
   */
  postgrest?: ImageRef
  /** @example "quay.io/keycloak/keycloak:26.4" */
  keycloak?: ImageRef
  /** @example "traefik:v3.5" */
  traefik?: ImageRef
  /** Used for the Spark master and every worker. @example "apache/spark:4.0.1" */
  spark?: ImageRef
  /** Runs the functions runtime and the token verifier. @example "node:24-alpine" */
  node?: ImageRef
}

/** The Postgres server every other service uses. */
export interface PostgresConfig {
  /**
   * Major version of the official `postgres` image (15 or newer). Changing it on an existing volume needs a
   * dump and restore.
   * @default 17
   */
  version?: number
  /**
   * Application databases, created by the init SQL. The first one is the one PostgREST serves. Keycloak's own
   * database is added for you.
   * @default ["app"]
   */
  databases?: string[]
  /**
   * Extensions created in every application database.
   * @default []
   * @example ["pgcrypto", "citext"]
   */
  extensions?: string[]
  /**
   * Publish Postgres on this host port so `psql` on the host can reach it; `false` keeps it internal.
   * @default false
   */
  exposePort?: false | number
}

/** PostgREST over the first application database. */
export interface ApiConfig {
  /**
   * Schemas PostgREST exposes; the init SQL creates them.
   * @default ["api"]
   */
  schemas?: string[]
  /**
   * Postgres role for requests without a token; `false` refuses anonymous requests.
   * @default "anon"
   */
  anonRole?: false | string
  /**
   * Whether `anonRole` may read (SELECT) every table created later in `schemas`, by a default privilege. Off, an
   * anonymous request reads nothing until a migration grants it a table: `GRANT SELECT ON api.todos TO anon;`.
   * Turn it on only when every table of the API schemas is meant to be public.
   * @default false
   */
  anonReadsNewTables?: boolean
  /**
   * Realm whose access tokens PostgREST accepts. A valid token switches to the Postgres role `authenticated`;
   * its realm roles are readable in SQL as `current_setting('request.jwt.claims', true)::json -> 'realm_access'`.
   * Leave it out for an API that serves anonymous requests only (as `anonRole`): PostgREST then has no key to check
   * tokens with, and answers a request that carries one with 500 "Server lacks JWT secret". A route with `auth` to
   * `"api"` needs it.
   * @example "acme"
   */
  realm?: string
}

/**
 * How the Kubernetes target lays the stack out (`target: "kubernetes"`); the compose target ignores it.
 * @example { namespace: "acme-prod", existingSecret: "acme-prod-secrets", storage: { size: "50Gi" }, replicas: { api: 3 } }
 */
export interface KubernetesConfig {
  /**
   * The namespace every object is created in (a DNS label: lowercase letters, digits and `-`).
   * @default the project name
   */
  namespace?: string
  /**
   * The name of a Secret that already exists in the namespace, holding every key `k8s/secrets.env.example` lists.
   * With it `generate` writes no `k8s/secrets.env` and no `secretGenerator`: the manifests read that Secret. Without
   * it, kustomize makes the Secret `<project>-secrets` from `k8s/secrets.env`, which `generate` keeps in step with
   * `.env` and git never sees.
   */
  existingSecret?: string
  /** Postgres's volume (a PersistentVolumeClaim of its StatefulSet). @default { size: "10Gi" } */
  storage?: {
    /** @default "10Gi" */
    size?: string
    /** The StorageClass; left out, the cluster's default one. */
    className?: string
  }
  /**
   * Pods of the stateless services: PostgREST (`api`), the functions runtime and the token verifier. Spark workers
   * take theirs from `workers[].replicas`.
   * @default { api: 1, functions: 1, verifier: 1 }
   */
  replicas?: {
    /** @default 1 */
    api?: number
    /** @default 1 */
    functions?: number
    /** @default 1 */
    verifier?: number
  }
}

/** How Keycloak is served through the `keycloak` route. */
export interface KeycloakConfig {
  /**
   * `"off"`: the route to Keycloak serves every realm's sign-in pages, account console and OIDC endpoints
   * (`/realms/<realm>/…`), but not the admin console and admin REST API (`/admin/…`) nor anything of the
   * `master` realm (`/realms/master/…`, where admins sign in): those answer 404 from Traefik. Administer Keycloak
   * from the host with `docker compose exec keycloak /opt/keycloak/bin/kcadm.sh …` (it reaches
   * http://localhost:8080 inside the container), or switch to `"public"` while you need the console.
   * `"public"`: the whole of Keycloak, admin console included, is served on the route (guarded only by the
   * admin password in `.env`).
   * keycloak-sync talks to Keycloak on the internal network and works either way.
   * @default "off"
   */
  adminConsole?: 'off' | 'public'
}

/** A group of identical Apache Spark standalone workers. A Spark master is added when any worker exists. */
export interface WorkerConfig {
  /** Worker group name; containers are named `spark-<name>`. */
  name: string
  /**
   * How many containers of this worker run.
   * @default 1
   */
  replicas?: number
  /**
   * Cores each worker offers to Spark.
   * @default 1
   */
  cores?: number
  /**
   * Memory each worker offers to Spark, like `"512m"` or `"2g"`.
   * @default "1g"
   */
  memory?: string
}

/** An OAuth client of a realm. */
export interface ClientConfig {
  /** The client id applications send. */
  id: string
  /**
   * `public`: browser or mobile app, standard flow with PKCE, no secret. `confidential`: a server with a client
   * secret, generated into `.env` as `REALM_<REALM>_<CLIENT>_SECRET`.
   */
  type: 'public' | 'confidential'
  /**
   * Allowed redirect URIs after login (wildcards at the end allowed, as Keycloak does).
   * @default []
   * @example ["https://app.localhost/*"]
   */
  redirectUris?: string[]
  /**
   * Origins Keycloak answers CORS requests from (its token, userinfo and logout endpoints); `"+"` means "the origins
   * of redirectUris". A browser app needs its own origin here to exchange its PKCE code for tokens. A confidential
   * client's secret never sits in a browser, so it needs none.
   * @default ["+"] for a public client, [] for a confidential one
   * @example ["+", "https://admin.example.com"]
   */
  webOrigins?: string[]
  /**
   * Give a confidential client a service account (client-credentials grant).
   * @default false
   */
  serviceAccount?: boolean
  /**
   * Realm roles of the client's service account (the Keycloak user `service-account-<id>`), carried in its tokens as
   * `realm_access.roles`, so routes with `auth.roles` accept it. Each must be listed in the realm's `roles`; only for a
   * confidential client with `serviceAccount: true`.
   * @default []
   * @example ["backend"]
   */
  serviceAccountRoles?: string[]
}

/**
 * A user created when the realm is first imported. Its password is generated into `.env`. Keycloak's default user
 * profile requires email, first and last name: unset ones get the defaults below, so the user can sign in (and use
 * the password grant) without an "update profile" step.
 */
export interface UserConfig {
  /**
   * Login name, at least 3 characters (Keycloak's default user profile refuses shorter ones). Names starting with
   * `service-account-` are Keycloak's for service accounts.
   */
  username: string
  /**
   * Marked as verified. Unique in the realm.
   * @default the username when it contains "@", else `<username>@<domain>`
   */
  email?: string
  /**
   * None of `< > & " $ % ! # ? § ; * ~ / \ | ^ = [ ] { } ( )`, control characters or line breaks (Keycloak's
   * person-name rule).
   * @default the username
   */
  firstName?: string
  /**
   * Same characters as `firstName`.
   * @default the realm name
   */
  lastName?: string
  /**
   * Realm roles granted to the user; each must be listed in the realm's `roles`.
   * @default []
   */
  roles?: string[]
}

/** A Keycloak realm, written as `keycloak/<name>-realm.json` and imported on Keycloak's first start. */
export interface RealmConfig {
  /** Realm name, part of every URL: `https://auth.<domain>/realms/<name>`. */
  name: string
  /** Shown on the login page. @default the name */
  displayName?: string
  /**
   * Realm roles, carried in access tokens as `realm_access.roles` (routes with `auth.roles` check them; with `api`,
   * row-level-security policies can read them from `request.jwt.claims`).
   * @default []
   */
  roles?: string[]
  /** @default [] */
  clients?: ClientConfig[]
  /** Seed users, for development. @default [] */
  users?: UserConfig[]
}

/**
 * An HTTP function: a folder whose `index.{ts,mts,js,mjs}` default-exports
 * `(request: Request) => Response | Promise<Response>` (a plain JSON value is sent as `200 application/json`).
 */
export interface FunctionConfig {
  /** Function name, also its URL inside the runtime: `/<name>`. */
  name: string
  /** The function's folder, relative to the config file. @example "./functions/hello" */
  source: string
  /**
   * Environment variables the function reads with `process.env`, and only this function. A string is committed with
   * the config; `secret("NAME")` (or `{ secret: "NAME" }`) reads the key `NAME` of `.env`, where `sparkbaas generate`
   * puts a random value the first time: replace it with the real one there, it is kept.
   * @default {}
   * @example { GREETING: "Hello", STRIPE_KEY: secret("STRIPE_KEY") }
   */
  env?: Record<string, EnvValue>
  /**
   * Longest time a request may take before the runtime answers 504.
   * @default 10000
   */
  timeoutMs?: number
  /**
   * Memory limit of the function's process in MiB: its JavaScript heap and its Buffers together. A function that
   * goes over it is stopped (the request gets 500 `function_out_of_memory`) and started again for the next
   * request; other functions are not affected. Counts towards the `functions` container's limit.
   * @default 256
   */
  memoryMb?: number
  /**
   * Give the function a database: a login role of its own, `fn_<name>` (`-` becomes `_`), whose password is
   * generated into `.env`, and `DATABASE_URL` (`postgres://fn_<name>:<password>@postgres:5432/<database>`) in its
   * env. `true` means the first of `postgres.databases`; a name picks another. The role may connect to that database
   * and nothing more: grant it what it needs in a migration, e.g. `GRANT SELECT, INSERT ON public.orders TO fn_hello;`.
   * The `functions` container joins the network Postgres is on only when a function asks for the database.
   * @default false
   * @example "analytics"
   */
  database?: boolean | string
}

/** Memory and CPU limits of one compose service (`deploy.resources.limits`). */
export interface LimitsConfig {
  /** Most memory the container may use: a size like `"512m"` or `"2g"`. */
  memory?: string
  /** Most CPU time, in CPUs: `0.5` is half of one. */
  cpus?: number
}

/** An extra container, e.g. a cache or a queue. */
export interface ServiceConfig {
  /** @example "redis:7-alpine" */
  image: ImageRef
  /** The port it listens on, needed to route to it. */
  port?: number
  /**
   * Its environment: text (committed), or `secret("NAME")` / `{ secret: "NAME" }` for the key `NAME` of `.env`
   * (generated at random the first time, then kept; see FunctionConfig.env).
   * @default {}
   */
  env?: Record<string, EnvValue>
  /** Replaces the image's command: a string (split by the shell of compose) or an argv array. */
  command?: string | string[]
  /**
   * Join the `backend` network, where Postgres listens, so the container can connect to the database (with a
   * role and password you give it in `env`). Without it the container is only on `edge`, with Traefik and the
   * routed services, and cannot reach Postgres.
   * @default false
   */
  database?: boolean
}

/** Where a route sends its requests. */
export type RouteTarget =
  | 'api'
  | 'keycloak'
  | 'spark'
  | { function: string }
  | { service: string }

/** A public URL served by Traefik. Nothing is reachable from outside unless a route points at it. */
export interface RouteConfig {
  /** The subdomain: `"api"` is served at `api.<domain>`. */
  host: string
  /**
   * The path this route serves: the path itself and every path below it, whole segments only — `"/rest"`
   * matches `/rest`, `/rest/` and `/rest/todos`, never `/restore`. A path ending in `/` (`"/rest/"`) matches
   * itself and below, not `/rest`. Where two routes of a host both match, the deeper path wins.
   * @default "/"
   */
  path?: string
  /** @example { function: "hello" } */
  to: RouteTarget
  /**
   * Remove `path` before forwarding, so `/rest/todos` reaches the target as `/todos`.
   * @default false
   */
  stripPrefix?: boolean
  /** Refuse requests without a valid access token of this realm (and, when given, all of these realm roles). */
  auth?: {
    realm: string
    /** @default [] */
    roles?: string[]
  }
  /** Traefik rate limit per client IP. */
  rateLimit?: {
    /** Requests per second on average. */
    average: number
    /** Largest burst allowed. @default average */
    burst?: number
  }
}

/** What `production` may say besides `true`: production, with the named exception. */
export interface ProductionConfig {
  /**
   * Keep the realms' seed users although their passwords are generated into `.env` on the server (anyone with the
   * file can sign in as them). Without this, a production environment with seed users is refused.
   * @default false
   */
  allowSeedUsers?: boolean
}

/** An entry of a named collection in an environment: the key it merges on, and any of its other keys. */
type OverlayEntry<T, Key extends keyof T> = Pick<T, Key> & Partial<Omit<T, Key>>

/**
 * One environment: a partial config laid over the base when it is selected (`--env prod` or `SPARKBAAS_ENV=prod`).
 * Objects merge deeply; `workers`, `realms` and `functions` merge entry by entry on `name`, `routes` on `host` +
 * `path`, `services` on their key (an entry with a new key is added); every other array, `tls` and a route's `to`
 * are replaced whole. Its compose project is `<project>-<name>` unless it sets `project`, and its output folder
 * is `generated.<name>/` with its own `.env`.
 * @example { production: true, domain: "example.com", tls: { acme: { email: "ops@example.com" } } }
 */
export interface EnvironmentConfig extends Partial<Omit<SparkbaasConfig, 'environments' | 'workers' | 'realms' | 'functions' | 'services' | 'routes'>> {
  workers?: OverlayEntry<WorkerConfig, 'name'>[]
  realms?: OverlayEntry<RealmConfig, 'name'>[]
  functions?: OverlayEntry<FunctionConfig, 'name'>[]
  services?: Record<string, Partial<ServiceConfig>>
  routes?: OverlayEntry<RouteConfig, 'host'>[]
}

/** The whole stack, in one file. */
export interface SparkbaasConfig {
  /** Compose project name and prefix of every container: lowercase letters, digits and `-`. */
  project: string
  /**
   * This config is served to the world: `validate` refuses what only suits a laptop — `tls: "off"`, a published
   * Postgres port, seed users (their passwords are generated; `{ allowSeedUsers: true }` keeps them), an image
   * without a pinned version, and Let's Encrypt on a domain it cannot issue for (`localhost`, `*.test`, an IP).
   * Usually set in an environment: `environments: { prod: { production: true } }`.
   * @default false
   */
  production?: boolean | ProductionConfig
  /**
   * What `generate` writes: `"compose"`, a docker compose stack; `"kubernetes"`, plain manifests and a
   * `kustomization.yaml` in `k8s/` (apply with `kubectl apply -k generated/k8s`). `generate --target` overrides it;
   * an environment may set its own.
   * @default "compose"
   */
  target?: 'compose' | 'kubernetes'
  /** Namespace, Secret, Postgres storage and replicas of the Kubernetes target. @default {} */
  kubernetes?: KubernetesConfig
  /**
   * Public base domain; a route with host `api` is served at `api.<domain>`. `*.localhost` needs no DNS.
   * @default "localhost"
   */
  domain?: string
  /**
   * `"off"`: plain HTTP on `ports.http`. `"self-signed"`: HTTPS on `ports.https` with Traefik's default certificate.
   * `{ acme }`: Let's Encrypt.
   * @default "off"
   */
  tls?: 'off' | 'self-signed' | AcmeTls
  /** Host ports of HTTP and HTTPS. @default { http: 80, https: 443 } */
  ports?: PortsConfig
  /** Image pins that replace the built-in ones. @default {} */
  images?: ImagesConfig
  /** @default { version: 17, databases: ["app"], extensions: [], exposePort: false } */
  postgres?: PostgresConfig
  /** PostgREST; leave out to run without it. */
  api?: ApiConfig
  /** How Keycloak is served. @default { adminConsole: "off" } */
  keycloak?: KeycloakConfig
  /** Spark workers; a master is added when the list is non-empty. @default [] */
  workers?: WorkerConfig[]
  /** Keycloak realms. @default [] */
  realms?: RealmConfig[]
  /** HTTP functions. @default [] */
  functions?: FunctionConfig[]
  /** Extra containers by name. @default {} */
  services?: Record<string, ServiceConfig>
  /** What Traefik serves. @default [] */
  routes?: RouteConfig[]
  /**
   * Memory and CPU limits by compose service name (`postgres`, `keycloak`, `functions`, `spark-<worker>`, a key of
   * `services`, …); what is left out keeps its default. Every container gets limits: postgres 1g/1 CPU,
   * postgres-init 256m/0.5, keycloak 1536m/2, keycloak-sync 256m/0.5, postgrest 256m/1, verifier 128m/0.5,
   * spark-master 1g/1, traefik 256m/1, extra services 512m/1; `functions` 128 MiB plus every function's
   * `memoryMb`, 1 CPU; a Spark worker its `memory` plus 1g (the worker's own JVM) and its `cores`.
   * @example { keycloak: { memory: "2g" }, functions: { cpus: 2 } }
   * @default {}
   */
  resources?: Record<string, LimitsConfig>
  /**
   * Named variants of this config (`local`, `staging`, `prod`), each a partial config laid over this one by
   * `--env <name>` or `SPARKBAAS_ENV`. Without either, the config is used as written (the default environment,
   * output in `generated/`). Names: lowercase letters, digits and `-`, at most 20 characters.
   * @example { prod: { production: true, domain: "example.com", tls: { acme: { email: "ops@example.com" } } } }
   * @default {}
   */
  environments?: Record<string, EnvironmentConfig>
}
