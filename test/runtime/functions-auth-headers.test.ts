/**
 * Issue 12, item 8: forged `X-Auth-*` headers must not reach functions. Traefik's routers delete client-sent ones and
 * the verifier sets them, but anything on the stack's networks (a `service`, another container) can call the
 * runtime directly. So the verifier signs what it vouches for (`X-Auth-Signature: <exp>.<HMAC-SHA256>` with the
 * shared AUTH_HEADERS_KEY, over the request's method and host, the function the route targets, the identity headers
 * and exp) and the runtime passes identity headers on only when that signature holds for the function it dispatches
 * the request to; otherwise the function gets the request without any X-Auth-*.
 * The signature format is written out here on purpose (not imported): it is the contract between verifier.mjs and
 * server.mjs, and test/integration/auth-route.test.ts checks that the two generated files agree on it.
 */
import { createHmac } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { send } from '../helpers/http.js'
import { startServer, type RunningServer } from './spawn-server.js'

const SERVER = fileURLToPath(new URL('../../blueprints/functions/server.mjs', import.meta.url))
const MANIFEST = fileURLToPath(new URL('../fixtures/runtime/auth-manifest.json', import.meta.url))
const KEY = 'k'.repeat(16) + 'Test_key-0123456789'
const HOST = 'api.localhost'

interface Signed {
  method?: string
  host?: string
  fn?: string
  subject?: string | null
  username?: string | null
  roles?: string | null
  exp?: number
}

const now = () => Math.floor(Date.now() / 1000)

/** What the verifier sends: `<exp>.<base64url HMAC-SHA256>` over a JSON array, absent headers as null. */
function signature(fields: Signed = {}, key = KEY): string {
  const { method = 'GET', host = HOST, fn = 'headers', subject = 'u1', username = 'ada', roles = 'admin,user', exp = now() + 30 } = fields
  const mac = createHmac('sha256', key).update(JSON.stringify(['sparkbaas-x-auth-v2', method, host, fn, subject, username, roles, exp])).digest('base64url')
  return `${exp}.${mac}`
}

const IDENTITY = { 'x-auth-subject': 'u1', 'x-auth-username': 'ada', 'x-auth-roles': 'admin,user' }

let server: RunningServer

/** The headers the function saw (those starting with x-auth- only), for a request sent with `headers`. */
async function seen(headers: Record<string, string> | [string, string][], method = 'GET', host = HOST, path = '/headers/'): Promise<Record<string, string>> {
  const pairs = Array.isArray(headers) ? headers : Object.entries(headers)
  const res = await send(`${server.baseUrl}${path}`, { method, headers: [['host', host], ['x-test', 'kept'], ...pairs] })
  expect(res.status).toBe(200)
  const body = (await res.json()) as { method: string; headers: Record<string, string> }
  // The request itself always reaches the function, with its other headers.
  expect(body.method).toBe(method)
  expect(body.headers['x-test']).toBe('kept')
  return Object.fromEntries(Object.entries(body.headers).filter(([name]) => name.startsWith('x-auth-')))
}

