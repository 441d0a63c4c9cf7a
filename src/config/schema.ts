/**
 * The shape of `sparkbaas.config.*`, checked by zod. Cross-field rules (a route to an unknown function, …) live in
 * validate.ts; defaults live in defaults.ts. The user-facing JSDoc lives on the hand-written types in types.ts,
 * and a type test keeps the two in step.
 */
import { z } from 'zod'
import { DEFAULTS, MIN_POSTGRES_VERSION, MIN_USERNAME_LENGTH } from './defaults.js'
import { NAMES, type NameKind } from './names.js'

// A config is parsed once per process. zod's default compiles each object schema into a function (`new Function`)
// on first use, which pays off only over many parses: without it the one parse of the example takes ~8 ms
// instead of ~16 ms. (It also keeps sparkbaas usable where `eval` is forbidden.)
z.config({ jitless: true })

const named = (kind: NameKind) => {
  const { pattern, expected } = NAMES[kind]
  // The same sentence for a wrong type or a missing value as for a bad string, so "required" can say what to write.
  const error = `expected ${expected}`
  return z.string({ error }).regex(pattern, { error })
}

const port = z
  .number()
  .int({ error: 'expected a whole number from 1 to 65535' })
  .min(1, { error: 'expected a port from 1 to 65535' })
  .max(65535, { error: 'expected a port from 1 to 65535' })

const positiveInt = (what: string) =>
  z.number().int({ error: `expected a whole number of ${what}` }).min(1, { error: `expected at least 1 ${what.replace(/s\b/, '')}` })

/** `{ secret: "NAME" }`: a value read from `.env` (see SecretRef in secret.ts). */
const secretRef = z.strictObject({ secret: named('envKey') })
const envMap = z.record(
  named('envKey'),
  z.union([z.string(), secretRef], { error: 'expected a string or { secret: "NAME" } (a key of .env)' }),
)

/** `tls`: off, a self-signed certificate made by Traefik, or Let's Encrypt. */
const tlsSchema = z.union([
  z.literal('off'),
  z.literal('self-signed'),
  z.strictObject({
    acme: z.strictObject({
      email: z.email({ error: 'expected an email address for Let\'s Encrypt' }),
      staging: z.boolean().optional(),
    }),
  }),
])

/** `ports`: the host ports Traefik publishes; every public URL is built from them (src/model/routes.ts publicUrl). */
const portsSchema = z.strictObject({
  http: port.default(DEFAULTS.ports.http),
  https: port.default(DEFAULTS.ports.https),
})

const imagesSchema = z.strictObject({
  postgres: z.string().min(1).optional(),
  postgrest: z.string().min(1).optional(),
  keycloak: z.string().min(1).optional(),
  traefik: z.string().min(1).optional(),
  spark: z.string().min(1).optional(),
  node: z.string().min(1).optional(),
})

const postgresSchema = z.strictObject({
  version: z
    .number()
    .int({ error: 'expected a Postgres major version such as 17' })
    .min(MIN_POSTGRES_VERSION, { error: `expected Postgres ${MIN_POSTGRES_VERSION} or newer` })
    .default(DEFAULTS.postgres.version),
  databases: z
    .array(named('sqlName'))
    .min(1, { error: 'expected at least one application database' })
    .default([...DEFAULTS.postgres.databases]),
  extensions: z.array(named('extension')).default([...DEFAULTS.postgres.extensions]),
  exposePort: z.union([z.literal(false), port]).default(DEFAULTS.postgres.exposePort),
})

const apiSchema = z.strictObject({
  schemas: z.array(named('sqlName')).min(1, { error: 'expected at least one schema' }).default([...DEFAULTS.api.schemas]),
  anonRole: z.union([z.literal(false), named('role')]).default(DEFAULTS.api.anonRole),
  anonReadsNewTables: z.boolean().default(DEFAULTS.api.anonReadsNewTables),
  realm: named('identifier').optional(),
})

const keycloakSchema = z.strictObject({
  adminConsole: z.enum(['off', 'public']).default(DEFAULTS.keycloak.adminConsole),
})

