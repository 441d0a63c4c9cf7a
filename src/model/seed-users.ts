/**
 * The profile a seed user is imported with. Keycloak 26's default user profile requires email, firstName and lastName
 * (keycloak-default-user-profile.json); a user missing one is sent to "update profile" on first login, and the
 * password grant refuses it ("Account is not fully set up"). So every seed user gets all three: what the config
 * says, else a default that Keycloak's validators accept by construction.
 */
import { NAMES } from '../config/names.js'
import type { ParsedConfig } from '../config/schema.js'

type ParsedUser = ParsedConfig['realms'][number]['users'][number]

/** Where a user's email comes from: the config, its email-shaped username, or `<username>@<domain>`. */
export type EmailSource = 'given' | 'username' | 'derived'

export interface SeedUserProfile {
  readonly email: string
  readonly emailSource: EmailSource
  readonly firstName: string
  readonly lastName: string
}

/**
 * firstName defaults to the username and lastName to the realm name: both pass Keycloak's person-name validator
 * (lowercase letters, digits, `.`, `_`, `@`, `-`), which a free-text display name might not. The email defaults to
 * the username when it holds an `@` (validate.ts refuses one that is no address), else `<username>@<domain>`.
 */
export function seedUserProfile(user: ParsedUser, realm: string, domain: string): SeedUserProfile {
  const [email, emailSource]: [string, EmailSource] =
    user.email !== undefined ? [user.email, 'given'] : user.username.includes('@') ? [user.username, 'username'] : [`${user.username}@${domain}`, 'derived']
  return { email, emailSource, firstName: user.firstName ?? user.username, lastName: user.lastName ?? realm }
}

// Keycloak's EmailValidationUtil (server-spi-private/src/main/java/org/keycloak/utils/EmailValidationUtil.java): the
// part before the last "@" is dot-separated atoms of at most 64 characters. Quoted local parts, which it also takes,
// never come out of a username.
const LOCAL_PART = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/i
const MAX_LOCAL_PART = 64

/** Whether Keycloak's email validator takes an address built from a username: a dot-atom, "@", a DNS name. */
export function keycloakTakesEmail(email: string): boolean {
  const at = email.lastIndexOf('@')
  const local = email.slice(0, at)
  return at > 0 && local.length <= MAX_LOCAL_PART && LOCAL_PART.test(local) && NAMES.domain.pattern.test(email.slice(at + 1))
}
