import { generateKeyPairSync } from 'node:crypto'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { ConfigInput } from '../../src/config/schema.js'
import { isSparkbaasError } from '../../src/errors.js'
import type { StackModel } from '../../src/model/types.js'
import { PLACEHOLDER, renderKeycloak } from '../../src/render/keycloak.js'
import { parseDotenv } from '../../src/write/dotenv.js'
import { ensureEnv } from '../../src/write/secrets.js'
import { example, many, modelOf, noWorkers, postgresOnly, realmEdges } from './_fixtures.js'
import { ALLOWED, unknownFields, type ImportedRealm } from './_keycloak-types.js'

const ctx = { functionBundles: new Map<string, string>() }
const rsaKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey

/** The `.env` compose would hand the Keycloak container, as parsed from the generated file. */
function envOf(model: StackModel): Record<string, string> {
  const { text } = ensureEnv(model.env, undefined, { generateRsaKey: () => rsaKey })
  return Object.fromEntries(parseDotenv(text).map((e) => [e.key, e.value ?? '']))
}

/** Keycloak's import: `${VAR}` / `${VAR:default}` replaced in the raw text; unknown ones left as they are. */
const substitute = (text: string, env: Record<string, string>): string =>
  text.replace(PLACEHOLDER, (whole, key: string) => env[key] ?? (whole.includes(':') ? whole.slice(whole.indexOf(':') + 1, -1) : whole))

const placeholders = (text: string): string[] => [...text.matchAll(PLACEHOLDER)].map((m) => m[1]!)