describe('functions runtime with AUTH_HEADERS_KEY', () => {
  beforeAll(async () => {
    server = await startServer(SERVER, { FUNCTIONS_MANIFEST: MANIFEST, AUTH_HEADERS_KEY: KEY })
  })
  afterAll(async () => {
    await server?.kill()
  })

  it('removes forged identity headers sent without a signature', async () => {
    expect(await seen({ ...IDENTITY, 'x-auth-realm': 'main' })).toEqual({})
  })

  it('passes the identity headers of a valid signature, never the signature itself', async () => {
    expect(await seen({ ...IDENTITY, 'x-auth-signature': signature() })).toEqual(IDENTITY)
    expect(await seen({ ...IDENTITY, 'x-auth-signature': signature({ method: 'POST' }) }, 'POST')).toEqual(IDENTITY)
  })

  it('passes a signed identity without a username (null in the signature) as it is', async () => {
    const { 'x-auth-username': _, ...noUsername } = IDENTITY
    expect(await seen({ ...noUsername, 'x-auth-signature': signature({ username: null }) })).toEqual(noUsername)
    // Adding a username the signature says is absent breaks it.
    expect(await seen({ ...IDENTITY, 'x-auth-signature': signature({ username: null }) })).toEqual({})
  })

  it('removes X-Auth-* headers the signature does not cover, even beside a valid one', async () => {
    expect(await seen({ ...IDENTITY, 'x-auth-realm': 'main', 'x-auth-signature': signature() })).toEqual(IDENTITY)
  })

  it('removes every X-Auth-* header when the signature is expired', async () => {
    expect(await seen({ ...IDENTITY, 'x-auth-signature': signature({ exp: now() - 1 }) })).toEqual({})
  })

  it('removes them when the signature was made for another host or method', async () => {
    expect(await seen({ ...IDENTITY, 'x-auth-signature': signature({ host: 'admin.localhost' }) })).toEqual({})
    expect(await seen({ ...IDENTITY, 'x-auth-signature': signature({ method: 'GET' }) }, 'DELETE')).toEqual({})
  })

  // The review of issue 12, item 8: a signature the verifier made for one function's route must not vouch for the
  // identity on another function of the same host and method (the runtime picks the function by the first path
  // segment, so a replayed request chooses it freely).
  it('removes them when the signature was made for another function, and passes them on to that one', async () => {
    const forOther = signature({ fn: 'other' })
    expect(await seen({ ...IDENTITY, 'x-auth-signature': forOther })).toEqual({})
    expect(await seen({ ...IDENTITY, 'x-auth-signature': forOther }, 'GET', HOST, '/other/x')).toEqual(IDENTITY)
    expect(await seen({ ...IDENTITY, 'x-auth-signature': signature() }, 'GET', HOST, '/other')).toEqual({})
  })

  it('removes them when the signature is of the previous format (v1, without the function)', async () => {
    const exp = now() + 30
    const v1 = createHmac('sha256', KEY).update(JSON.stringify(['sparkbaas-x-auth-v1', 'GET', HOST, 'u1', 'ada', 'admin,user', exp])).digest('base64url')
    expect(await seen({ ...IDENTITY, 'x-auth-signature': `${exp}.${v1}` })).toEqual({})
  })

  it('removes them when a signed value was changed', async () => {
    const sig = signature()
    expect(await seen({ ...IDENTITY, 'x-auth-roles': 'admin,user,superuser', 'x-auth-signature': sig })).toEqual({})
    expect(await seen({ ...IDENTITY, 'x-auth-subject': 'u2', 'x-auth-signature': sig })).toEqual({})
    // A later exp with the same MAC.
    const [exp, mac] = sig.split('.') as [string, string]
    expect(await seen({ ...IDENTITY, 'x-auth-signature': `${Number(exp) + 3600}.${mac}` })).toEqual({})
  })

  it('removes them when the signature was made with another key or is malformed', async () => {
    for (const bad of [signature({}, 'another-key-another-key-another-key'), 'garbage', `${now() + 30}.`, `${now() + 30}`, `.${signature().split('.')[1]}`]) {
      expect(await seen({ ...IDENTITY, 'x-auth-signature': bad }), bad).toEqual({})
    }
  })

  it('removes them when a signed header or the signature is sent twice', async () => {
    const sig = signature()
    expect(await seen([...Object.entries(IDENTITY), ['x-auth-roles', 'superuser'], ['x-auth-signature', sig]] as [string, string][])).toEqual({})
    expect(await seen([...Object.entries(IDENTITY), ['x-auth-signature', sig], ['x-auth-signature', sig]] as [string, string][])).toEqual({})
  })
})

describe('functions runtime without AUTH_HEADERS_KEY (e.g. `function serve`)', () => {
  beforeAll(async () => {
    server = await startServer(SERVER, { FUNCTIONS_MANIFEST: MANIFEST })
  })
  afterAll(async () => {
    await server?.kill()
  })

  it('removes every X-Auth-* header, signed or not', async () => {
    expect(await seen(IDENTITY)).toEqual({})
    expect(await seen({ ...IDENTITY, 'x-auth-signature': signature() })).toEqual({})
  })
})

it('refuses to start with an AUTH_HEADERS_KEY shorter than 32 characters', async () => {
  const started = await startServer(SERVER, { FUNCTIONS_MANIFEST: MANIFEST, AUTH_HEADERS_KEY: 'short' }).then(
    (running) => running.kill().then(() => 'started'),
    (error: Error) => error.message,
  )
  expect(started).toMatch(
    /exited with 1 before listening:[^]*functions runtime: AUTH_HEADERS_KEY must be at least 32 characters \(got 5\); delete its line in \.env and run `sparkbaas generate` to get a new one/,
  )
})
