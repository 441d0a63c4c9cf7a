import { createHash, createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from './spawn-server.js'

const VERIFIER = fileURLToPath(new URL('../../blueprints/verifier/verifier.mjs', import.meta.url))
const ISSUER = 'https://auth.localhost/realms/acme'

// The realm's key pair, as the generator would make it, and an attacker's unrelated one.
const realmKeys = generateKeyPairSync('rsa', { modulusLength: 2048 })
const otherKeys = generateKeyPairSync('rsa', { modulusLength: 2048 })
// Keycloak's kid: base64url(SHA-256(DER SubjectPublicKeyInfo)).
const KID = createHash('sha256').update(realmKeys.publicKey.export({ type: 'spki', format: 'der' })).digest('base64url')
const jwk = { ...realmKeys.publicKey.export({ format: 'jwk' }), kid: KID, alg: 'RS256', use: 'sig' }

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const now = () => Math.floor(Date.now() / 1000)

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const t = now()
  return {
    exp: t + 300,
    iat: t,
    iss: ISSUER,
    sub: 'f7c3c6a2-0000-4000-8000-000000000001',
    typ: 'Bearer',
    azp: 'web',
    preferred_username: 'dev',
    realm_access: { roles: ['user', 'admin'] },
    ...overrides,
  }
}

function rs256(payload: Record<string, unknown>, key: KeyObject = realmKeys.privateKey, header: object = { kid: KID }) {
  const signingInput = `${b64({ alg: 'RS256', typ: 'JWT', ...header })}.${b64(payload)}`
  return `${signingInput}.${sign('RSA-SHA256', Buffer.from(signingInput), key).toString('base64url')}`
}

