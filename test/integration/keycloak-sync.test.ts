/**
 * keycloak-sync, the generated job that converges Keycloak's realms on every `up`, run for real with node as the
 * compose file runs it (its command and its environment, `${VAR}`s from the generated .env) against a stand-in
 * for Keycloak's admin REST API (test/helpers/fake-keycloak.ts says which Keycloak source each behaviour follows).
 * Only KEYCLOAK_URL differs: the stand-in instead of http://keycloak:8080.
 *
 * Why the job exists: Keycloak's startup import skips a realm that exists ("Realm '…' already exists. Import
 * skipped", keycloak/keycloak quarkus/runtime/.../ImportRealmMixin / ExportImportManager with strategy
 * IGNORE_EXISTING), so anything added to a realm after the first start never arrived; and it substitutes
 * `${VAR}` into the raw file, so a `"` in a .env value broke the JSON on every start.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generate } from '../../src/generate.js'
import { KEYCLOAK_SYNC, KEYCLOAK_SYNC_MOUNT } from '../../src/model/jobs.js'
import { dotenvValues, parseDotenv } from '../../src/write/dotenv.js'
import { composeDoc, resolvedService } from '../helpers/compose-service.js'
import { startFakeKeycloak, type FakeKeycloak } from '../helpers/fake-keycloak.js'

const realm = (extra: { roles?: string[]; clients?: object[]; users?: object[] } = {}) => ({
  name: 'main',
  displayName: 'Main',
  roles: ['user', ...(extra.roles ?? [])],
  clients: [{ id: 'web', type: 'public', redirectUris: ['http://app.localhost/*'] }, ...(extra.clients ?? [])],
  users: [{ username: 'dev', email: 'dev@example.test', roles: ['user'] }, ...(extra.users ?? [])],
})
const config = (r: object) => ({ project: 'kcs', api: { realm: 'main' }, realms: [r] })

let project: string
let out: string
let kc: FakeKeycloak

const composeFile = () => composeDoc(out)
const envValues = () => dotenvValues(parseDotenv(readFileSync(join(out, '.env'), 'utf8')))

async function writeConfig(c: object) {
  writeFileSync(join(project, 'sparkbaas.config.json'), JSON.stringify(c))
  await generate({ cwd: project })
}

/** Runs the job as compose would, from what the last generate wrote. */
async function runSync(overrides: Record<string, string> = {}) {
  const { command, environment } = resolvedService(out, KEYCLOAK_SYNC)
  const [program, script] = command
  expect(program).toBe('node')
  return execa(process.execPath, [script!.replace(KEYCLOAK_SYNC_MOUNT, join(out, 'keycloak'))], {
    env: { ...environment, KEYCLOAK_URL: kc.url, KEYCLOAK_SYNC_ATTEMPTS: '2', KEYCLOAK_SYNC_RETRY_MS: '10', ...overrides },
    extendEnv: false,
    reject: false,
  })
}

/** Sets a .env value by hand, as a user would (double-quoted, escapes as dotenv reads them). */
function editEnv(key: string, value: string) {
  const file = join(out, '.env')
  const quoted = `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')}"`
  const text = readFileSync(file, 'utf8').replace(new RegExp(`^${key}=.*$`, 'm'), `${key}=${quoted}`)
  writeFileSync(file, text)
  expect(envValues().get(key)).toBe(value)
}

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), 'sparkbaas-kcsync-'))
  mkdirSync(project, { recursive: true })
  out = join(project, 'generated')
  await writeConfig(config(realm()))
  const values = envValues()
  kc = await startFakeKeycloak({ username: values.get('KC_BOOTSTRAP_ADMIN_USERNAME')!, password: values.get('KC_BOOTSTRAP_ADMIN_PASSWORD')! })
}, 60_000)

afterAll(async () => {
  await kc?.close()
  rmSync(project, { recursive: true, force: true })
})