describe('renderKeycloak', () => {
  it('renders the example realm (golden file)', async () => {
    const files = renderKeycloak(modelOf(example), ctx)
    expect(files.map((f) => [f.path, f.format, f.artifact])).toEqual([['keycloak/acme-realm.json', 'json', 'keycloak']])
    await expect(files[0]!.contents).toMatchFileSnapshot('../golden/keycloak/example/acme-realm.json')
  })

  it('renders one file per realm of the many fixture (golden files)', async () => {
    const files = renderKeycloak(modelOf(many), ctx)
    expect(files.map((f) => f.path)).toEqual(['keycloak/customers-realm.json', 'keycloak/staff-realm.json', 'keycloak/partners-realm.json'])
    for (const file of files) await expect(file.contents).toMatchFileSnapshot(`../golden/keycloak/many/${file.path.slice('keycloak/'.length)}`)
  })

  it('renders nothing without realms', () => {
    expect(renderKeycloak(modelOf(postgresOnly), ctx)).toEqual([])
  })

  it('emits exactly the expected realm, typed by Keycloak\'s representation classes', () => {
    // Typed as the import format: tsc rejects any field the representation classes do not have.
    const expected: ImportedRealm = {
      realm: 'acme',
      enabled: true,
      displayName: 'Acme Corp',
      sslRequired: 'external',
      roles: { realm: [{ name: 'admin' }, { name: 'user' }] },
      clients: [
        {
          clientId: 'web',
          enabled: true,
          protocol: 'openid-connect',
          publicClient: true,
          attributes: { 'pkce.code.challenge.method': 'S256' },
          standardFlowEnabled: true,
          implicitFlowEnabled: false,
          directAccessGrantsEnabled: false,
          serviceAccountsEnabled: false,
          protocolMappers: [roleMapper()],
          redirectUris: ['https://app.localhost/*'],
          webOrigins: ['+'],
        },
        {
          clientId: 'backend',
          enabled: true,
          protocol: 'openid-connect',
          publicClient: false,
          clientAuthenticatorType: 'client-secret',
          secret: '${REALM_ACME_BACKEND_SECRET}',
          standardFlowEnabled: false,
          implicitFlowEnabled: false,
          directAccessGrantsEnabled: false,
          serviceAccountsEnabled: true,
          protocolMappers: [roleMapper()],
          redirectUris: [],
          webOrigins: [],
        },
      ],
      users: [
        {
          username: 'dev',
          email: 'dev@acme.test',
          emailVerified: true,
          firstName: 'Dev',
          lastName: 'acme',
          enabled: true,
          credentials: [{ type: 'password', value: '${REALM_ACME_USER_DEV_PASSWORD}', temporary: false }],
          realmRoles: ['admin', 'user'],
        },
        { username: 'service-account-backend', enabled: true, serviceAccountClientId: 'backend', realmRoles: ['user'] },
      ],
      components: {
        'org.keycloak.keys.KeyProvider': [
          {
            name: 'sparkbaas-rsa',
            providerId: 'rsa',
            subComponents: {},
            config: {
              privateKey: ['${REALM_ACME_SIGNING_KEY}'],
              priority: ['100'],
              active: ['true'],
              enabled: ['true'],
              algorithm: ['RS256'],
            },
          },
        ],
      },
    }
    const [file] = renderKeycloak(modelOf(example), ctx)
    expect(JSON.parse(file!.contents)).toStrictEqual(expected)
  })

  it('the compile-time type really rejects unknown fields', () => {
    // If these stop being errors, tsc fails on the unused @ts-expect-error: the typed check above would be toothless.
    // @ts-expect-error `realmName` is not a RealmRepresentation field
    const top: ImportedRealm = { realm: 'a', realmName: 'a' }
    // @ts-expect-error `pkce` is not a ClientRepresentation field
    const nested: ImportedRealm = { clients: [{ clientId: 'a', pkce: 'S256' }] }
    // @ts-expect-error component config values are lists of strings
    const component: ImportedRealm = { components: { t: [{ config: { priority: '100' } }] } }
    expect([top, nested, component]).toHaveLength(3)
  })

  it('uses only fields the representation classes have, at every level (allow-list read from the .d.ts files)', () => {
    expect(ALLOWED.realm.has('sslRequired')).toBe(true)
    expect(ALLOWED.client.has('serviceAccountsEnabled')).toBe(true)
    expect(ALLOWED.realm.has('bogus')).toBe(false)
    expect(unknownFields({ realm: 'x', bogus: 1, clients: [{ clientId: 'c', nope: true }] })).toEqual(['realm: bogus', 'clients[]: nope'])

    for (const config of [example, many, noWorkers, realmEdges, hostile()]) {
      for (const file of renderKeycloak(modelOf(config), ctx)) {
        expect(unknownFields(JSON.parse(file.contents) as Record<string, unknown>), file.path).toEqual([])
      }
    }
  })

  it('adds the role claim mapper only to the clients of the realm PostgREST trusts', () => {
    const mappers = (config: ConfigInput) =>
      renderKeycloak(modelOf(config), ctx).map((f) => {
        const realm = JSON.parse(f.contents) as ImportedRealm
        return [realm.realm, realm.clients?.map((c) => c.protocolMappers)]
      })
    expect(mappers(many)).toEqual([
      ['customers', [[roleMapper()], [roleMapper()], [roleMapper()]]],
      ['staff', [undefined]],
      ['partners', [undefined]],
    ])
    expect(mappers(realmEdges)).toEqual([
      ['staff', [undefined, undefined]],
      ['customers', [[roleMapper()]]],
      ['dev-tools', undefined],
    ])
    expect(mappers({ ...example, api: undefined })).toEqual([['acme', [undefined, undefined]]])
  })

  it('leaves out empty lists, and gives browser login only to clients that can use it', () => {
    const [staff, , devTools] = renderKeycloak(modelOf(realmEdges), ctx).map((f) => JSON.parse(f.contents) as ImportedRealm)
    expect(Object.keys(devTools!)).toEqual(['realm', 'enabled', 'displayName', 'sslRequired', 'components'])
    expect(devTools!.displayName).toBe('dev-tools')
    expect(staff!.clients!.map((c) => [c.clientId, c.standardFlowEnabled, c.serviceAccountsEnabled, c.attributes])).toEqual([
      ['reports', true, false, undefined],
      ['jobs', false, true, undefined],
    ])
    expect(staff!.users).toEqual([
      {
        username: 'bob.smith',
        email: 'bob.smith@example.com',
        emailVerified: true,
        firstName: 'bob.smith',
        lastName: 'Smith',
        enabled: true,
        credentials: [{ type: 'password', value: '${REALM_STAFF_USER_BOB_SMITH_PASSWORD}', temporary: false }],
        realmRoles: ['viewer'],
      },
      { username: 'service-account-jobs', enabled: true, serviceAccountClientId: 'jobs', realmRoles: [] },
    ])
  })

  it('references only .env keys, and is valid JSON carrying the .env values once Keycloak substitutes them', () => {
    for (const config of [example, many, noWorkers, realmEdges]) {
      const model = modelOf(config)
      const env = envOf(model)
      for (const file of renderKeycloak(model, ctx)) {
        const keys = placeholders(file.contents)
        expect(keys.length).toBeGreaterThan(0)
        for (const key of keys) expect(Object.keys(env), `${file.path}: \${${key}}`).toContain(key)

        const imported = JSON.parse(substitute(file.contents, env)) as ImportedRealm
        const realm = model.realms.find((r) => r.name === imported.realm)!
        expect(imported.components!['org.keycloak.keys.KeyProvider']![0]!.config!.privateKey).toEqual([env[realm.signingKeyVar]])
        for (const client of realm.clients) {
          const out = imported.clients!.find((c) => c.clientId === client.id)!
          expect(out.secret).toBe(client.secretVar ? env[client.secretVar] : undefined)
        }
        for (const user of realm.users) {
          const out = imported.users!.find((u) => u.username === user.username)!
          expect(out.credentials).toEqual([{ type: 'password', value: env[user.passwordVar], temporary: false }])
        }
        expect(JSON.stringify(imported)).not.toContain('${')
      }
    }
  })

  it('keeps hostile free text exactly, and never lets it become a placeholder', () => {
    const model = modelOf(hostile())
    const env = envOf(model)
    const [file] = renderKeycloak(model, ctx)
    // The only placeholders are the realm's own secrets, in the order the blueprint prints them.
    expect(placeholders(file!.contents)).toEqual([
      'REALM_ACME_WEB_SECRET',
      'REALM_ACME_USER_DEV_PASSWORD',
      'REALM_ACME_SIGNING_KEY',
    ])
    expect(file!.contents).not.toMatch(/[\u2028\u2029]/)
    for (const text of [file!.contents, substitute(file!.contents, env)]) {
      const realm = JSON.parse(text) as ImportedRealm
      expect(realm.displayName).toBe(HOSTILE)
      expect(realm.clients![0]!.redirectUris).toEqual([`https://app.localhost/${HOSTILE}`, HOSTILE])
      expect(realm.clients![0]!.webOrigins).toEqual([HOSTILE])
      expect(realm.users![0]!.firstName).toBe(HOSTILE_NAME)
      expect(realm.users![0]!.lastName).toBe(`${HOSTILE_NAME}${HOSTILE_NAME}`)
    }
  })

  describe('a blueprint override that breaks the file is refused', () => {
    const override = (template: string) => {
      const dir = mkdtempSync(join(tmpdir(), 'sparkbaas-kc-'))
      mkdirSync(join(dir, 'keycloak'))
      writeFileSync(join(dir, 'keycloak', 'realm.json.hbs'), template)
      return { ...ctx, blueprintsDir: dir }
    }
    const refused = (config: ConfigInput, template: string) => {
      try {
        renderKeycloak(modelOf(config), override(template))
      } catch (error) {
        if (isSparkbaasError(error) && error.code === 'render_failed') return error.message
        throw error
      }
      throw new Error('expected render_failed')
    }

    it('invalid JSON', () => {
      expect(refused(example, '{ "realm": {{kc realm}}, }')).toMatch(
        /^blueprint keycloak\/realm\.json\.hbs produced invalid JSON for realm acme: .*JSON/,
      )
    })
    it('a placeholder .env does not define', () => {
      expect(refused(example, '{ "realm": {{kc realm}}, "smtpServer": { "password": "${SMTP_PASSWORD}" } }')).toBe(
        'blueprint keycloak/realm.json.hbs produced invalid JSON for realm acme: placeholder ${SMTP_PASSWORD} is not a key of .env',
      )
    })
    it('a value printed without its escaping helper', () => {
      const template = '{ "realm": {{kc realm}}, "enabled": true, "displayName": "{{displayName}}" }'
      expect(refused({ ...example, realms: [{ name: 'acme', displayName: 'Acme "Corp"' }] }, template)).toMatch(
        /^blueprint keycloak\/realm\.json\.hbs produced invalid JSON for realm acme: /,
      )
      expect(refused({ ...example, realms: [{ name: 'acme', displayName: 'Acme Corp' }] }, template)).toBe(
        'blueprint keycloak/realm.json.hbs produced invalid JSON for realm acme: components does not carry the expected value',
      )
    })
  })
})

