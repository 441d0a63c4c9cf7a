/**
 * Issue 16: the verifier caches what it verified, by the token's exact bytes, so a browser session's repeated token
 * is not RSA-verified on every request. What must still hold for a cached token: expiry, the realm it was verified
 * for, the roles of each route, the size bound, and a restart with other keys.
 */
import { createHash, createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from './spawn-server.js'

const VERIFIER = fileURLToPath(new URL('../../blueprints/verifier/verifier.mjs', import.meta.url))
const ISSUER = 'https://auth.localhost/realms/acme'
const OTHER_ISSUER = 'https://auth.localhost/realms/other'

const realmKeys = generateKeyPairSync('rsa', { modulusLength: 2048 })
const newKeys = generateKeyPairSync('rsa', { modulusLength: 2048 })
const kidOf = (key: KeyObject) => createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('base64url')
const jwkOf = (key: KeyObject) => ({ ...key.export({ format: 'jwk' }), kid: kidOf(key), alg: 'RS256', use: 'sig' })

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const now = () => Math.floor(Date.now() / 1000)

function rs256(overrides: Record<string, unknown> = {}, keys = realmKeys) {
  const t = now()
  const payload = { exp: t + 300, iat: t, iss: ISSUER, sub: 'u-1', typ: 'Bearer', preferred_username: 'dev', realm_access: { roles: ['user'] }, ...overrides }
  const signingInput = `${b64({ alg: 'RS256', typ: 'JWT', kid: kidOf(keys.publicKey) })}.${b64(payload)}`
  return `${signingInput}.${sign('RSA-SHA256', Buffer.from(signingInput), keys.privateKey).toString('base64url')}`
}

const realmsEnv = (keys = realmKeys) =>
  JSON.stringify({
    acme: { issuer: ISSUER, jwks: { keys: [jwkOf(keys.publicKey)] } },
    // The same key as acme, another issuer: a token verified for acme must not pass here from the cache.
    other: { issuer: OTHER_ISSUER, jwks: { keys: [jwkOf(keys.publicKey)] } },
  })

type CacheStats = { entries: number; hits: number; max: number }

describe('verifier token cache', () => {
  let server: RunningServer
  const verify = (token: string, query = 'realm=acme') =>
    fetch(`${server.baseUrl}/verify?${query}`, { headers: { authorization: `Bearer ${token}` } })
  const stats = async (s: RunningServer = server) => ((await (await fetch(`${s.baseUrl}/_health`)).json()) as { tokenCache: CacheStats }).tokenCache

  beforeAll(async () => {
    server = await startServer(VERIFIER, { VERIFIER_REALMS: realmsEnv() })
  })
  afterAll(async () => {
    await server?.kill()
  })

  it('answers a repeated token from the cache, with the same answer', async () => {
    const token = rs256({ sub: 'repeat' })
    const first = await verify(token)
    const before = await stats()
    const second = await verify(token)
    expect(second.status).toBe(200)
    expect((await stats()).hits).toBe(before.hits + 1)
    expect(Object.fromEntries(second.headers)).toMatchObject({ 'x-auth-subject': 'repeat', 'x-auth-roles': 'user', 'x-auth-username': 'dev' })
    expect(await second.json()).toEqual(await first.json())
  })

  it('refuses a cached token once it has expired (30 s of clock skew included)', async () => {
    // Valid for one to two more seconds: the verifier refuses from now >= exp + 30.
    const exp = now() - 28
    const token = rs256({ exp, iat: exp - 300 })
    expect((await verify(token)).status).toBe(200)
    expect((await verify(token)).status).toBe(200) // from the cache
    await new Promise((resolve) => setTimeout(resolve, (exp + 30) * 1000 - Date.now() + 50))
    const res = await verify(token)
    expect(res.status).toBe(401)
    expect(await res.json()).toEqual({ error: 'unauthorized', message: 'token expired' })
  })

  it('checks the realm and the roles of every request, cached or not', async () => {
    const token = rs256({ sub: 'realm-check' })
    expect((await verify(token)).status).toBe(200)
    const other = await verify(token, 'realm=other')
    expect(other.status).toBe(401)
    expect(await other.json()).toEqual({ error: 'unauthorized', message: 'token issued by another issuer' })
    const forbidden = await verify(token, 'realm=acme&roles=admin')
    expect(forbidden.status).toBe(403)
    expect(await forbidden.json()).toEqual({ error: 'forbidden', message: 'missing role "admin"' })
  })

  it('verifies a token whose bytes differ from a cached one (a forged signature fails)', async () => {
    const token = rs256({ sub: 'tamper' })
    expect((await verify(token)).status).toBe(200)
    const [header, payload, signature] = token.split('.') as [string, string, string]
    const flipped = `${header}.${payload}.${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`
    const res = await verify(flipped)
    expect(res.status).toBe(401)
    expect(await res.json()).toEqual({ error: 'unauthorized', message: 'invalid token signature' })
    // Cached claims with another payload: the payload is part of the key, so the forged roles never come from it.
    const forged = `${header}.${b64({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), realm_access: { roles: ['admin'] } })}.${signature}`
    expect((await verify(forged, 'realm=acme&roles=admin')).status).toBe(401)
  })

  it('never caches a refusal', async () => {
    const before = await stats()
    const token = rs256({ nbf: now() + 120 })
    expect((await verify(token)).status).toBe(401)
    expect((await verify(token)).status).toBe(401)
    const after = await stats()
    expect(after.hits).toBe(before.hits)
    expect(after.entries).toBe(before.entries)
  })

  it('answers each request for its own address, whose parse it keeps within bounds', async () => {
    const addressCache = async () =>
      ((await (await fetch(`${server.baseUrl}/_health`)).json()) as { addressCache: { entries: number; max: number } }).addressCache
    const user = rs256({ sub: 'plain' })
    const admin = rs256({ sub: 'boss', realm_access: { roles: ['user', 'admin'] } })
    for (let i = 0; i < 2; i++) {
      expect((await verify(user, 'realm=acme&roles=admin')).status).toBe(403)
      expect((await verify(admin, 'realm=acme&roles=admin')).status).toBe(200)
      expect((await verify(user, 'realm=acme&roles=user')).status).toBe(200)
      // A realm this verifier was not given stays a 500, however often it is asked for.
      expect((await verify(user, 'realm=nope')).status).toBe(500)
    }
    // Neither an unknown realm's address nor a long one is kept: a request's target may be megabytes.
    const kept = (await addressCache()).entries
    expect((await verify(admin, `realm=acme&roles=${'admin,'.repeat(400)}`)).status).toBe(200)
    expect((await addressCache()).entries).toBe(kept)
    // A full cache is emptied and fills again: never more than its bound, and the answers stay the same.
    for (let i = 0; i < 1_030; i++) {
      const res = await verify(i % 2 === 0 ? user : admin, `realm=acme&roles=admin&n=${i}`)
      expect(res.status, `address ${i}`).toBe(i % 2 === 0 ? 403 : 200)
    }
    const after = await addressCache()
    expect(after.max).toBe(1024)
    expect(after.entries).toBeGreaterThan(0)
    expect(after.entries).toBeLessThan(kept + 1_030)
    const last = await verify(admin, 'realm=acme&roles=admin&n=last')
    expect(Object.fromEntries(last.headers)).toMatchObject({ 'x-auth-subject': 'boss', 'x-auth-roles': 'user,admin', 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
    expect(await last.json()).toEqual({ status: 'ok', subject: 'boss', username: 'dev', roles: ['user', 'admin'] })
  })

  it('reports its bound on /_health (10,000 tokens by default)', async () => {
    expect((await stats()).max).toBe(10_000)
  })
})

describe('verifier token cache bounds and settings', () => {
  it('keeps at most VERIFIER_TOKEN_CACHE_MAX tokens, dropping the least recently used', async () => {
    const server = await startServer(VERIFIER, { VERIFIER_REALMS: realmsEnv(), VERIFIER_TOKEN_CACHE_MAX: '2' })
    try {
      const verify = (token: string) => fetch(`${server.baseUrl}/verify?realm=acme`, { headers: { authorization: `Bearer ${token}` } })
      const stats = async () => ((await (await fetch(`${server.baseUrl}/_health`)).json()) as { tokenCache: CacheStats }).tokenCache
      const [a, b, c] = ['a', 'b', 'c'].map((sub) => rs256({ sub }))
      await verify(a!)
      await verify(b!)
      await verify(a!) // a is now the most recently used
      await verify(c!) // drops b
      expect(await stats()).toEqual({ entries: 2, hits: 1, max: 2 })
      await verify(a!)
      expect((await stats()).hits).toBe(2)
      await verify(b!)
      expect((await stats()).hits).toBe(2) // b was dropped: verified again, not a hit
    } finally {
      await server.kill()
    }
  })

  it('caches nothing with VERIFIER_TOKEN_CACHE_MAX=0', async () => {
    const server = await startServer(VERIFIER, { VERIFIER_REALMS: realmsEnv(), VERIFIER_TOKEN_CACHE_MAX: '0' })
    try {
      const token = rs256()
      for (let i = 0; i < 3; i++) {
        expect((await fetch(`${server.baseUrl}/verify?realm=acme`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200)
      }
      expect(((await (await fetch(`${server.baseUrl}/_health`)).json()) as { tokenCache: CacheStats }).tokenCache).toEqual({ entries: 0, hits: 0, max: 0 })
    } finally {
      await server.kill()
    }
  })

  it('exits 1 on a VERIFIER_TOKEN_CACHE_MAX that is not a whole number', async () => {
    await expect(startServer(VERIFIER, { VERIFIER_REALMS: realmsEnv(), VERIFIER_TOKEN_CACHE_MAX: '1e3x' })).rejects.toThrow(
      /exited with 1[\s\S]*verifier: VERIFIER_TOKEN_CACHE_MAX must be a whole number of tokens \(0 turns the cache off\), got "1e3x"/,
    )
  })

  it('refuses a token signed with a key that is no longer configured (the cache lives and dies with the keys)', async () => {
    // The realm keys come from VERIFIER_REALMS at start, so new keys mean a new process and an empty cache.
    const token = rs256()
    const before = await startServer(VERIFIER, { VERIFIER_REALMS: realmsEnv() })
    try {
      const verify = () => fetch(`${before.baseUrl}/verify?realm=acme`, { headers: { authorization: `Bearer ${token}` } })
      expect((await verify()).status).toBe(200)
      expect((await verify()).status).toBe(200)
    } finally {
      await before.kill()
    }
    const after = await startServer(VERIFIER, { VERIFIER_REALMS: realmsEnv(newKeys) })
    try {
      const res = await fetch(`${after.baseUrl}/verify?realm=acme`, { headers: { authorization: `Bearer ${token}` } })
      expect(res.status).toBe(401)
      expect(await res.json()).toEqual({ error: 'unauthorized', message: 'token signed with an unknown key' })
    } finally {
      await after.kill()
    }
  })
})

describe('verifier token cache with AUTH_HEADERS_KEY', () => {
  it('signs each request for its own method, host and function, though the token comes from the cache', async () => {
    const KEY = 'cache-test-key-0123456789abcdefghij'
    const server = await startServer(VERIFIER, { VERIFIER_REALMS: realmsEnv(), AUTH_HEADERS_KEY: KEY })
    try {
      const token = rs256({ sub: 'signed' })
      const requests = [
        ['GET', 'api.localhost', 'a'],
        ['GET', 'api.localhost', 'a'],
        ['POST', 'api.localhost', 'a'],
        ['GET', 'other.localhost', 'a'],
        ['GET', 'other.localhost', 'b'],
        ['GET', 'api.localhost', 'a'],
      ] as const
      for (const [method, host, fn] of requests) {
        const res = await fetch(`${server.baseUrl}/verify?realm=acme&fn=${fn}`, {
          headers: { authorization: `Bearer ${token}`, 'x-forwarded-method': method, 'x-forwarded-host': host },
        })
        const [exp, mac] = res.headers.get('x-auth-signature')!.split('.') as [string, string]
        const signed = JSON.stringify(['sparkbaas-x-auth-v2', method, host, fn, 'signed', 'dev', 'user', Number(exp)])
        expect(mac, `${method} ${host} ${fn}`).toBe(createHmac('sha256', KEY).update(signed).digest('base64url'))
      }
      expect(((await (await fetch(`${server.baseUrl}/_health`)).json()) as { tokenCache: CacheStats }).tokenCache.hits).toBe(requests.length - 1)
    } finally {
      await server.kill()
    }
  })
})
