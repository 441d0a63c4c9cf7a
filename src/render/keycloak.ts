/**
 * `keycloak/<realm>-realm.json`: one realm file per realm, a full RealmRepresentation that keycloak-sync
 * (keycloak/sync.mjs) creates the realm from, or converges an existing realm on. Keycloak's importer is strict
 * (an unknown field fails the import), so the blueprint emits only fields of Keycloak 26's representation classes.
 * Secrets are `${VAR}` placeholders keycloak-sync fills from its environment (JSON-escaped) before parsing; every free-text value goes through the `kc` helper, which writes `$` as `\u0024` so user text
 * can never become a placeholder.
 */
import { isDeepStrictEqual } from 'node:util'
import { ROLE_CLAIM, SERVICE_ACCOUNT_USER_PREFIX } from '../config/defaults.js'
import { SparkbaasError } from '../errors.js'
import type { RealmModel, StackModel } from '../model/types.js'
import { renderBlueprint } from './blueprints.js'
import type { RenderContext } from './index.js'
import type { RenderedFile } from './types.js'

export const REALM_BLUEPRINT = 'keycloak/realm.json.hbs'

export { ROLE_CLAIM }
export const ROLE_MAPPER_NAME = 'postgrest-role'

export const KEY_PROVIDER_TYPE = 'org.keycloak.keys.KeyProvider'
export const KEY_PROVIDER_NAME = 'sparkbaas-rsa'

export const realmFile = (realm: string): string => `keycloak/${realm}-realm.json`

interface ClientView {
  clientId: string
  publicClient: boolean
  secretVar: string | null
  standardFlowEnabled: boolean
  serviceAccountsEnabled: boolean
  redirectUris: readonly string[]
  webOrigins: readonly string[]
  claimMappers: { name: string; claim: string; value: string }[]
}

/**
 * A user of the realm file: a seed user (profile and password) or a client's service-account user (linked by
 * `serviceAccountClientId`, no profile, no password). The nulls tell the blueprint which fields to leave out.
 */
interface UserView {
  username: string
  email: string | null
  firstName: string | null
  lastName: string | null
  passwordVar: string | null
  serviceAccountClientId: string | null
  realmRoles: readonly string[]
}

export interface RealmView {
  realm: string
  displayName: string
  roles: readonly string[]
  clients: ClientView[]
  users: UserView[]
  signingKeyVar: string
}

/** The precomputed view of one realm: every decision is made here, the blueprint only prints. */
export function realmView(model: StackModel, realm: RealmModel): RealmView {
  // Only the realm PostgREST trusts gets the role claim: tokens of other realms must not open the API.
  const api = model.api?.realm === realm.name ? model.api : undefined
  return {
    realm: realm.name,
    displayName: realm.displayName,
    roles: realm.roles,
    clients: realm.clients.map((client) => ({
      clientId: client.id,
      publicClient: client.type === 'public',
      secretVar: client.type === 'confidential' ? requireVar(client.secretVar, `client ${client.id}`) : null,
      // A confidential client with no redirect URI is a machine client: no browser login.
      standardFlowEnabled: client.type === 'public' || client.redirectUris.length > 0,
      serviceAccountsEnabled: client.type === 'confidential' && client.serviceAccount,
      redirectUris: client.redirectUris,
      webOrigins: client.webOrigins,
      claimMappers: api ? [{ name: ROLE_MAPPER_NAME, claim: ROLE_CLAIM, value: api.authenticatedRole }] : [],
    })),
    users: [
      ...realm.users.map((user) => ({
        username: user.username,
        email: user.email,
        firstName: user.firstName,
        lastName: user.lastName,
        passwordVar: user.passwordVar,
        serviceAccountClientId: null,
        realmRoles: user.roles,
      })),
      // Keycloak gives a client's service account only the roles of a user linked to it in the import; without one it
      // creates a user with no roles (RealmManager.setupClientServiceAccountsAndAuthorizationOnImport).
      ...realm.clients
        .filter((client) => client.type === 'confidential' && client.serviceAccount)
        .map((client) => ({
          username: `${SERVICE_ACCOUNT_USER_PREFIX}${client.id}`,
          email: null,
          firstName: null,
          lastName: null,
          passwordVar: null,
          serviceAccountClientId: client.id,
          realmRoles: client.serviceAccountRoles,
        })),
    ],
    signingKeyVar: realm.signingKeyVar,
  }
}

const requireVar = (key: string | undefined, what: string): string => {
  if (key === undefined) throw new Error(`internal: ${what} has no .env key`)
  return key
}