describe('token verifier (blueprints/verifier/verifier.mjs)', () => {
  let server: RunningServer
  const verify = (query: string, token?: string, extra: Record<string, string> = {}) =>
    fetch(`${server.baseUrl}/verify?${query}`, {
      headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...extra },
    })
  const unauthorized = async (res: Response, description: string) => {
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer realm="acme", error="invalid_token", error_description="${description}"`,
    )
    expect(await res.json()).toEqual({ error: 'unauthorized', message: description })
  }

  beforeAll(async () => {
    server = await startServer(VERIFIER, {
      VERIFIER_REALMS: JSON.stringify({ acme: { issuer: ISSUER, jwks: { keys: [jwk] } } }),
    })
  })
  afterAll(async () => {
    await server?.kill()
  })

  it('answers /_health', async () => {
    const res = await fetch(`${server.baseUrl}/_health`)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ status: 'ok', realms: ['acme'], tokenCache: { entries: 0, hits: 0, max: 10_000 }, addressCache: { entries: 0, max: 1024 } })
  })

  it('refuses a request without a token (401, no error code per RFC 6750)', async () => {
    const res = await verify('realm=acme')
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="acme"')
    expect(await res.json()).toEqual({ error: 'unauthorized', message: 'missing bearer token' })
  })

  it('refuses a non-bearer Authorization header', async () => {
    const res = await fetch(`${server.baseUrl}/verify?realm=acme`, { headers: { authorization: 'Basic ZGV2OmRldg==' } })
    await unauthorized(res, 'the Authorization header is not a bearer token')
  })

  it('refuses garbage', async () => {
    await unauthorized(await verify('realm=acme', 'garbage'), 'malformed token')
    await unauthorized(await verify('realm=acme', 'a.b.c'), 'malformed token header')
  })

  it('accepts a valid token and returns the identity headers', async () => {
    const token = rs256(claims())
    const res = await verify('realm=acme', token)
    expect(res.status).toBe(200)
    expect(res.headers.get('x-auth-subject')).toBe('f7c3c6a2-0000-4000-8000-000000000001')
    expect(res.headers.get('x-auth-username')).toBe('dev')
    expect(res.headers.get('x-auth-roles')).toBe('user,admin')
    expect(res.headers.get('cache-control')).toBe('no-store')
    const body = await res.text()
    expect(JSON.parse(body)).toEqual({
      status: 'ok',
      subject: 'f7c3c6a2-0000-4000-8000-000000000001',
      username: 'dev',
      roles: ['user', 'admin'],
    })
    expect(body).not.toContain(token.split('.')[2])
  })

  it('accepts a valid token without kid (tries the realm keys)', async () => {
    const res = await verify('realm=acme', rs256(claims(), realmKeys.privateKey, {}))
    expect(res.status).toBe(200)
  })

  it('refuses an expired token, but tolerates 30 s of clock skew', async () => {
    await unauthorized(await verify('realm=acme', rs256(claims({ exp: now() - 60, iat: now() - 360 }))), 'token expired')
    expect((await verify('realm=acme', rs256(claims({ exp: now() - 5 })))).status).toBe(200)
  })

  it('refuses a token that is not valid yet or issued in the future', async () => {
    await unauthorized(await verify('realm=acme', rs256(claims({ nbf: now() + 120 }))), 'token not valid yet')
    await unauthorized(await verify('realm=acme', rs256(claims({ iat: now() + 120 }))), 'token issued in the future')
  })

  it('refuses a token without exp', async () => {
    await unauthorized(await verify('realm=acme', rs256(claims({ exp: undefined }))), 'token has no expiry')
  })

  it('refuses a token from another issuer', async () => {
    const token = rs256(claims({ iss: 'https://auth.localhost/realms/other' }))
    await unauthorized(await verify('realm=acme', token), 'token issued by another issuer')
  })

  it('refuses a token signed with another key', async () => {
    // Claims the realm's kid, signed with the attacker's key.
    await unauthorized(await verify('realm=acme', rs256(claims(), otherKeys.privateKey)), 'invalid token signature')
    // Names a kid the realm does not have.
    await unauthorized(
      await verify('realm=acme', rs256(claims(), otherKeys.privateKey, { kid: 'attacker' })),
      'token signed with an unknown key',
    )
    // No kid at all: every realm key is tried, none matches.
    await unauthorized(await verify('realm=acme', rs256(claims(), otherKeys.privateKey, {})), 'invalid token signature')
  })

  it('refuses a tampered payload', async () => {
    const [header, , signature] = rs256(claims()).split('.')
    const forged = `${header}.${b64(claims({ realm_access: { roles: ['user', 'admin', 'root'] } }))}.${signature}`
    await unauthorized(await verify('realm=acme', forged), 'invalid token signature')
  })

  it('refuses alg "none"', async () => {
    const token = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`
    await unauthorized(await verify('realm=acme', token), "unsupported token algorithm 'none'")
  })

  it('refuses HS256 signed with the public key as the HMAC secret (key confusion attack)', async () => {
    const pem = realmKeys.publicKey.export({ type: 'spki', format: 'pem' })
    const signingInput = `${b64({ alg: 'HS256', typ: 'JWT', kid: KID })}.${b64(claims())}`
    const token = `${signingInput}.${createHmac('sha256', pem).update(signingInput).digest('base64url')}`
    await unauthorized(await verify('realm=acme', token), "unsupported token algorithm 'HS256'")
  })

  it('refuses refresh and ID tokens', async () => {
    await unauthorized(
      await verify('realm=acme', rs256(claims({ typ: 'Refresh' }))),
      "token type 'Refresh' is not an access token",
    )
    await unauthorized(await verify('realm=acme', rs256(claims({ typ: 'ID' }))), "token type 'ID' is not an access token")
  })

  it('answers 403 when a required role is missing', async () => {
    const token = rs256(claims({ realm_access: { roles: ['user'] } }))
    const res = await verify('realm=acme&roles=user,admin', token)
    expect(res.status).toBe(403)
    expect(res.headers.get('www-authenticate')).toBeNull()
    expect(await res.json()).toEqual({ error: 'forbidden', message: 'missing role "admin"' })
    const none = await verify('realm=acme&roles=user', rs256(claims({ realm_access: undefined })))
    expect(none.status).toBe(403)
    expect(await none.json()).toEqual({ error: 'forbidden', message: 'missing role "user"' })
  })

  it('answers 200 when every required role is present', async () => {
    const res = await verify('realm=acme&roles=admin,user', rs256(claims()))
    expect(res.status).toBe(200)
    expect(res.headers.get('x-auth-roles')).toBe('user,admin')
  })

  it('answers 500 for a realm it was not configured with (a config bug)', async () => {
    const res = await verify('realm=other', rs256(claims()))
    expect(res.status).toBe(500)
    expect(await res.json()).toEqual({ error: 'misconfigured', message: 'realm "other" is not configured' })
    const missing = await verify('', rs256(claims()))
    expect(missing.status).toBe(500)
    expect(await missing.json()).toEqual({ error: 'misconfigured', message: 'no realm in the verify address' })
    expect(server.stderr()).toContain('verifier: misconfigured route: realm "other" is not configured')
  })

  it('refuses an unauthenticated CORS preflight like any request without a token', async () => {
    const res = await verify('realm=acme', undefined, { 'x-forwarded-method': 'OPTIONS', 'x-forwarded-uri': '/rest/todos' })
    expect(res.status).toBe(401)
  })

  it('answers 404 JSON for other paths', async () => {
    const res = await fetch(`${server.baseUrl}/nope`)
    expect(res.status).toBe(404)
    expect(await res.json()).toEqual({ error: 'not_found', message: 'no endpoint /nope' })
  })

  // Node's HTTP server refuses request headers over 16 KiB with 431 unless told otherwise (`maxHeaderSize` of
  // http.createServer, nodejs.org/api/http.html; default 16384). A Keycloak access token lists every realm and client
  // role of the user, so it grows past that; Traefik reads up to 1 MiB of request headers from a client
  // (traefik/traefik pkg/config/static/entrypoints.go: `entryPoints.<name>.http.maxHeaderBytes` defaults to Go's
  // http.DefaultMaxHeaderBytes, 1 << 20) and forwardAuth sends them all on, plus X-Forwarded-*.
  describe('large headers', () => {
    const TRAEFIK_MAX_HEADER_BYTES = 1 << 20
    /** The verifier's and the functions runtime's limit: 2 MiB + 64 KiB. */
    const LIMIT = 2 * 1024 * 1024 + 64 * 1024
    /**
     * A GET that, like Traefik's forwardAuth client (Go's default transport, which reads up to 10 MiB of response
     * headers), takes the answer's long X-Auth-Roles; fetch stops at 16 KiB.
     */
    const asTraefik = (token: string, headers: Record<string, string>) =>
      new Promise<{ status: number; roles: string | undefined }>((resolve, reject) => {
        const req = request(`${server.baseUrl}/verify?realm=acme`, { headers: { authorization: `Bearer ${token}`, ...headers }, maxHeaderSize: 10 << 20 }, (res) => {
          res.resume()
          res.on('end', () => resolve({ status: res.statusCode ?? 0, roles: res.headers['x-auth-roles'] as string | undefined }))
        })
        req.on('error', reject)
        req.end()
      })
    const forwarded = { 'x-forwarded-method': 'GET', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.localhost', 'x-forwarded-uri': '/rest/todos' }

    it('accepts a valid token of about 40 KB (2,000 roles) and answers with all the roles', async () => {
      const roles = Array.from({ length: 2000 }, (_, i) => `app-role-${String(i).padStart(4, '0')}`)
      const token = rs256(claims({ realm_access: { roles } }))
      expect(token.length).toBeGreaterThan(40_000)
      expect(await asTraefik(token, forwarded)).toEqual({ status: 200, roles: roles.join(',') })
    })

    it('accepts request headers as large as Traefik reads from a client (1 MiB) and forwards', async () => {
      const res = await verify('realm=acme', rs256(claims()), { ...forwarded, cookie: `big=${'x'.repeat(TRAEFIK_MAX_HEADER_BYTES)}` })
      expect(res.status).toBe(200)
    })

    it('answers 431 to headers over its limit, and keeps serving', async () => {
      const res = await verify('realm=acme', rs256(claims()), { cookie: `big=${'x'.repeat(LIMIT + 1024)}` })
      expect(res.status).toBe(431)
      expect(await res.json()).toEqual({ error: 'request_header_fields_too_large', message: `the request headers are over ${LIMIT} bytes` })
      expect(server.child.exitCode).toBeNull()
      expect((await fetch(`${server.baseUrl}/_health`)).status).toBe(200)
      expect((await verify('realm=acme', rs256(claims()))).status).toBe(200)
    })

    it('the generated Traefik config keeps the 1 MiB default of Traefik (the premise of the limit above)', () => {
      const dir = fileURLToPath(new URL('../golden/traefik/', import.meta.url))
      const files = readdirSync(dir).map((example) => join(dir, example, 'traefik.yml'))
      expect(files.length).toBeGreaterThan(0)
      for (const file of files) expect(readFileSync(file, 'utf8')).not.toMatch(/maxHeaderBytes/i)
    })
  })

  it('logs one line per request and never the token', () => {
    const lines = server.stdout().split('\n')
    expect(lines).toContainEqual(expect.stringMatching(/^GET \/verify 401 \d+\.\dms for OPTIONS \/rest\/todos$/))
    expect(lines).toContainEqual(expect.stringMatching(/^GET \/verify 200 \d+\.\dms$/))
    expect(server.stdout() + server.stderr()).not.toMatch(/eyJ/) // no base64url JSON segment of any token
  })

  it('exits 0 on SIGTERM', async () => {
    const own = await startServer(VERIFIER, {
      VERIFIER_REALMS: JSON.stringify({ acme: { issuer: ISSUER, jwks: { keys: [jwk] } } }),
    })
    try {
      own.child.kill('SIGTERM')
      expect(await own.exited).toBe(0)
    } finally {
      await own.kill()
    }
  })

  it('exits 1 when VERIFIER_REALMS is missing or has no usable key', async () => {
    await expect(startServer(VERIFIER, {})).rejects.toThrow(/exited with 1[\s\S]*VERIFIER_REALMS is not set/)
    await expect(
      startServer(VERIFIER, { VERIFIER_REALMS: JSON.stringify({ acme: { issuer: ISSUER, jwks: { keys: [] } } }) }),
    ).rejects.toThrow(/realm "acme": no RS256 signing key/)
  })
})