function roleMapper() {
  return {
    name: 'postgrest-role',
    protocol: 'openid-connect',
    protocolMapper: 'oidc-hardcoded-claim-mapper',
    config: {
      'claim.name': 'role',
      'claim.value': 'authenticated',
      'jsonType.label': 'String',
      'access.token.claim': 'true',
      'introspection.token.claim': 'true',
      'id.token.claim': 'false',
      'userinfo.token.claim': 'false',
    },
  }
}

/** Quotes, backslashes, a newline, `$`, a real secret's placeholder, a backtick, `#`, unicode, U+2028/U+2029. */
const HOSTILE = '"\' \\ \n $ ${X} ${REALM_ACME_SIGNING_KEY} $${Y} \\u0024{Z} ` # é 😀 \u2028 \u2029 \t end'

/** What of HOSTILE a person's name may hold (Keycloak's person-name validator refuses the rest; the schema does too). */
const HOSTILE_NAME = "' ` @ é 😀 ’ end"

function hostile(): ConfigInput {
  return {
    project: 'acme',
    api: { realm: 'acme' },
    realms: [
      {
        name: 'acme',
        displayName: HOSTILE,
        roles: ['user'],
        clients: [{ id: 'web', type: 'confidential', redirectUris: [`https://app.localhost/${HOSTILE}`, HOSTILE], webOrigins: [HOSTILE] }],
        users: [{ username: 'dev', firstName: HOSTILE_NAME, lastName: `${HOSTILE_NAME}${HOSTILE_NAME}`, roles: ['user'] }],
      },
    ],
  }
}

