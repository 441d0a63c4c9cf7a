/**
 * Cross-field rules for what a realm's users become in Keycloak: seed users and clients' service-account users.
 * Part of RULES in validate.ts, which re-exports them.
 */
import type { Problem } from '../errors.js'
import { keycloakTakesEmail, seedUserProfile } from '../model/seed-users.js'
import { SERVICE_ACCOUNT_USER_PREFIX } from './defaults.js'
import type { Rule } from './validate.js'

const problem = (path: string, code: string, message: string): Problem => ({ path, code, message })

/** Only a confidential client with `serviceAccount: true` has a service-account user to hold roles. */
export const serviceAccountRoles: Rule = (config) =>
  config.realms.flatMap((realm, r) =>
    realm.clients.flatMap((client, c) => {
      if (client.serviceAccountRoles.length === 0 || (client.type === 'confidential' && client.serviceAccount)) return []
      const message =
        client.type === 'public'
          ? `client "${client.id}" is public, and only confidential clients have a service account (client-credentials grant) — make it type: "confidential" with serviceAccount: true, or remove serviceAccountRoles`
          : `client "${client.id}" has no service account to grant roles to — set serviceAccount: true, or remove serviceAccountRoles`
      return [problem(`realms[${r}].clients[${c}].serviceAccountRoles`, 'no_service_account', message)]
    }),
  )

const EMAIL_ORIGIN = { given: '', username: ' (its username)', derived: ' (derived from its username)' } as const

/**
 * Seed users are imported complete for Keycloak's default user profile (src/model/seed-users.ts), so the email each
 * one gets must be an address, unique in its realm (Keycloak refuses a second user with the same email unless the
 * realm allows duplicates), and no seed user may take a name Keycloak gives to service accounts.
 */
export const seedUsers: Rule = (config) =>
  config.realms.flatMap((realm, r) => {
    const emails = new Map<string, string>()
    return realm.users.flatMap((user, u) => {
      const path = `realms[${r}].users[${u}]`
      if (user.username.startsWith(SERVICE_ACCOUNT_USER_PREFIX)) {
        const message = `usernames starting with "${SERVICE_ACCOUNT_USER_PREFIX}" are the ones Keycloak gives to clients' service accounts — choose another`
        return [problem(`${path}.username`, 'reserved_name', message)]
      }
      const { email, emailSource } = seedUserProfile(user, realm.name, config.domain)
      if (emailSource === 'given' && !keycloakTakesEmail(email)) {
        const message = `"${email}" is not an email Keycloak accepts (at most 64 characters before "@", no "." at either end or twice in a row) — use another`
        return [problem(`${path}.email`, 'invalid_email', message)]
      }
      if (emailSource !== 'given' && !keycloakTakesEmail(email)) {
        const message =
          emailSource === 'username'
            ? `username "${user.username}" contains "@" but is not an email address, so it cannot double as the email Keycloak's default user profile requires — set email`
            : `"${email}", the email derived from the username, is not one Keycloak accepts (at most 64 characters before "@", no "." at either end or twice in a row) — set email`
        return [problem(path, 'email_required', message)]
      }
      // Keycloak stores emails lowercased, unique per realm unless duplicateEmailsAllowed (keycloak/keycloak
      // model/jpa/src/main/java/org/keycloak/models/jpa/UserAdapter.java, setEmail), so the import would fail.
      const key = email.toLowerCase()
      const earlier = emails.get(key)
      if (earlier === undefined) {
        emails.set(key, `${path}${EMAIL_ORIGIN[emailSource]}`)
        return []
      }
      const message = `email "${email}" is also the email of ${earlier} — Keycloak allows one user per email in a realm; give each user its own`
      return [problem(`${path}.email`, 'duplicate_email', message)]
    })
  })
