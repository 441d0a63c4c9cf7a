// keycloak-sync: makes Keycloak's realms match the realm files beside this script, on every `up`.
//
// Keycloak's own `--import-realm` skips a realm that exists, so a role, client or user added to the config after
// the first start would never arrive. This job runs once per `up` (a one-shot compose service) and talks to the
// admin REST API instead:
// - a realm that does not exist is created whole from its file (POST /admin/realms, the same importer);
// - in a realm that exists, it adds what is missing and updates what the file owns: the realm's display settings,
//   roles, clients (their settings and protocol mappers), seed users (created once; afterwards only granted the
//   roles the file gives them and given an email or name where they have none), service-account roles, and the
//   signing key (replaced only when the key in .env changed);
// - it never deletes anything and never replaces a user's password, name or email once the user exists, so users,
//   passwords and roles created at run time survive.
//
// `${VAR}` placeholders are filled from this process's environment with the value escaped for a JSON string, so
// a quote, backslash or newline in a .env value cannot break the file (Keycloak's importer pastes them raw).
// Node's standard library only: the container runs this file as it is.
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto'
import { readdirSync, readFileSync, realpathSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const env = process.env
const DIR = env.KEYCLOAK_SYNC_DIR || dirname(fileURLToPath(import.meta.url))
const BASE = (env.KEYCLOAK_URL || 'http://keycloak:8080').replace(/\/+$/, '')
const ATTEMPTS = Number(env.KEYCLOAK_SYNC_ATTEMPTS || 30)
const RETRY_MS = Number(env.KEYCLOAK_SYNC_RETRY_MS || 2000)
/** No single request may hang `up`: each gets this long (a slow Keycloak answers in seconds). */
const REQUEST_MS = Number(env.KEYCLOAK_SYNC_REQUEST_MS || 30000)
/** A 5xx or a dropped connection on an admin call is tried again this many times. */
const CALL_ATTEMPTS = 3
const KEY_PROVIDER = 'org.keycloak.keys.KeyProvider'

class SyncError extends Error {}

const log = (line) => console.log(`keycloak-sync: ${line}`)
const enc = encodeURIComponent
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** `${VAR}` and `${VAR:default}` as Keycloak's importer reads them, each value escaped for a JSON string. */
export function substitute(text, values, file) {
  return text.replace(/\$\{([^}:]*)(?::([^}]*))?\}/g, (_, name, fallback) => {
    const value = values[name] ?? fallback
    if (value === undefined) {
      throw new SyncError(`${file} needs \${${name}}, which is not set: add ${name} to .env (sparkbaas generate creates it)`)
    }
    return JSON.stringify(value).slice(1, -1)
  })
}

/**
 * Whether `actual` carries every value of `wanted`: objects may hold more keys; lists of plain values are compared
 * as sets (Keycloak keeps redirect URIs and web origins in sets, so their order comes back changed), other lists
 * item by item.
 */
export function covers(actual, wanted) {
  if (Array.isArray(wanted)) {
    if (!Array.isArray(actual) || actual.length !== wanted.length) return false
    if (wanted.every((w) => w === null || typeof w !== 'object')) {
      const have = new Set(actual)
      return wanted.every((w) => have.has(w))
    }
    return wanted.every((w, i) => covers(actual[i], w))
  }
  if (wanted !== null && typeof wanted === 'object') {
    if (actual === null || typeof actual !== 'object') return false
    return Object.entries(wanted).every(([k, v]) => covers(actual[k], v))
  }
  return actual === wanted
}

/** Keycloak's key id: base64url(SHA-256(DER SubjectPublicKeyInfo)). */
function kidOf(privateKeyBase64, realm, name) {
  let key
  try {
    key = createPrivateKey({ key: Buffer.from(privateKeyBase64, 'base64'), format: 'der', type: 'pkcs8' })
  } catch {
    throw new SyncError(`realm ${realm}: the private key of ${name} is not a base64 PKCS#8 RSA key: check the realm's *_SIGNING_KEY in .env`)
  }
  return createHash('sha256').update(createPublicKey(key).export({ type: 'spki', format: 'der' })).digest('base64url')
}

