/**
 * A stand-in for Keycloak 26's admin REST API, in memory, for the endpoints keycloak/sync.mjs calls. No Keycloak
 * runs on this machine (no Docker engine, no Java 21), so each behaviour below follows Keycloak's source (paths
 * under services/src/main/java/org/keycloak/services/resources/admin/ of keycloak/keycloak unless named):
 * - token: master realm password grant for `admin-cli`, a public client with direct grants
 *   (services/…/managers/RealmManager.setupAdminCli); tokens live 60 s, so the sync logs in per realm;
 * - POST /admin/realms: RealmsAdminResource.importRealm → DefaultExportImportManager.importRealm →
 *   RealmManager.importRealm, the importer the startup import uses; 409 when the realm exists. Roles, clients
 *   with mappers and secret, a service-account user per client with serviceAccountsEnabled, users with
 *   credentials and realmRoles, `users[].serviceAccountClientId` roles, components. (Unlike startup import it
 *   substitutes no `${VAR}`: the sync fills them first.)
 * - GET /admin/realms/{realm}: 404 "Realm not found." (RealmsAdminResource.getRealmAdmin); PUT sets the fields it
 *   is given (RealmAdminResource.updateRealm → DefaultExportImportManager.updateRealm skips nulls), but resets the
 *   CIBA/PAR settings it reads from `attributes` when the body has none (modelled: attributes emptied);
 * - POST /users: 409 for a username or an email (case-insensitive) another user has;
 * - roles by name: 404 "Could not find role", POST 201 / 409 (RoleContainerResource);
 * - clients: `?clientId=` is an exact match (ClientsResource.getClients, search=false); GET returns the secret
 *   in clear and a `realm_client` attribute; PUT updates the fields given, a `protocolMappers` list would
 *   replace the mappers (refused here: the sync must not send one), serviceAccountsEnabled=true creates the
 *   service-account user (ClientResource.update, ClientManager.enableServiceAccount); /client-secret gives
 *   {type, value}; mappers: POST 201 / 409 on a duplicate name, PUT with the id (ProtocolMappersResource);
 * - users: `?username=&exact=true` (UsersResource.getUsers); POST applies `credentials` but ignores
 *   `realmRoles` (UsersResource.createUser); realm role mappings need each role's id and name, 204
 *   (RoleMapperResource);
 * - components: filtered by parent, type and name; the private key comes back masked as "**********"; its key
 *   id does at /keys, with the component id as providerId (ComponentResource, KeyResource).
 * It refuses what Keycloak would refuse in these calls (duplicates: 409, unknown ids: 404, no token: 401), and
 * records every request so a test can tell what the sync changed.
 */
import { createHash, createPrivateKey, createPublicKey, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'

type Json = Record<string, unknown>

export interface FakeUser {
  id: string
  username: string
  fields: Json
  password?: string
  roles: Set<string>
  serviceAccountOf?: string
}

export interface FakeRealm {
  id: string
  settings: Json
  roles: Map<string, { id: string; name: string }>
  clients: Map<string, Json & { id: string; clientId: string; protocolMappers: (Json & { id: string; name: string })[] }>
  users: Map<string, FakeUser>
  components: (Json & { id: string; name: string; providerType: string; parentId: string; config: Record<string, string[]> })[]
}

export interface FakeKeycloak {
  readonly url: string
  readonly realms: Map<string, FakeRealm>
  /** Every request: `METHOD /path`. */
  readonly requests: string[]
  /** The mutating ones (not GET, not the token). */
  writes(): string[]
  /** From now on each token is good for this many admin calls, then answers 401, as an expired one would. */
  expireTokensAfter(calls: number | undefined): void
  user(realm: string, username: string): FakeUser | undefined
  close(): Promise<void>
}

const kidOf = (base64: string): string => {
  const key = createPrivateKey({ key: Buffer.from(base64, 'base64'), format: 'der', type: 'pkcs8' })
  return createHash('sha256').update(createPublicKey(key).export({ type: 'spki', format: 'der' })).digest('base64url')
}

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message)
  }
}