// Issue 12, item 8: the functions runtime passes X-Auth-* on only with the verifier's signature over them
// (test/runtime/functions-auth-headers.test.ts). Traefik's forwardAuth tells the verifier the original request's
// method and host in X-Forwarded-Method and X-Forwarded-Host, set from the request itself whatever the client sent
// (traefik/traefik pkg/middlewares/auth/forward.go: oldWriteHeader when trustForwardHeader is unset, as generated;
// writeHeader deletes client X-Forwarded-* first when it is false). forwardAuth calls its `address` as written, query
// string included (forward.go: http.NewRequest(http.MethodGet, fa.address, nil)), so the route's function reaches the
// verifier as `fn=<name>` there.
// The review of that item: only routes to a function ask for a signature (`fn`), and it names that function, so what
// an extra service, PostgREST or Spark behind an `auth` route receives is of no use against the functions runtime.
describe('token verifier with AUTH_HEADERS_KEY', () => {
  const KEY = 'verifier-test-key-0123456789abcdef'
  let server: RunningServer
  const forwarded = { 'x-forwarded-method': 'PATCH', 'x-forwarded-host': 'api.localhost:8443', 'x-forwarded-uri': '/fn/x' }
  const verify = (token: string, headers: Record<string, string> = forwarded, query = 'realm=acme&fn=hello') =>
    fetch(`${server.baseUrl}/verify?${query}`, { headers: { authorization: `Bearer ${token}`, ...headers } })
  const mac = (signed: unknown[]) => createHmac('sha256', KEY).update(JSON.stringify(signed)).digest('base64url')

  beforeAll(async () => {
    server = await startServer(VERIFIER, {
      VERIFIER_REALMS: JSON.stringify({ acme: { issuer: ISSUER, jwks: { keys: [jwk] } } }),
      AUTH_HEADERS_KEY: KEY,
    })
  })
  afterAll(async () => {
    await server?.kill()
  })

  it('signs the method, host, function, identity headers and an expiry 30 s ahead', async () => {
    const before = now()
    const res = await verify(rs256(claims({ preferred_username: 'dév' })))
    expect(res.status).toBe(200)
    const [exp, got] = res.headers.get('x-auth-signature')!.split('.') as [string, string]
    expect(Number(exp) - before).toBeGreaterThanOrEqual(30)
    expect(Number(exp) - now()).toBeLessThanOrEqual(30)
    // Over the header values as sent (the username percent-encoded), as the runtime sees them.
    expect(res.headers.get('x-auth-username')).toBe('d%C3%A9v')
    expect(got).toBe(mac(['sparkbaas-x-auth-v2', 'PATCH', 'api.localhost:8443', 'hello', 'f7c3c6a2-0000-4000-8000-000000000001', 'd%C3%A9v', 'user,admin', Number(exp)]))
  })

  it('signs an absent username as null', async () => {
    const res = await verify(rs256(claims({ preferred_username: undefined })))
    expect(res.headers.get('x-auth-username')).toBeNull()
    const [exp, got] = res.headers.get('x-auth-signature')!.split('.') as [string, string]
    expect(got).toBe(mac(['sparkbaas-x-auth-v2', 'PATCH', 'api.localhost:8443', 'hello', 'f7c3c6a2-0000-4000-8000-000000000001', null, 'user,admin', Number(exp)]))
  })

  it('signs nothing without a function in its address (a route to anything else), but still answers with the identity', async () => {
    for (const query of ['realm=acme', 'realm=acme&fn=', 'realm=acme&fn=a&fn=b']) {
      const res = await verify(rs256(claims()), forwarded, query)
      expect(res.status, query).toBe(200)
      expect(res.headers.get('x-auth-subject'), query).toBe('f7c3c6a2-0000-4000-8000-000000000001')
      expect(res.headers.get('x-auth-roles'), query).toBe('user,admin')
      expect(res.headers.get('x-auth-signature'), query).toBeNull()
    }
  })

  it('signs a hostile function name exactly as its address carries it, inside the JSON array', async () => {
    // Function names are identifiers (src/config/names.ts), but the signed text must hold whatever the address says.
    for (const fn of ['a","b', 'x\n"]', 'fn&roles=admin', 'ünï ${x} `y`']) {
      const res = await verify(rs256(claims()), forwarded, new URLSearchParams({ realm: 'acme', fn }).toString())
      expect(res.status, fn).toBe(200)
      const [exp, got] = res.headers.get('x-auth-signature')!.split('.') as [string, string]
      expect(got, fn).toBe(mac(['sparkbaas-x-auth-v2', 'PATCH', 'api.localhost:8443', fn, 'f7c3c6a2-0000-4000-8000-000000000001', 'dev', 'user,admin', Number(exp)]))
    }
  })

  it('signs nothing without the forwarded method and host (not called by forwardAuth)', async () => {
    const res = await verify(rs256(claims()), {})
    expect(res.status).toBe(200)
    expect(res.headers.get('x-auth-subject')).toBe('f7c3c6a2-0000-4000-8000-000000000001')
    expect(res.headers.get('x-auth-signature')).toBeNull()
  })

  it('signs nothing when it refuses', async () => {
    const res = await fetch(`${server.baseUrl}/verify?realm=acme&roles=root&fn=hello`, { headers: { authorization: `Bearer ${rs256(claims())}`, ...forwarded } })
    expect(res.status).toBe(403)
    expect(res.headers.get('x-auth-signature')).toBeNull()
  })

  it('exits 1 with a key shorter than 32 characters', async () => {
    const started = startServer(VERIFIER, { VERIFIER_REALMS: JSON.stringify({ acme: { issuer: ISSUER, jwks: { keys: [jwk] } } }), AUTH_HEADERS_KEY: 'short' })
    await expect(started.then((running) => running.kill().then(() => 'started'))).rejects.toThrow(/exited with 1[\s\S]*verifier: AUTH_HEADERS_KEY must be at least 32 characters \(got 5\); delete its line in \.env and run `sparkbaas generate` to get a new one/)
  })
})

it('without AUTH_HEADERS_KEY the verifier signs nothing', async () => {
  const own = await startServer(VERIFIER, { VERIFIER_REALMS: JSON.stringify({ acme: { issuer: ISSUER, jwks: { keys: [jwk] } } }) })
  try {
    const res = await fetch(`${own.baseUrl}/verify?realm=acme&fn=hello`, {
      headers: { authorization: `Bearer ${rs256(claims())}`, 'x-forwarded-method': 'GET', 'x-forwarded-host': 'api.localhost' },
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-auth-signature')).toBeNull()
  } finally {
    await own.kill()
  }
})
