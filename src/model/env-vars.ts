/**
 * Names and kinds of every `.env` key. Kept in one place so the compose file, the realm files and the init SQL
 * all read the same keys, and the secrets store generates exactly those.
 */
import type { ParsedConfig } from '../config/schema.js'
import type { EnvVar } from './types.js'

/** `("acme", "my-app")` → `ACME_MY_APP`: the form every generated key takes. */
export const envName = (...parts: readonly string[]): string =>
  parts
    .join('_')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')

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

/** Every `.env` key the config needs, in a stable, readable order. */
export function resolveEnvVars(config: ParsedConfig, parts: { keycloak: boolean; functions: boolean }): EnvVar[] {
  // Traefik's web ports are not here: they live in the config (`ports`), which every public URL is built from.
  const vars: EnvVar[] = []
  vars.push({ key: ENV.postgresPassword, comment: 'Postgres superuser (postgres) password', generate: password })
  if (config.postgres.exposePort !== false) {
    vars.push({
      key: ENV.postgresHostPort,
      comment: 'Host port Postgres is published on (127.0.0.1 only)',
      generate: setting(String(config.postgres.exposePort)),
    })
  }
  if (config.api) {
    vars.push({ key: ENV.authenticatorPassword, comment: 'Password PostgREST logs in with (role authenticator)', generate: password })
  }
  if (parts.functions) {
    vars.push({
      key: ENV.authHeadersKey,
      comment: 'Key the verifier signs X-Auth-* identity headers with and the functions runtime checks them with',
      generate: password,
    })
  }
  if (parts.keycloak) {
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
  return vars
}