/** `fetch` with a timeout, tried again after a dropped connection or a 5xx, `attempts` times in all. */
async function request(url, init, attempts) {
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_MS) })
      if (res.status < 500 || attempt >= attempts) return res
    } catch (error) {
      if (attempt >= attempts) throw error
    }
    await sleep(RETRY_MS)
  }
}

const failure = (error) => error.cause?.code ?? error.cause?.message ?? error.message

class Admin {
  token = ''

  /** The master realm's password grant for admin-cli; tried for a while, as Keycloak may still be starting. */
  async login() {
    const body = new URLSearchParams({
      grant_type: 'password',
      client_id: 'admin-cli',
      username: env.KEYCLOAK_ADMIN_USERNAME ?? '',
      password: env.KEYCLOAK_ADMIN_PASSWORD ?? '',
    })
    let res
    try {
      res = await request(`${BASE}/realms/master/protocol/openid-connect/token`, { method: 'POST', body }, ATTEMPTS)
    } catch (error) {
      throw new SyncError(`cannot reach Keycloak at ${BASE}: ${failure(error)}`)
    }
    if (res.ok) {
      this.token = (await res.json()).access_token
      return
    }
    throw new SyncError(
      `cannot log in to Keycloak's master realm as ${JSON.stringify(body.get('username'))} (HTTP ${res.status}). ` +
        'KC_BOOTSTRAP_ADMIN_USERNAME and KC_BOOTSTRAP_ADMIN_PASSWORD in .env must name an admin of the master realm; ' +
        'if you changed that admin\'s password in the console, put the new one in .env.',
    )
  }

  /**
   * One admin API call under /admin/realms; `undefined` for a 404 when `optional`. An expired token (master
   * tokens live a minute) means one fresh login; a 5xx or a dropped connection, another try.
   */
  async call(method, path, body, optional = false, relogged = false) {
    let res
    try {
      res = await request(
        `${BASE}/admin/realms${path}`,
        {
          method,
          headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
        },
        CALL_ATTEMPTS,
      )
    } catch (error) {
      throw new SyncError(`${method} /admin/realms${path} failed: ${failure(error)}`)
    }
    if (res.status === 401 && !relogged) {
      await this.login()
      return this.call(method, path, body, optional, true)
    }
    if (res.status === 404 && optional) return undefined
    const text = await res.text()
    if (!res.ok) throw new SyncError(`${method} /admin/realms${path} failed: HTTP ${res.status} ${text.slice(0, 300)}`)
    return text === '' ? null : JSON.parse(text)
  }
}

async function syncRealm(admin, rep) {
  const name = rep.realm
  const r = `/${enc(name)}`
  const existing = await admin.call('GET', r, undefined, true)
  if (existing === undefined) {
    await admin.call('POST', '', rep)
    log(`realm ${name}: created`)
    return
  }
  const { roles, clients = [], users = [], components = {}, ...settings } = rep
  if (!covers(existing, settings)) {
    // The whole representation back with the file's fields over it: on a partial body Keycloak resets settings
    // the body leaves out (CIBA, PAR and device-flow attributes: RealmAdminResource.updateRealm).
    await admin.call('PUT', r, { ...existing, ...settings })
    log(`realm ${name}: settings updated`)
  }
  for (const role of roles?.realm ?? []) {
    if ((await admin.call('GET', `${r}/roles/${enc(role.name)}`, undefined, true)) === undefined) {
      await admin.call('POST', `${r}/roles`, role)
      log(`realm ${name}: role ${role.name} created`)
    }
  }
  for (const client of clients) await syncClient(admin, name, client)
  for (const user of users) await syncUser(admin, name, user)
  for (const [type, list] of Object.entries(components)) {
    for (const component of list) await syncComponent(admin, name, existing.id, type, component)
  }
}

