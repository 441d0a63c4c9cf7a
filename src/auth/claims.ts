/**
 * What `sparkbaas token` puts in a token, decided from the model alone: which realm, which user, which realm roles,
 * how long, and the claims Keycloak would give such a user's access token. Pure: no file, no clock, no key.
 *
 * The claims are the ones the generated stack reads:
 * - the verifier (verifier/verifier.mjs) checks the RS256 signature under the realm's `kid`, `exp`, `iat`, `typ`
 *   "Bearer" and `iss` equal to the realm's issuer (`VERIFIER_REALMS`), then the route's roles in
 *   `realm_access.roles`; it passes `sub` and `preferred_username` on as X-Auth-Subject / X-Auth-Username;
 * - PostgREST checks the signature with `PGRST_JWT_SECRET` (the realm's JWK set), `exp`/`nbf`/`iat`, `aud` only when
 *   `PGRST_JWT_AUD` is set (it is not), and switches to the role named by `PGRST_JWT_ROLE_CLAIM_KEY` (`.role`), the
 *   claim the API realm's clients hardcode (config/defaults.ts, `ROLE_CLAIM`).
 */
import { createHash } from 'node:crypto'
import { ROLE_CLAIM } from '../config/defaults.js'
import { NAMES } from '../config/names.js'
import { SparkbaasError } from '../errors.js'
import type { RealmModel, StackModel } from '../model/types.js'

export const DEFAULT_TTL_SECONDS = 3600
/** A day: long enough for a working session of curl, short enough that a leaked token dies on its own. */
export const MAX_TTL_SECONDS = 24 * 3600
/** `preferred_username` of a token minted without --user: says where the token came from in every log line. */
export const DEFAULT_TOKEN_USER = 'sparkbaas-token'
/** Keycloak's access tokens of a user with the default roles carry the `account` client as audience. */
const AUDIENCE = 'account'

export interface TokenRequest {
  readonly realm?: string | undefined
  readonly user?: string | undefined
  /** Realm roles; empty = the seed user's roles, or none. */
  readonly roles?: readonly string[]
  readonly ttlSeconds?: number
}

export interface TokenPlan {
  readonly realm: RealmModel
  readonly user: string
  readonly roles: readonly string[]
  readonly ttlSeconds: number
  /** The realm PostgREST trusts: its tokens carry the role claim. */
  readonly api: boolean
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 }

/** `90`, `45s`, `15m`, `1h`, `1d` → seconds, between 1 s and {@link MAX_TTL_SECONDS}. */
export function parseTtl(text: string): number {
  const match = /^(\d{1,9})([smhd]?)$/.exec(text)
  if (!match) {
    throw new SparkbaasError('usage', `--ttl needs a duration such as 90s, 15m or 1h, not ${JSON.stringify(text)}.`, {
      hint: `A number alone is seconds; a token lives at most ${formatTtl(MAX_TTL_SECONDS)}.`,
    })
  }
  const seconds = Number(match[1]) * UNITS[match[2] || 's']!
  if (seconds < 1 || seconds > MAX_TTL_SECONDS) {
    throw new SparkbaasError('usage', `--ttl must be between 1s and ${formatTtl(MAX_TTL_SECONDS)}, not ${JSON.stringify(text)}.`, {
      hint: `A token lives at most ${formatTtl(MAX_TTL_SECONDS)}: mint a new one when it expires.`,
    })
  }
  return seconds
}

/** Seconds in the largest unit that divides them, hours at most: 86400 → "24h", 3600 → "1h", 90 → "90s". */
export function formatTtl(seconds: number): string {
  for (const unit of ['h', 'm'] as const) if (seconds % UNITS[unit]! === 0) return `${seconds / UNITS[unit]!}${unit}`
  return `${seconds}s`
}

/** The realm a token is for when none is named: the API's, else the only one. */
export function defaultRealm(model: StackModel): RealmModel | undefined {
  const apiRealm = model.api?.realm
  if (apiRealm !== undefined) return model.realms.find((r) => r.name === apiRealm)
  return model.realms.length === 1 ? model.realms[0] : undefined
}

const quoted = (values: readonly string[]) => values.map((v) => JSON.stringify(v)).join(', ')
const sortedNames = (model: StackModel) => model.realms.map((r) => r.name).sort()

