/**
 * Names and kinds of every `.env` key. Kept in one place so the compose file, the realm files and the init SQL
 * all read the same keys, and the secrets store generates exactly those.
 */
import type { ParsedConfig } from '../config/schema.js'
import { byCodePoint } from '../order.js'
import { envName } from './env-names.js'
import { functionDatabase, functionDbPasswordVar, functionRole, secretUses } from './function-access.js'
import type { EnvVar } from './types.js'

export { envName }

export const ENV = {
  postgresPassword: 'POSTGRES_PASSWORD',
  postgresHostPort: 'POSTGRES_HOST_PORT',
  keycloakDbPassword: 'KEYCLOAK_DB_PASSWORD',
  keycloakAdminUser: 'KC_BOOTSTRAP_ADMIN_USERNAME',
  keycloakAdminPassword: 'KC_BOOTSTRAP_ADMIN_PASSWORD',
  authenticatorPassword: 'PGRST_AUTHENTICATOR_PASSWORD',
  authHeadersKey: 'AUTH_HEADERS_KEY',
  realmSigningKey: (realm: string) => envName('REALM', realm, 'SIGNING_KEY'),
  realmJwks: (realm: string) => envName('REALM', realm, 'JWKS'),
  clientSecret: (realm: string, client: string) => envName('REALM', realm, client, 'SECRET'),
  userPassword: (realm: string, username: string) => envName('REALM', realm, 'USER', username, 'PASSWORD'),
} as const

const password = { kind: 'password' } as const
const setting = (value: string) => ({ kind: 'setting', value }) as const

/** Every `.env` key the config needs, in a stable, readable order: sparkbaas's own, then the config's secrets. */
export function resolveEnvVars(config: ParsedConfig, parts: { keycloak: boolean; functions: boolean }): EnvVar[] {
  return [...ownEnvVars(config, parts), ...userSecretVars(config)]
}

/**
 * The keys sparkbaas itself keeps in `.env`. With `every`, also those this config happens not to need (the
 * Postgres host port, PostgREST's password, Keycloak's, the identity-header key): the names a user's secret must
 * never take.
 */
export function ownEnvVars(config: ParsedConfig, parts: { keycloak: boolean; functions: boolean }, every = false): EnvVar[] {
  // Traefik's web ports are not here: they live in the config (`ports`), which every public URL is built from.
  const vars: EnvVar[] = []
  vars.push({ key: ENV.postgresPassword, comment: 'Postgres superuser (postgres) password', generate: password })
  if (config.postgres.exposePort !== false || every) {
    vars.push({
      key: ENV.postgresHostPort,
      comment: 'Host port Postgres is published on (127.0.0.1 only)',
      generate: setting(String(config.postgres.exposePort || 5432)),
    })
  }
  if (config.api || every) {
    vars.push({ key: ENV.authenticatorPassword, comment: 'Password PostgREST logs in with (role authenticator)', generate: password })
  }
  if (parts.functions || every) {
    vars.push({
      key: ENV.authHeadersKey,
      comment: 'Key the verifier signs X-Auth-* identity headers with and the functions runtime checks them with',
      generate: password,
    })
  }
  if (parts.keycloak || every) {
    vars.push(
      { key: ENV.keycloakDbPassword, comment: 'Password of Keycloak\'s database role (keycloak)', generate: password },
      { key: ENV.keycloakAdminUser, comment: 'Keycloak bootstrap admin user (master realm)', generate: setting('admin') },
      { key: ENV.keycloakAdminPassword, comment: 'Keycloak bootstrap admin password', generate: password },
    )
  }
  for (const realm of config.realms) {
    const keyVar = ENV.realmSigningKey(realm.name)
    vars.push(
      { key: keyVar, comment: `Realm ${realm.name}: RSA signing key (PKCS#8, base64)`, generate: { kind: 'rsa-private-key' } },
      {
        key: ENV.realmJwks(realm.name),
        comment: `Realm ${realm.name}: public JWK set of the signing key (PostgREST and the verifier read it)`,
        generate: { kind: 'rsa-public-jwks', from: keyVar },
      },
    )
    for (const client of realm.clients) {
      if (client.type === 'confidential') {
        vars.push({
          key: ENV.clientSecret(realm.name, client.id),
          comment: `Realm ${realm.name}: secret of client ${client.id}`,
          generate: password,
        })
      }
    }
    for (const user of realm.users) {
      vars.push({
        key: ENV.userPassword(realm.name, user.username),
        comment: `Realm ${realm.name}: password of seed user ${user.username}`,
        generate: password,
      })
    }
  }
  for (const fn of config.functions) {
    if (functionDatabase(config, fn.database) === undefined) continue
    vars.push({ key: functionDbPasswordVar(fn.name), comment: `Password of function ${fn.name}'s database role (${functionRole(fn.name)})`, generate: password })
  }
  return vars
}

/** One key per `{ secret }` name of the config, sorted: a random value until the user puts the real one in. */
function userSecretVars(config: ParsedConfig): EnvVar[] {
  const readers = new Map<string, string[]>()
  for (const use of secretUses(config)) readers.set(use.secret, [...(readers.get(use.secret) ?? []), use.reader])
  return [...readers.keys()].sort(byCodePoint).map((key) => {
    const who = readers.get(key)!
    const list = who.length === 1 ? who[0]! : `${who.slice(0, -1).join(', ')} and ${who.at(-1)!}`
    return { key, comment: `Secret read by ${list}; generated at random, replace it with the real value`, generate: password }
  })
}