async function findClient(admin, r, clientId) {
  const found = await admin.call('GET', `${r}/clients?clientId=${enc(clientId)}`)
  return found.find((c) => c.clientId === clientId)
}

async function syncClient(admin, realm, client) {
  const r = `/${enc(realm)}`
  const existing = await findClient(admin, r, client.clientId)
  if (existing === undefined) {
    await admin.call('POST', `${r}/clients`, client)
    log(`realm ${realm}: client ${client.clientId} created`)
    return
  }
  const { protocolMappers = [], secret, ...fields } = client
  const c = `${r}/clients/${enc(existing.id)}`
  // The secret is not compared (the API may mask it); sending it with any update keeps it equal to .env.
  if (!covers(existing, fields) || (secret !== undefined && !(await secretMatches(admin, c, secret)))) {
    // Over what Keycloak has, so what the file does not mention (authorization services, say) stays as it is;
    // without protocolMappers, which an update would otherwise make exactly the listed ones (ClientResource.update).
    const { protocolMappers: _current, ...current } = existing
    await admin.call('PUT', c, { ...current, ...fields, ...(secret === undefined ? {} : { secret }), id: existing.id })
    log(`realm ${realm}: client ${client.clientId} updated`)
  }
  const mappers = (await admin.call('GET', `${c}/protocol-mappers/models`)) ?? []
  for (const mapper of protocolMappers) {
    const have = mappers.find((m) => m.name === mapper.name)
    if (have === undefined) {
      await admin.call('POST', `${c}/protocol-mappers/models`, mapper)
      log(`realm ${realm}: client ${client.clientId}: mapper ${mapper.name} created`)
    } else if (!covers(have, mapper)) {
      await admin.call('PUT', `${c}/protocol-mappers/models/${enc(have.id)}`, { ...mapper, id: have.id })
      log(`realm ${realm}: client ${client.clientId}: mapper ${mapper.name} updated`)
    }
  }
}

async function secretMatches(admin, clientPath, secret) {
  const current = await admin.call('GET', `${clientPath}/client-secret`, undefined, true)
  return current?.value === secret
}

async function syncUser(admin, realm, user) {
  const r = `/${enc(realm)}`
  const { realmRoles = [], serviceAccountClientId, ...fields } = user
  let id
  if (serviceAccountClientId !== undefined) {
    const client = await findClient(admin, r, serviceAccountClientId)
    if (client === undefined) throw new SyncError(`realm ${realm}: client ${serviceAccountClientId} of a service account does not exist`)
    id = (await admin.call('GET', `${r}/clients/${enc(client.id)}/service-account-user`)).id
  } else {
    const lookup = `${r}/users?username=${enc(user.username)}&exact=true`
    let found = (await admin.call('GET', lookup)).find((u) => u.username === user.username)
    if (found === undefined) {
      await admin.call('POST', `${r}/users`, fields).catch((error) => {
        // 409: another user (one made at run time, say) already has this email (UsersResource.createUser).
        if (error instanceof SyncError && / HTTP 409 /.test(error.message)) {
          throw new SyncError(`realm ${realm}: seed user ${user.username} cannot be created: ${error.message} — another user has its email; give the seed user another email in the config`)
        }
        throw error
      })
      log(`realm ${realm}: user ${user.username} created`)
      found = (await admin.call('GET', lookup)).find((u) => u.username === user.username)
      if (found === undefined) throw new SyncError(`realm ${realm}: user ${user.username} was created but cannot be found`)
    } else {
      await completeProfile(admin, r, realm, found, fields)
    }
    id = found.id
  }
  const mapped = await admin.call('GET', `${r}/users/${enc(id)}/role-mappings/realm`)
  const missing = realmRoles.filter((role) => !mapped.some((m) => m.name === role))
  if (missing.length > 0) {
    const roles = []
    for (const role of missing) roles.push(await admin.call('GET', `${r}/roles/${enc(role)}`))
    await admin.call('POST', `${r}/users/${enc(id)}/role-mappings/realm`, roles)
    log(`realm ${realm}: ${serviceAccountClientId === undefined ? `user ${user.username}` : `service account of ${serviceAccountClientId}`} granted ${missing.join(', ')}`)
  }
}