export function planToken(model: StackModel, request: TokenRequest): TokenPlan {
  const realm = pickRealm(model, request.realm)
  const user = request.user ?? DEFAULT_TOKEN_USER
  if (!NAMES.username.pattern.test(user)) {
    throw new SparkbaasError('usage', `--user ${JSON.stringify(user)} is not a username: expected ${NAMES.username.expected}.`, {
      hint: `For example: --user ${realm.users[0]?.username ?? NAMES.username.example}.`,
    })
  }
  const asked = [...new Set(request.roles ?? [])]
  const unknown = asked.filter((role) => !realm.roles.includes(role))
  if (unknown.length > 0) {
    const which = unknown.length === 1 ? `Role ${quoted(unknown)} is not a role` : `Roles ${quoted(unknown)} are not roles`
    if (realm.roles.length === 0) {
      throw new SparkbaasError('usage', `${which} of realm ${realm.name}, which has no roles.`, {
        hint: "Add it to the realm's roles in the config and run `sparkbaas generate`.",
      })
    }
    throw new SparkbaasError('usage', `${which} of realm ${realm.name}; its roles are: ${realm.roles.join(', ')}.`, {
      hint: "Pass one of them with --role, or add it to the realm's roles in the config and run `sparkbaas generate`.",
    })
  }
  const seed = realm.users.find((u) => u.username === user)
  return {
    realm,
    user,
    roles: asked.length > 0 ? asked : (seed?.roles ?? []),
    ttlSeconds: request.ttlSeconds ?? DEFAULT_TTL_SECONDS,
    api: model.api?.realm === realm.name,
  }
}

function pickRealm(model: StackModel, name: string | undefined): RealmModel {
  if (model.realms.length === 0) {
    throw new SparkbaasError('usage', "The config has no realms, and a token is signed with a realm's key.", {
      hint: 'Add a realm under `realms` in the config, then run `sparkbaas generate`.',
    })
  }
  const names = sortedNames(model)
  if (name !== undefined) {
    const realm = model.realms.find((r) => r.name === name)
    if (realm) return realm
    throw new SparkbaasError('usage', `--realm ${JSON.stringify(name)} is not a realm of the config; its realms are: ${names.join(', ')}.`, {
      hint: `Pass one of them, e.g. \`--realm ${defaultRealm(model)?.name ?? names[0]}\`.`,
    })
  }
  const realm = defaultRealm(model)
  if (realm) return realm
  throw new SparkbaasError('usage', `Which realm? The config has ${names.length} realms and no api realm: ${names.join(', ')}.`, {
    hint: `Pass one of them, e.g. \`--realm ${names[0]}\`.`,
  })
}

/**
 * The access token's claims, in the order Keycloak writes them. `sub` is a stable UUID derived from realm and
 * username (a name-based UUID, RFC 9562 §5.5): Keycloak's own user ids are made when the user is created, so no
 * tool can know them offline, but the same user always gets the same subject here.
 */
export function tokenClaims(model: StackModel, plan: TokenPlan, now: { iat: number; jti: string }): Record<string, unknown> {
  const seed = plan.realm.users.find((u) => u.username === plan.user)
  return {
    exp: now.iat + plan.ttlSeconds,
    iat: now.iat,
    jti: now.jti,
    iss: plan.realm.issuer,
    aud: AUDIENCE,
    sub: subjectOf(plan.realm.name, plan.user),
    typ: 'Bearer',
    realm_access: { roles: [...plan.roles] },
    ...(plan.api && model.api ? { [ROLE_CLAIM]: model.api.authenticatedRole } : {}),
    preferred_username: plan.user,
    ...(seed
      ? { email: seed.email, email_verified: true, name: `${seed.firstName} ${seed.lastName}`, given_name: seed.firstName, family_name: seed.lastName }
      : {}),
  }
}

/** A fixed namespace for the subjects of minted tokens (a random UUID, chosen once). */
const SUBJECT_NAMESPACE = Buffer.from('3d0f6c1e8b2a4f5c9e7d1a2b3c4d5e6f', 'hex')

/** UUID version 5 of `<realm>/<username>` in {@link SUBJECT_NAMESPACE}. */
export function subjectOf(realm: string, username: string): string {
  const hash = createHash('sha1').update(SUBJECT_NAMESPACE).update(`${realm}/${username}`).digest().subarray(0, 16)
  hash[6] = (hash[6]! & 0x0f) | 0x50
  hash[8] = (hash[8]! & 0x3f) | 0x80
  const hex = hash.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/** The `sparkbaas token` command that mints a token for the realm the model's API trusts with `roles`. */
export function tokenCommand(roles: readonly string[]): string {
  return ['sparkbaas token', ...roles.map((role) => `--role ${role}`)].join(' ')
}