// One scenario in steps: each test starts from the state the previous one left in the stand-in, as a stack would.
describe('keycloak-sync converges the realms on every up (steps of one scenario)', () => {
  it('is a one-shot job after Keycloak that Traefik waits for; Keycloak itself no longer imports', () => {
    const services = composeFile().services
    const job = services[KEYCLOAK_SYNC]!
    expect(job.restart).toBe('no')
    expect(job.depends_on).toEqual({ keycloak: { condition: 'service_healthy' } })
    expect(services.traefik!.depends_on?.[KEYCLOAK_SYNC]).toEqual({ condition: 'service_completed_successfully' })
    expect(services.keycloak!.command).toEqual(['start'])
    // The secrets the realm files need are the job's, not Keycloak's.
    expect(Object.keys(services.keycloak!.environment).filter((k) => k.startsWith('REALM_'))).toEqual([])
    expect(Object.keys(job.environment).filter((k) => k.startsWith('REALM_'))).toEqual(['REALM_MAIN_SIGNING_KEY', 'REALM_MAIN_USER_DEV_PASSWORD'])
  })

  it('creates a missing realm whole, with the secrets from .env', async () => {
    const first = await runSync()
    expect(first.exitCode, first.stderr).toBe(0)
    expect(first.stdout.split('\n')).toEqual(['keycloak-sync: realm main: created', 'keycloak-sync: 1 realm in sync'])
    const main = kc.realms.get('main')!
    expect(main.settings).toMatchObject({ realm: 'main', displayName: 'Main', enabled: true })
    expect([...main.roles.keys()]).toEqual(['user'])
    expect(kc.user('main', 'dev')).toMatchObject({ password: envValues().get('REALM_MAIN_USER_DEV_PASSWORD'), roles: new Set(['user']) })
    expect(main.components[0]!.config.privateKey).toEqual([envValues().get('REALM_MAIN_SIGNING_KEY')])
  })

  it('changes nothing when the realm already matches', async () => {
    const before = kc.writes().length
    const again = await runSync()
    expect(again.exitCode, again.stderr).toBe(0)
    expect(again.stdout).toBe('keycloak-sync: 1 realm in sync')
    expect(kc.writes().slice(before)).toEqual([])
  })

  it('adds what the config added later, and keeps what users did at run time', async () => {
    // At run time: dev changed their password, someone signed up, an admin granted a role by hand.
    kc.user('main', 'dev')!.password = 'changed-by-dev'
    await runSync() // (nothing to do yet)
    const main = kc.realms.get('main')!
    main.roles.set('support', { id: 'r-support', name: 'support' })
    main.users.set('u-eve', { id: 'u-eve', username: 'eve', fields: { enabled: true }, password: 'eve-pw', roles: new Set(['support']) })

    // The config grows: a role, a confidential client with a service account, a redirect URI, a user, a role for dev.
    await writeConfig(
      config({
        ...realm({
          roles: ['admin'],
          clients: [{ id: 'backend', type: 'confidential', serviceAccount: true }],
          users: [{ username: 'ops', email: 'ops@example.test', roles: ['admin'] }],
        }),
        clients: [
          { id: 'web', type: 'public', redirectUris: ['http://app.localhost/*', 'http://localhost:5173/*'] },
          { id: 'backend', type: 'confidential', serviceAccount: true },
        ],
        users: [
          { username: 'dev', email: 'dev@example.test', roles: ['user', 'admin'] },
          { username: 'ops', email: 'ops@example.test', roles: ['admin'] },
        ],
      }),
    )
    const result = await runSync()
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stdout.split('\n')).toEqual([
      'keycloak-sync: realm main: role admin created',
      'keycloak-sync: realm main: client web updated',
      'keycloak-sync: realm main: client backend created',
      'keycloak-sync: realm main: user dev granted admin',
      'keycloak-sync: realm main: user ops created',
      'keycloak-sync: realm main: user ops granted admin',
      'keycloak-sync: 1 realm in sync',
    ])
    const values = envValues()
    const web = [...main.clients.values()].find((c) => c.clientId === 'web')!
    expect(web.redirectUris).toEqual(['http://app.localhost/*', 'http://localhost:5173/*'])
    const backend = [...main.clients.values()].find((c) => c.clientId === 'backend')!
    expect(backend.secret).toBe(values.get('REALM_MAIN_BACKEND_SECRET'))
    expect([...main.users.values()].some((u) => u.serviceAccountOf === 'backend')).toBe(true)
    expect(kc.user('main', 'ops')).toMatchObject({ password: values.get('REALM_MAIN_USER_OPS_PASSWORD'), roles: new Set(['admin']) })
    // Run-time data survives: dev's own password, eve and her role, the role made by hand.
    expect(kc.user('main', 'dev')).toMatchObject({ password: 'changed-by-dev', roles: new Set(['user', 'admin']) })
    expect(kc.user('main', 'eve')).toMatchObject({ password: 'eve-pw', roles: new Set(['support']) })
    expect(main.roles.has('support')).toBe(true)
  })

  it('gives an existing seed user the email and names it lacks, and never replaces ones it has', async () => {
    // A user made by an older file without names (Keycloak's default user profile then blocks its login), and one
    // whose names were changed at run time.
    const main = kc.realms.get('main')!
    const dev = kc.user('main', 'dev')!
    dev.fields = { enabled: true }
    kc.user('main', 'ops')!.fields.firstName = 'Olga'
    const result = await runSync()
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stdout.split('\n')).toEqual(['keycloak-sync: realm main: user dev: email, firstName, lastName filled in', 'keycloak-sync: 1 realm in sync'])
    expect(dev.fields).toMatchObject({ email: 'dev@example.test', emailVerified: true, firstName: 'dev', lastName: 'main' })
    expect(kc.user('main', 'ops')!.fields.firstName).toBe('Olga')
    expect(main.users.size).toBeGreaterThan(2)
  })

  it('removes nothing: a role, client or user dropped from the config stays in Keycloak', async () => {
    await writeConfig(config(realm()))
    const result = await runSync()
    expect(result.exitCode, result.stderr).toBe(0)
    const main = kc.realms.get('main')!
    expect(main.roles.has('admin')).toBe(true)
    expect([...main.clients.values()].some((c) => c.clientId === 'backend')).toBe(true)
    expect(kc.user('main', 'ops')).toBeDefined()
  })

  it('carries a hand-edited .env value with quotes, backslashes, a newline and unicode exactly', async () => {
    // (No `$` here: compose itself interpolates `${…}` in a double-quoted .env value before the job sees it.)
    const hostile = 'it\'s "q" \\ `x` # , }\nline2 ünï'
    editEnv('REALM_MAIN_BACKEND_SECRET', hostile)
    await writeConfig(config(realm({ clients: [{ id: 'backend', type: 'confidential', serviceAccount: true }] })))
    expect(envValues().get('REALM_MAIN_BACKEND_SECRET')).toBe(hostile)
    const result = await runSync()
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stdout).toContain('keycloak-sync: realm main: client backend updated')
    const backend = [...kc.realms.get('main')!.clients.values()].find((c) => c.clientId === 'backend')!
    expect(backend.secret).toBe(hostile)
  })

  it('replaces the signing key only when the key in .env changed', async () => {
    const before = kc.writes().length
    expect((await runSync()).exitCode).toBe(0)
    expect(kc.writes().slice(before).filter((w) => w.includes('/components'))).toEqual([])
    // A key rotated by hand in .env (the JWKS beside it is derived by generate) reaches Keycloak.
    const other = await writeOtherKey()
    const rotated = await runSync()
    expect(rotated.exitCode, rotated.stderr).toBe(0)
    expect(rotated.stdout).toContain('keycloak-sync: realm main: component sparkbaas-rsa updated')
    expect(kc.realms.get('main')!.components[0]!.config.privateKey).toEqual([other])
  })

  it('updates realm settings over what Keycloak has, keeping the settings the file does not name', async () => {
    const main = kc.realms.get('main')!
    main.settings.attributes = { cibaBackchannelTokenDeliveryMode: 'push' } // set in the admin console
    await writeConfig(config({ ...realm({ clients: [{ id: 'backend', type: 'confidential', serviceAccount: true }] }), displayName: 'Main Street' }))
    const result = await runSync()
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stdout.split('\n')).toEqual(['keycloak-sync: realm main: settings updated', 'keycloak-sync: 1 realm in sync'])
    expect(main.settings).toMatchObject({ displayName: 'Main Street', attributes: { cibaBackchannelTokenDeliveryMode: 'push' } })
  })

  it('adds a protocol mapper a client lacks, and puts back one changed by hand', async () => {
    const web = [...kc.realms.get('main')!.clients.values()].find((c) => c.clientId === 'web')!
    const mapper = web.protocolMappers.find((m) => m.name === 'postgrest-role')!
    web.protocolMappers = [] // a client made before PostgREST trusted this realm
    const added = await runSync()
    expect(added.exitCode, added.stderr).toBe(0)
    expect(added.stdout).toContain('keycloak-sync: realm main: client web: mapper postgrest-role created')
    const created = web.protocolMappers.find((m) => m.name === 'postgrest-role')!
    expect(created.config).toEqual(mapper.config)
    ;(created.config as Record<string, string>)['claim.value'] = 'anon'
    const fixed = await runSync()
    expect(fixed.stdout).toContain('keycloak-sync: realm main: client web: mapper postgrest-role updated')
    expect((created.config as Record<string, string>)['claim.value']).toBe('authenticated')
  })

  it('fails, saying what to change, when a new seed user\'s email belongs to a user made at run time', async () => {
    const main = kc.realms.get('main')!
    main.users.set('u-zed', { id: 'u-zed', username: 'zed', fields: { email: 'kim@example.test' }, roles: new Set() })
    await writeConfig(config(realm({ users: [{ username: 'kim', email: 'kim@example.test' }] })))
    const result = await runSync()
    expect(result.exitCode).toBe(1)
    expect(result.stderr.trim()).toBe(
      'keycloak-sync: realm main: seed user kim cannot be created: POST /admin/realms/main/users failed: HTTP 409 {"errorMessage":"User exists with same email"} — another user has its email; give the seed user another email in the config',
    )
    main.users.delete('u-zed')
    await writeConfig(config(realm({ clients: [{ id: 'backend', type: 'confidential', serviceAccount: true }] })))
  })

  it('puts the signing key back in use when it was made passive in the console', async () => {
    const component = kc.realms.get('main')!.components[0]!
    component.config.active = ['false']
    const result = await runSync()
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stdout).toContain('keycloak-sync: realm main: component sparkbaas-rsa updated')
    expect(component.config.active).toEqual(['true'])
  })

  it('logs in again when its token expires part way', async () => {
    kc.expireTokensAfter(3)
    try {
      await writeConfig(config(realm({ roles: ['late'], clients: [{ id: 'backend', type: 'confidential', serviceAccount: true }] })))
      const before = kc.requests.filter((r) => r.includes('/openid-connect/token')).length
      const result = await runSync()
      expect(result.exitCode, result.stderr).toBe(0)
      expect(result.stdout).toContain('keycloak-sync: realm main: role late created')
      expect(kc.requests.filter((r) => r.includes('/openid-connect/token')).length - before).toBeGreaterThan(1)
    } finally {
      kc.expireTokensAfter(undefined)
    }
  })

  it('a realm that is new in the config is created beside the existing ones', async () => {
    await writeConfig({ ...config(realm()), realms: [realm(), { name: 'second', roles: ['x'] }] })
    const result = await runSync()
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stdout.split('\n')).toEqual(['keycloak-sync: realm second: created', 'keycloak-sync: 2 realms in sync'])
  })

  it('fills placeholders once: a value that looks like a placeholder stays as it is', async () => {
    const { substitute } = (await import(join(out, 'keycloak', 'sync.mjs'))) as { substitute: (t: string, v: object, f: string) => string }
    expect(JSON.parse(substitute('{"a":"${A}","b":"${B:fallback}"}', { A: '${B}"\n' }, 'x.json'))).toEqual({ a: '${B}"\n', b: 'fallback' })
  })

  it('says why it cannot log in, and exits 1', async () => {
    const result = await runSync({ KEYCLOAK_ADMIN_PASSWORD: 'wrong' })
    expect(result.exitCode).toBe(1)
    expect(result.stderr.trim()).toBe(
      'keycloak-sync: cannot log in to Keycloak\'s master realm as "admin" (HTTP 401). KC_BOOTSTRAP_ADMIN_USERNAME and ' +
        'KC_BOOTSTRAP_ADMIN_PASSWORD in .env must name an admin of the master realm; if you changed that admin\'s password in the console, put the new one in .env.',
    )
  })

  it('says which placeholder is missing from its environment, and exits 1', async () => {
    // Compose refuses to start without the `${VAR:?…}` values; a blueprint override could still ask for more.
    const service = composeFile().services[KEYCLOAK_SYNC]!
    const missing = await execa(process.execPath, [service.command[1]!.replace(KEYCLOAK_SYNC_MOUNT, join(out, 'keycloak'))], {
      env: { KEYCLOAK_URL: kc.url },
      extendEnv: false,
      reject: false,
    })
    expect(missing.exitCode).toBe(1)
    expect(missing.stderr.trim()).toBe(
      'keycloak-sync: main-realm.json needs ${REALM_MAIN_USER_DEV_PASSWORD}, which is not set: add REALM_MAIN_USER_DEV_PASSWORD to .env (sparkbaas generate creates it)',
    )
  })

  it('says which .env key to check when the signing key there is not a key, and exits 1', async () => {
    const file = join(out, '.env')
    const before = readFileSync(file, 'utf8')
    writeFileSync(file, before.replace(/^REALM_MAIN_SIGNING_KEY=.*$/m, 'REALM_MAIN_SIGNING_KEY=bm90IGEga2V5'))
    try {
      const result = await runSync()
      expect(result.exitCode).toBe(1)
      expect(result.stderr.trim()).toBe(
        "keycloak-sync: realm main: the private key of sparkbaas-rsa is not a base64 PKCS#8 RSA key: check the realm's *_SIGNING_KEY in .env",
      )
    } finally {
      writeFileSync(file, before)
    }
  })

  it('says when Keycloak cannot be reached, and exits 1', async () => {
    const port = await closedPort()
    const result = await runSync({ KEYCLOAK_URL: `http://127.0.0.1:${port}` })
    expect(result.exitCode).toBe(1)
    expect(result.stderr.trim()).toBe(`keycloak-sync: cannot reach Keycloak at http://127.0.0.1:${port}: ECONNREFUSED`)
  })
})

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const { createServer } = await import('node:net')
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** Puts a fresh RSA key into .env as the realm's signing key (what a user rotating it by hand would do). */
async function writeOtherKey(): Promise<string> {
  const { generateKeyPairSync } = await import('node:crypto')
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const der = privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64')
  const file = join(out, '.env')
  writeFileSync(file, readFileSync(file, 'utf8').replace(/^REALM_MAIN_SIGNING_KEY=.*$/m, `REALM_MAIN_SIGNING_KEY=${der}`))
  return der
}