/**
 * Fills the profile fields Keycloak's default user profile requires (email, first and last name) where an
 * existing seed user has none, as one made by an older file may not: without them its login stops at "update
 * profile" and the password grant fails. A value the user or an admin set is never replaced.
 */
async function completeProfile(admin, r, realm, existing, fields) {
  const missing = {}
  for (const key of ['email', 'firstName', 'lastName']) {
    if (fields[key] !== undefined && (existing[key] === undefined || existing[key] === '')) missing[key] = fields[key]
  }
  if (missing.email !== undefined && fields.emailVerified !== undefined) missing.emailVerified = fields.emailVerified
  if (Object.keys(missing).length === 0) return
  await admin.call('PUT', `${r}/users/${enc(existing.id)}`, { ...existing, ...missing })
  log(`realm ${realm}: user ${existing.username}: ${Object.keys(missing).filter((k) => k !== 'emailVerified').join(', ')} filled in`)
}

async function syncComponent(admin, realm, realmId, type, component) {
  const r = `/${enc(realm)}`
  const found = await admin.call('GET', `${r}/components?parent=${enc(realmId)}&type=${enc(type)}&name=${enc(component.name)}`)
  const { subComponents, ...fields } = component
  const body = { ...fields, providerType: type, parentId: realmId }
  const existing = found.find((c) => c.name === component.name)
  if (existing === undefined) {
    await admin.call('POST', `${r}/components`, body)
    log(`realm ${realm}: component ${component.name} created`)
    return
  }
  // Secrets come back masked, so the signing key is compared by its key id; other components by their config.
  const privateKey = type === KEY_PROVIDER ? component.config?.privateKey?.[0] : undefined
  if (privateKey !== undefined) {
    const keys = (await admin.call('GET', `${r}/keys`)).keys ?? []
    // In use, too: a provider made passive or disabled in the console leaves Keycloak signing with another key,
    // which PostgREST and the verifier refuse.
    const kid = kidOf(privateKey, realm, component.name)
    const wantedConfig = Object.fromEntries(Object.entries(fields.config ?? {}).filter(([k]) => k !== 'privateKey'))
    if (keys.some((k) => k.providerId === existing.id && k.kid === kid && k.status === 'ACTIVE') && covers(existing.config, wantedConfig)) return
  } else if (covers(existing, body)) {
    return
  }
  await admin.call('PUT', `${r}/components/${enc(existing.id)}`, { ...body, id: existing.id })
  log(`realm ${realm}: component ${component.name} updated`)
}

async function main() {
  const files = readdirSync(DIR)
    .filter((f) => f.endsWith('-realm.json'))
    .sort()
  const realms = files.map((file) => {
    const text = substitute(readFileSync(join(DIR, file), 'utf8'), env, file)
    try {
      return JSON.parse(text)
    } catch (error) {
      throw new SyncError(`${file} is not valid JSON after filling its placeholders: ${error.message}`)
    }
  })
  if (realms.length === 0) {
    log('no realm files, nothing to do')
    return
  }
  const admin = new Admin()
  for (const rep of realms) {
    // A fresh token per realm: the master realm's access tokens live one minute by default.
    await admin.login()
    await syncRealm(admin, rep)
  }
  log(`${realms.length} realm${realms.length === 1 ? '' : 's'} in sync`)
}

// Run as a program (node sync.mjs), not when imported; realpath on both sides, as the file may be reached by a link.
if (process.argv[1] && realpathSync(fileURLToPath(import.meta.url)) === realpathSync(process.argv[1])) {
  main().catch((error) => {
    console.error(error instanceof SyncError ? `keycloak-sync: ${error.message}` : error)
    process.exit(1)
  })
}