export function renderKeycloak(model: StackModel, ctx: RenderContext): RenderedFile[] {
  const envKeys = new Set(model.env.map((v) => v.key))
  return model.realms.map((realm) => {
    const view = realmView(model, realm)
    const contents = renderBlueprint(REALM_BLUEPRINT, view, ctx.blueprintsDir)
    const path = realmFile(realm.name)
    if (!ctx.verified?.(path, contents)) checkRealmFile(contents, view, envKeys)
    return { path, contents, format: 'json', artifact: 'keycloak', blueprint: REALM_BLUEPRINT }
  })
}

/** A `${VAR}` or `${VAR:default}` placeholder as Keycloak's importer substitutes it. */
export const PLACEHOLDER = /\$\{([^}:]*)(?::[^}]*)?\}/g

/**
 * Parses the rendered file back and checks it carries the view: every value the view holds, exactly (extra
 * fields from a user's blueprint override are allowed), and no placeholder that `.env` does not define.
 */
function checkRealmFile(contents: string, view: RealmView, envKeys: ReadonlySet<string>): void {
  const fail = (what: string): never => {
    throw new SparkbaasError('render_failed', `blueprint ${REALM_BLUEPRINT} produced invalid JSON for realm ${view.realm}: ${what}`, {
      hint: 'If you override this blueprint in blueprints/, compare it with the built-in one (sparkbaas blueprints eject).',
    })
  }
  for (const [, key] of contents.matchAll(PLACEHOLDER)) {
    if (!envKeys.has(key!)) fail(`placeholder \${${key}} is not a key of .env`)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(contents)
  } catch (error) {
    fail((error as Error).message)
  }
  const mismatch = firstMismatch(parsed, expectedRealm(view), '')
  if (mismatch !== undefined) fail(`${mismatch || 'the file'} does not carry the expected value`)
}

const placeholder = (key: string): string => `\${${key}}`

/** What the parsed file must contain for this view (placeholders still in place). */
export function expectedRealm(view: RealmView): Record<string, unknown> {
  return {
    realm: view.realm,
    enabled: true,
    displayName: view.displayName,
    ...(view.roles.length > 0 ? { roles: { realm: view.roles.map((name) => ({ name })) } } : {}),
    ...(view.clients.length > 0 ? { clients: view.clients.map(expectedClient) } : {}),
    ...(view.users.length > 0 ? { users: view.users.map(expectedUser) } : {}),
    components: {
      [KEY_PROVIDER_TYPE]: [{ name: KEY_PROVIDER_NAME, providerId: 'rsa', config: { privateKey: [placeholder(view.signingKeyVar)] } }],
    },
  }
}

const expectedClient = (c: ClientView): Record<string, unknown> => ({
  clientId: c.clientId,
  publicClient: c.publicClient,
  ...(c.publicClient ? { attributes: { 'pkce.code.challenge.method': 'S256' } } : {}),
  ...(c.secretVar ? { clientAuthenticatorType: 'client-secret', secret: placeholder(c.secretVar) } : {}),
  standardFlowEnabled: c.standardFlowEnabled,
  directAccessGrantsEnabled: false,
  serviceAccountsEnabled: c.serviceAccountsEnabled,
  redirectUris: c.redirectUris,
  webOrigins: c.webOrigins,
  ...(c.claimMappers.length > 0
    ? {
        protocolMappers: c.claimMappers.map((m) => ({
          name: m.name,
          protocolMapper: 'oidc-hardcoded-claim-mapper',
          config: { 'claim.name': m.claim, 'claim.value': m.value, 'access.token.claim': 'true' },
        })),
      }
    : {}),
})

const expectedUser = (u: UserView): Record<string, unknown> => ({
  username: u.username,
  ...(u.email !== null ? { email: u.email, emailVerified: true } : {}),
  ...(u.firstName !== null ? { firstName: u.firstName } : {}),
  ...(u.lastName !== null ? { lastName: u.lastName } : {}),
  enabled: true,
  ...(u.serviceAccountClientId !== null ? { serviceAccountClientId: u.serviceAccountClientId } : {}),
  ...(u.passwordVar !== null ? { credentials: [{ type: 'password', value: placeholder(u.passwordVar), temporary: false }] } : {}),
  realmRoles: u.realmRoles,
})

/**
 * The path of the first expected value `actual` lacks; `undefined` when it has them all. Objects may carry more
 * keys; arrays must have the expected items first, in order.
 */
export function firstMismatch(actual: unknown, expected: unknown, path: string): string | undefined {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length < expected.length) return path
    for (let i = 0; i < expected.length; i++) {
      const m = firstMismatch(actual[i], expected[i], `${path}[${i}]`)
      if (m !== undefined) return m
    }
    return undefined
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return path
    for (const [key, value] of Object.entries(expected)) {
      if (!Object.hasOwn(actual, key)) return path ? `${path}.${key}` : key
      const m = firstMismatch((actual as Record<string, unknown>)[key], value, path ? `${path}.${key}` : key)
      if (m !== undefined) return m
    }
    return undefined
  }
  return isDeepStrictEqual(actual, expected) ? undefined : path
}