describe('what Keycloak 26 needs at run time', () => {
  const realmOf = (config: ConfigInput, index = 0) => JSON.parse(renderKeycloak(modelOf(config), ctx)[index]!.contents) as ImportedRealm
  const oneRealm = (realm: NonNullable<ConfigInput['realms']>[number], domain = 'localhost'): ConfigInput => ({ project: 'acme', domain, realms: [realm] })

  it('public clients allow CORS from the origins of their redirect URIs ("+") unless told otherwise; confidential clients allow none', () => {
    // Keycloak answers a browser's token request with Access-Control-Allow-Origin only for an origin in the client's
    // web origins; "+" stands for the origins of its valid redirect URIs (keycloak/keycloak
    // services/src/main/java/org/keycloak/protocol/oidc/utils/WebOriginsUtils.java, resolveValidWebOrigins, used by
    // services/src/main/java/org/keycloak/services/cors/DefaultCors.java). An empty list means no CORS header at all, so
    // a browser app could not exchange its PKCE code.
    const realm = realmOf(
      oneRealm({
        name: 'acme',
        clients: [
          { id: 'spa', type: 'public', redirectUris: ['https://app.localhost/*'] },
          { id: 'closed', type: 'public', redirectUris: ['https://app.localhost/*'], webOrigins: [] },
          { id: 'listed', type: 'public', webOrigins: ['https://other.localhost'] },
          { id: 'server', type: 'confidential', redirectUris: ['https://app.localhost/callback'] },
        ],
      }),
    )
    expect(realm.clients!.map((c) => [c.clientId, c.webOrigins])).toEqual([
      ['spa', ['+']],
      ['closed', []],
      ['listed', ['https://other.localhost']],
      ['server', []],
    ])
  })

  it('seed users carry what the default user profile requires, so no "update profile" stands between them and a token', () => {
    // keycloak/keycloak services/src/main/resources/org/keycloak/userprofile/config/keycloak-default-user-profile.json:
    // email, firstName and lastName are required for the "user" role; a user missing one gets VERIFY_PROFILE on login
    // (services/src/main/java/org/keycloak/authentication/requiredactions/VerifyUserProfile.java).
    const realm = realmOf(
      oneRealm(
        {
          name: 'shop',
          displayName: 'The (Best) Shop',
          users: [
            { username: 'dev' },
            { username: 'ann@shop.example.com', firstName: 'Ann' },
            { username: 'bob', email: 'bob@mail.example.com', firstName: 'Bob', lastName: 'Builder' },
          ],
        },
        'shop.example.com',
      ),
    )
    expect(realm.users!.map(({ username, email, emailVerified, firstName, lastName }) => ({ username, email, emailVerified, firstName, lastName }))).toEqual([
      { username: 'dev', email: 'dev@shop.example.com', emailVerified: true, firstName: 'dev', lastName: 'shop' },
      { username: 'ann@shop.example.com', email: 'ann@shop.example.com', emailVerified: true, firstName: 'Ann', lastName: 'shop' },
      { username: 'bob', email: 'bob@mail.example.com', emailVerified: true, firstName: 'Bob', lastName: 'Builder' },
    ])
  })

  it('a client with a service account gets its service-account user, linked by serviceAccountClientId, with its realm roles', () => {
    // Keycloak's import links a user to a client through serviceAccountClientId (keycloak/keycloak
    // model/storage-private/src/main/java/org/keycloak/storage/datastore/DefaultExportImportManager.java, createUser:
    // user.setServiceAccountClientLink) and only creates a role-less service account for a client that has none
    // (services/src/main/java/org/keycloak/services/managers/RealmManager.java,
    // setupClientServiceAccountsAndAuthorizationOnImport). The name is Keycloak's own: "service-account-" + clientId.
    const realm = realmOf(
      oneRealm({
        name: 'acme',
        roles: ['backend', 'user'],
        clients: [
          { id: 'jobs', type: 'confidential', serviceAccount: true, serviceAccountRoles: ['backend', 'user'] },
          { id: 'cron', type: 'confidential', serviceAccount: true },
          { id: 'web', type: 'public' },
        ],
        users: [{ username: 'dev', roles: ['user'] }],
      }),
    )
    expect(realm.users!.slice(1)).toEqual([
      { username: 'service-account-jobs', enabled: true, serviceAccountClientId: 'jobs', realmRoles: ['backend', 'user'] },
      { username: 'service-account-cron', enabled: true, serviceAccountClientId: 'cron', realmRoles: [] },
    ])
    expect(unknownFields(realm as Record<string, unknown>)).toEqual([])
  })
})