export async function startFakeKeycloak(admin: { username: string; password: string }): Promise<FakeKeycloak> {
  const realms = new Map<string, FakeRealm>()
  const requests: string[] = []
  const tokens = new Map<string, number>()
  let tokenCalls: number | undefined

  const realmOf = (name: string): FakeRealm => {
    const realm = realms.get(name)
    if (!realm) throw new HttpError(404, `Realm not found.`)
    return realm
  }
  const addServiceAccount = (realm: FakeRealm, clientId: string) => {
    if ([...realm.users.values()].some((u) => u.serviceAccountOf === clientId)) return
    const id = randomUUID()
    realm.users.set(id, { id, username: `service-account-${clientId}`, fields: {}, roles: new Set(), serviceAccountOf: clientId })
  }
  const addClient = (realm: FakeRealm, rep: Json) => {
    const clientId = String(rep.clientId)
    if ([...realm.clients.values()].some((c) => c.clientId === clientId)) throw new HttpError(409, `Client ${clientId} already exists`)
    const id = randomUUID()
    const mappers = ((rep.protocolMappers as Json[] | undefined) ?? []).map((m) => ({ ...m, id: randomUUID(), name: String(m.name) }))
    realm.clients.set(id, { ...rep, id, clientId, protocolMappers: mappers })
    if (rep.serviceAccountsEnabled === true) addServiceAccount(realm, clientId)
  }
  const addUser = (realm: FakeRealm, rep: Json, withRoles: boolean) => {
    const username = String(rep.username)
    if ([...realm.users.values()].some((u) => u.username === username)) throw new HttpError(409, 'User exists with same username')
    const email = typeof rep.email === 'string' ? rep.email.toLowerCase() : undefined
    if (email && [...realm.users.values()].some((u) => String(u.fields.email ?? '').toLowerCase() === email)) {
      throw new HttpError(409, 'User exists with same email')
    }
    const { credentials, realmRoles, id: _id, ...fields } = rep as Json & { credentials?: { value: string }[]; realmRoles?: string[] }
    const id = randomUUID()
    const user: FakeUser = { id, username, fields, roles: new Set(withRoles ? realmRoles ?? [] : []) }
    if (credentials?.[0]) user.password = credentials[0].value
    realm.users.set(id, user)
  }
  const addComponent = (realm: FakeRealm, rep: Json) => {
    realm.components.push({ ...(rep as Json), id: randomUUID(), parentId: realm.id } as FakeRealm['components'][number])
  }

  const importRealm = (rep: Json) => {
    const name = String(rep.realm)
    if (realms.has(name)) throw new HttpError(409, `Conflict detected. See logs for details`)
    const { roles, clients, users, components, ...settings } = rep as Json & {
      roles?: { realm?: Json[] }
      clients?: Json[]
      users?: (Json & { serviceAccountClientId?: string; realmRoles?: string[] })[]
      components?: Record<string, Json[]>
    }
    const realm: FakeRealm = { id: randomUUID(), settings, roles: new Map(), clients: new Map(), users: new Map(), components: [] }
    for (const role of roles?.realm ?? []) realm.roles.set(String(role.name), { id: randomUUID(), name: String(role.name) })
    for (const client of clients ?? []) addClient(realm, client)
    for (const user of users ?? []) {
      if (user.serviceAccountClientId !== undefined) {
        const sa = [...realm.users.values()].find((u) => u.serviceAccountOf === user.serviceAccountClientId)
        if (!sa) throw new HttpError(400, `no service account for ${user.serviceAccountClientId}`)
        for (const r of user.realmRoles ?? []) sa.roles.add(r)
      } else addUser(realm, user, true)
    }
    for (const [providerType, list] of Object.entries(components ?? {})) {
      for (const c of list) addComponent(realm, { ...c, providerType })
    }
    realms.set(name, realm)
  }

  const userRep = (u: FakeUser) => ({ id: u.id, username: u.username, ...u.fields })
  const clientRep = (c: FakeRealm['clients'] extends Map<string, infer V> ? V : never) => ({
    ...c,
    attributes: { ...(c.attributes as Record<string, string> | undefined), realm_client: 'false' },
  })

  async function route(method: string, path: string, query: URLSearchParams, body: unknown): Promise<[number, unknown]> {
    const seg = path.split('/').filter(Boolean).map(decodeURIComponent)
    if (method === 'POST' && path === '/realms/master/protocol/openid-connect/token') {
      const form = new URLSearchParams(String(body))
      if (form.get('client_id') !== 'admin-cli' || form.get('grant_type') !== 'password') return [401, { error: 'unauthorized_client' }]
      if (form.get('username') !== admin.username || form.get('password') !== admin.password) return [401, { error: 'invalid_grant' }]
      const token = randomUUID()
      tokens.set(token, tokenCalls ?? Infinity)
      return [200, { access_token: token, expires_in: 60 }]
    }
    if (seg[0] !== 'admin' || seg[1] !== 'realms') return [404, { error: 'Not Found' }]
    const b = body as Json
    if (seg.length === 2 && method === 'POST') return (importRealm(b), [201, undefined])
    const realm = realmOf(seg[2]!)
    const rest = seg.slice(3)
    const [a, id, c, d, e] = rest
    if (rest.length === 0) {
      if (method === 'GET') return [200, { id: realm.id, ...realm.settings }]
      if (method === 'PUT') {
        // updateRealm re-reads the CIBA/PAR/device settings from `attributes`: a body without them resets those.
        if (b.attributes === undefined) realm.settings.attributes = {}
        return (Object.assign(realm.settings, b), [204, undefined])
      }
    }
    if (a === 'roles') {
      if (id === undefined && method === 'POST') {
        if (realm.roles.has(String(b.name))) throw new HttpError(409, 'Role with name already exists')
        realm.roles.set(String(b.name), { id: randomUUID(), name: String(b.name) })
        return [201, undefined]
      }
      if (id !== undefined && method === 'GET') {
        const role = realm.roles.get(id)
        if (!role) throw new HttpError(404, 'Could not find role')
        return [200, role]
      }
    }
    if (a === 'clients') {
      if (id === undefined && method === 'GET') {
        const clientId = query.get('clientId')
        return [200, [...realm.clients.values()].filter((cl) => clientId === null || cl.clientId === clientId).map(clientRep)]
      }
      if (id === undefined && method === 'POST') return (addClient(realm, b), [201, undefined])
      const client = realm.clients.get(id!)
      if (!client) throw new HttpError(404, 'Could not find client')
      if (c === undefined && method === 'GET') return [200, clientRep(client)]
      if (c === undefined && method === 'PUT') {
        // A protocolMappers list on update replaces the client's mappers with exactly those (ClientResource.update →
        // RepresentationToModel.updateClientProtocolMappers); the sync must leave it out.
        if (b.protocolMappers !== undefined) throw new Error('fake Keycloak: PUT client with protocolMappers would delete the mappers not listed')
        const { id: _id, ...fields } = b
        Object.assign(client, fields)
        if (client.serviceAccountsEnabled === true) addServiceAccount(realm, client.clientId)
        return [204, undefined]
      }
      if (c === 'client-secret' && method === 'GET') return [200, { type: 'secret', value: client.secret }]
      if (c === 'service-account-user' && method === 'GET') {
        const sa = [...realm.users.values()].find((u) => u.serviceAccountOf === client.clientId)
        if (!sa) throw new HttpError(400, 'Service account not enabled for the client')
        return [200, userRep(sa)]
      }
      if (c === 'protocol-mappers' && d === 'models') {
        if (e === undefined && method === 'GET') return [200, client.protocolMappers]
        if (e === undefined && method === 'POST') {
          if (client.protocolMappers.some((m) => m.name === b.name)) throw new HttpError(409, 'Protocol mapper exists with same name')
          client.protocolMappers.push({ ...b, id: randomUUID(), name: String(b.name) })
          return [201, undefined]
        }
        const mapper = client.protocolMappers.find((m) => m.id === e)
        if (!mapper) throw new HttpError(404, 'Model not found')
        if (method === 'PUT') return (Object.assign(mapper, b), [204, undefined])
      }
    }
    if (a === 'users') {
      if (id === undefined && method === 'GET') {
        const username = query.get('username')
        if (query.get('exact') !== 'true') throw new Error('fake: the sync must look users up with exact=true')
        return [200, [...realm.users.values()].filter((u) => !u.serviceAccountOf && u.username === username).map(userRep)]
      }
      if (id === undefined && method === 'POST') return (addUser(realm, b, false), [201, undefined])
      const user = realm.users.get(id!)
      if (!user) throw new HttpError(404, 'User not found')
      if (c === undefined && method === 'PUT') {
        // UserResource.updateUser: the representation's profile fields; credentials and roles have their own calls.
        const { id: _id, username: _u, credentials: _c, realmRoles: _r, ...fields } = b
        Object.assign(user.fields, fields)
        return [204, undefined]
      }
      if (c === 'role-mappings' && d === 'realm') {
        if (method === 'GET') return [200, [...user.roles].map((r) => realm.roles.get(r)).filter(Boolean)]
        if (method === 'POST') {
          for (const role of b as unknown as { id: string; name: string }[]) {
            if (realm.roles.get(role.name)?.id !== role.id) throw new HttpError(404, 'Could not find role')
            user.roles.add(role.name)
          }
          return [204, undefined]
        }
      }
    }
    if (a === 'components') {
      if (id === undefined && method === 'GET') {
        const [parent, type, name] = ['parent', 'type', 'name'].map((k) => query.get(k))
        const found = realm.components.filter(
          (x) => (parent === null || x.parentId === parent) && (type === null || x.providerType === type) && (name === null || x.name === name),
        )
        // Secret config values are masked on the way out.
        return [200, found.map((x) => ({ ...x, config: { ...x.config, ...(x.config.privateKey ? { privateKey: ['**********'] } : {}) } }))]
      }
      if (id === undefined && method === 'POST') return (addComponent(realm, b), [201, undefined])
      const component = realm.components.find((x) => x.id === id)
      if (!component) throw new HttpError(404, 'Could not find component')
      if (method === 'PUT') return (Object.assign(component, b), [204, undefined])
    }
    if (a === 'keys' && method === 'GET') {
      return [
        200,
        {
          keys: realm.components
            .filter((x) => x.config.privateKey?.[0])
            .map((x) => ({
              kid: kidOf(x.config.privateKey![0]!),
              providerId: x.id,
              algorithm: 'RS256',
              type: 'RSA',
              // KeyResource: ACTIVE, PASSIVE (active=false) or DISABLED (enabled=false).
              status: x.config.enabled?.[0] === 'false' ? 'DISABLED' : x.config.active?.[0] === 'false' ? 'PASSIVE' : 'ACTIVE',
            })),
        },
      ]
    }
    throw new Error(`fake Keycloak: no route for ${method} ${path}`)
  }

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake')
      const method = req.method ?? 'GET'
      requests.push(`${method} ${url.pathname}${url.search}`)
      const text = Buffer.concat(chunks).toString('utf8')
      const send = (status: number, payload: unknown) => {
        res.writeHead(status, payload === undefined ? {} : { 'content-type': 'application/json' })
        res.end(payload === undefined ? undefined : JSON.stringify(payload))
      }
      const isToken = url.pathname.endsWith('/openid-connect/token')
      if (!isToken) {
        const token = String(req.headers.authorization).replace(/^Bearer /, '')
        const left = tokens.get(token) ?? 0
        if (left <= 0) return send(401, { error: 'HTTP 401 Unauthorized' })
        tokens.set(token, left - 1)
      }
      let body: unknown = text
      if (!isToken && text !== '') body = JSON.parse(text)
      route(method, url.pathname, url.searchParams, body).then(
        ([status, payload]) => send(status, payload),
        (error: unknown) => send(error instanceof HttpError ? error.status : 500, { errorMessage: (error as Error).message }),
      )
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (typeof address !== 'object' || !address) throw new Error('no address')
  return {
    url: `http://127.0.0.1:${address.port}`,
    realms,
    requests,
    writes: () => requests.filter((r) => !r.startsWith('GET ') && !r.includes('/openid-connect/token')),
    expireTokensAfter: (calls) => {
      tokenCalls = calls
    },
    user: (realm, username) => [...(realms.get(realm)?.users.values() ?? [])].find((u) => u.username === username && !u.serviceAccountOf),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