const workerSchema = z.strictObject({
  name: named('identifier'),
  replicas: positiveInt('replicas').default(DEFAULTS.worker.replicas),
  cores: positiveInt('cores').default(DEFAULTS.worker.cores),
  memory: named('memory').default(DEFAULTS.worker.memory),
})

const clientSchema = z.strictObject({
  id: named('identifier'),
  type: z.enum(['public', 'confidential']),
  redirectUris: z.array(z.string().min(1)).default([...DEFAULTS.client.redirectUris]),
  // Its default depends on `type` (DEFAULTS.client.webOrigins); the resolver fills it in.
  webOrigins: z.array(z.string().min(1)).optional(),
  serviceAccount: z.boolean().default(DEFAULTS.client.serviceAccount),
  serviceAccountRoles: z.array(named('role')).default([...DEFAULTS.client.serviceAccountRoles]),
})

// Keycloak's "person-name-prohibited-characters" validator, which its default user profile runs on firstName and
// lastName (PersonNameProhibitedCharactersValidator.java). Its Java `\v` is any vertical whitespace (U+2028 and
// U+2029 too) and `\p{Cntrl}` the ASCII controls; this also refuses the C1 controls, which no name needs. Written
// without `\p{…}` so the JSON Schema's copy of the pattern means the same with or without a regexp's "u" flag.
const PERSON_NAME = /^[^<>&"$%!#?§;*~/\\|^=[\]{}()\u0000-\u001f\u007f-\u009f\u2028\u2029]*$/
const personNameError =
  'expected a name without < > & " $ % ! # ? § ; * ~ / \\ | ^ = [ ] { } ( ), control characters or line breaks (Keycloak\'s default user profile refuses them)'
// A blank name is a missing one to Keycloak's required-attribute check, and the login stops at "update profile".
const blankNameError = 'expected a name that is not empty or only spaces (Keycloak\'s default user profile counts it as missing)'
const personName = z
  .string({ error: personNameError })
  .regex(PERSON_NAME, { error: personNameError })
  .regex(/\S/, { error: blankNameError })
  .max(255, { error: 'expected at most 255 characters (Keycloak\'s default user profile refuses longer names)' })

const userSchema = z.strictObject({
  username: named('username').min(MIN_USERNAME_LENGTH, {
    error: `expected at least ${MIN_USERNAME_LENGTH} characters (Keycloak's default user profile refuses shorter usernames)`,
  }),
  email: z.email({ error: 'expected an email address' }).optional(),
  firstName: personName.optional(),
  lastName: personName.optional(),
  roles: z.array(named('role')).default([]),
})

const realmSchema = z.strictObject({
  name: named('identifier'),
  displayName: z.string().optional(),
  roles: z.array(named('role')).default([]),
  clients: z.array(clientSchema).default([]),
  users: z.array(userSchema).default([]),
})

const functionSchema = z.strictObject({
  name: named('identifier'),
  source: z.string().min(1, { error: 'expected the path of the function folder, e.g. "./functions/hello"' }),
  env: envMap.default({}),
  timeoutMs: positiveInt('milliseconds').default(DEFAULTS.function.timeoutMs),
  memoryMb: z
    .number()
    .int({ error: 'expected a whole number of MiB' })
    .min(32, { error: 'expected at least 32 MiB (Node itself needs about 30)' })
    .default(DEFAULTS.function.memoryMb),
  database: z
    .union([z.boolean(), named('sqlName')], { error: 'expected true, false or the name of one of postgres.databases' })
    .default(DEFAULTS.function.database),
})

const limitsSchema = z.strictObject({
  memory: named('memory').optional(),
  cpus: z.number().positive({ error: 'expected a number of CPUs above 0, e.g. 0.5 or 2' }).optional(),
})

const serviceSchema = z.strictObject({
  image: z.string().min(1, { error: 'expected an image reference such as "redis:7-alpine"' }),
  port: port.optional(),
  env: envMap.default({}),
  command: z.union([z.string().min(1), z.array(z.string())]).optional(),
  database: z.boolean().default(DEFAULTS.service.database),
})

const targetSchema = z.union([
  z.enum(['api', 'keycloak', 'spark']),
  z.strictObject({ function: named('identifier') }),
  z.strictObject({ service: named('identifier') }),
])

const routeSchema = z.strictObject({
  host: named('host'),
  path: named('path').default(DEFAULTS.route.path),
  to: targetSchema,
  stripPrefix: z.boolean().default(DEFAULTS.route.stripPrefix),
  auth: z
    .strictObject({
      realm: named('identifier'),
      roles: z.array(named('role')).default([]),
    })
    .optional(),
  rateLimit: z
    .strictObject({
      average: positiveInt('requests per second'),
      burst: positiveInt('requests').optional(),
    })
    .optional(),
})

/**
 * `kubernetes`: how the Kubernetes target (`target: "kubernetes"`) lays the stack out; ignored by the compose target.
 * The namespace defaults to the project (model/resolve.ts), so it is left optional here.
 */
const kubernetesSchema = z.strictObject({
  namespace: named('namespace').optional(),
  existingSecret: named('kubernetesObject').optional(),
  storage: z
    .strictObject({
      size: named('storageSize').default(DEFAULTS.kubernetes.storage.size),
      className: named('kubernetesObject').optional(),
    })
    .default(() => ({ size: DEFAULTS.kubernetes.storage.size })),
  replicas: z
    .strictObject({
      api: positiveInt('replicas').default(DEFAULTS.kubernetes.replicas.api),
      functions: positiveInt('replicas').default(DEFAULTS.kubernetes.replicas.functions),
      verifier: positiveInt('replicas').default(DEFAULTS.kubernetes.replicas.verifier),
    })
    .default(() => ({ ...DEFAULTS.kubernetes.replicas })),
})

/**
 * `production`: the environment is served to the world, so validate refuses local-only settings (production.ts).
 * The object form is production with the one exception it names.
 */
const productionSchema = z.union([
  z.boolean(),
  z.strictObject({
    allowSeedUsers: z.boolean().optional(),
  }),
])

const baseShape = {
  project: named('project'),
  production: productionSchema.default(false),
  target: z.enum(['compose', 'kubernetes'], { error: 'expected "compose" or "kubernetes"' }).default(DEFAULTS.target),
  kubernetes: kubernetesSchema.default(() => kubernetesSchema.parse({})),
  domain: named('domain').default(DEFAULTS.domain),
  tls: tlsSchema.default(DEFAULTS.tls),
  ports: portsSchema.default(() => portsSchema.parse({})),
  images: imagesSchema.default({}),
  postgres: postgresSchema.default(() => postgresSchema.parse({})),
  api: apiSchema.optional(),
  keycloak: keycloakSchema.default(() => keycloakSchema.parse({})),
  workers: z.array(workerSchema).default([]),
  realms: z.array(realmSchema).default([]),
  functions: z.array(functionSchema).default([]),
  services: z.record(named('identifier'), serviceSchema).default({}),
  routes: z.array(routeSchema).default([]),
  resources: z.record(z.string(), limitsSchema).default({}),
}

/**
 * One environment: a partial config laid over the base (src/config/environments.ts says how it merges). Each key
 * is optional, and so is each key of a named collection's entry except the one it merges on; below that, values are
 * written as in the base (an entry's `auth` whole, with its `realm`). `tls` and the other arrays replace the base's.
 */
export const environmentSchema = z.strictObject({
  ...z.strictObject(baseShape).partial().shape,
  workers: z.array(workerSchema.partial().required({ name: true })).optional(),
  realms: z.array(realmSchema.partial().required({ name: true })).optional(),
  functions: z.array(functionSchema.partial().required({ name: true })).optional(),
  services: z.record(named('identifier'), serviceSchema.partial()).optional(),
  routes: z.array(routeSchema.partial().required({ host: true })).optional(),
})

export const configSchema = z.strictObject({
  ...baseShape,
  environments: z.record(named('environment'), environmentSchema).optional(),
})

/** What the user may write (optional keys, defaults not yet applied). */
export type ConfigInput = z.input<typeof configSchema>
/** The config after the shape check: every default filled. */
export type ParsedConfig = z.output<typeof configSchema>
export type ParsedRoute = ParsedConfig['routes'][number]
export type RouteTarget = ParsedRoute['to']
/** An env value after the shape check: committed text, or a `.env` key. */
export type ParsedEnvValue = ParsedConfig['functions'][number]['env'][string]
