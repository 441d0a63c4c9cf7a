/**
 * The generated artifacts working together, as far as this machine can run them: a project is generated, then the
 * generated verifier and functions runtime are started with node, configured exactly as docker-compose.yml
 * configures them (its `${VAR}` references resolved from the generated .env), and a request walks the middleware
 * chain that traefik/dynamic.yml gives its router. Traefik itself is not run (no Docker engine here); its chain is
 * applied by `walkRouter` below, which handles only the middleware kinds the generator emits.
 */
import { createPrivateKey, sign } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { generate } from '../../src/generate.js'
import { dotenvValues, parseDotenv } from '../../src/write/dotenv.js'
import { HELLO_FUNCTION } from '../generate/helpers.js'
import { send } from '../helpers/http.js'
import { scanInterpolation } from '../render/compose-interpolation.js'
import { pickRouter } from '../helpers/traefik-rule.js'
import { startServer, type RunningServer } from '../runtime/spawn-server.js'

/** Echoes the identity headers the function received, so a test can see what reached it. */
const WHOAMI_FUNCTION = `export default function whoami(request: Request) {
  const h = (name: string) => request.headers.get(name)
  // The runtime passes the path below the function's own segment.
  return { subject: h('x-auth-subject'), username: h('x-auth-username'), roles: h('x-auth-roles'), signature: h('x-auth-signature'), path: new URL(request.url).pathname }
}
`

const CONFIG = {
  project: 'demo',
  realms: [
    { name: 'main', roles: ['admin', 'user'], clients: [{ id: 'web', type: 'public' }] },
    // Realm `acme` with role `admin` and realm `acme-admin`: both once made the middleware name `auth-acme-admin`.
    { name: 'acme', roles: ['admin', 'x-strip'] },
    { name: 'acme-admin', roles: ['user'] },
  ],
  functions: [
    { name: 'hello', source: './functions/hello', env: { GREETING: 'Hi' } },
    { name: 'whoami', source: './functions/whoami' },
  ],
  routes: [
    { host: 'api', path: '/fn/hello', to: { function: 'hello' }, stripPrefix: true, auth: { realm: 'main', roles: ['admin'] } },
    { host: 'api', path: '/open', to: { function: 'whoami' }, stripPrefix: true },
    { host: 'api', path: '/acme', to: { function: 'whoami' }, stripPrefix: true, auth: { realm: 'acme', roles: ['admin'] } },
    { host: 'api', path: '/acme-admin', to: { function: 'whoami' }, stripPrefix: true, auth: { realm: 'acme-admin' } },
    // `auth-acme-x-strip` was both this route's forwardAuth and the next route's stripPrefix (router `auth-acme-x`).
    { host: 'api', path: '/x', to: { function: 'whoami' }, auth: { realm: 'acme', roles: ['x-strip'] } },
    { host: 'auth', path: '/acme/x', to: { function: 'whoami' }, stripPrefix: true },
    { host: 'auth', to: 'keycloak' },
    // Not a function: its forwardAuth gets the identity but no signature it could replay to the functions runtime.
    { host: 'www', to: { service: 'site' }, auth: { realm: 'main' } },
  ],
  services: { site: { image: 'nginx:1.29-alpine', port: 80 } },
}

const FORGED = { 'X-Auth-Subject': 'root', 'X-Auth-Username': 'admin', 'X-Auth-Roles': 'admin,superuser' }

type Middleware = Record<string, Record<string, unknown>>

let project: string
let out: string
let env: Map<string, string | undefined>
let compose: { services: Record<string, { environment: Record<string, string> }> }
let dynamic: { http: { routers: Record<string, { rule: string; middlewares?: string[]; service: string }>; middlewares: Record<string, Middleware> } }
let verifier: RunningServer
let functions: RunningServer

/** A service's compose environment with its `${VAR:?…}` references replaced from .env, `$$` unescaped. */
function composeEnv(service: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(compose.services[service]!.environment).map(([key, raw]) => [
      key,
      scanInterpolation(raw)
        .map((part) => ('text' in part ? part.text : env.get(part.ref.name) ?? ''))
        .join(''),
    ]),
  )
}

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

/** An access token as Keycloak would issue it, signed with the realm key from .env. */
function token(claims: Record<string, unknown>, realm = 'main'): string {
  const upper = realm.toUpperCase().replaceAll('-', '_')
  const key = createPrivateKey({ key: Buffer.from(env.get(`REALM_${upper}_SIGNING_KEY`)!, 'base64'), format: 'der', type: 'pkcs8' })
  const kid = (JSON.parse(env.get(`REALM_${upper}_JWKS`)!) as { keys: { kid: string }[] }).keys[0]!.kid
  const now = Math.floor(Date.now() / 1000)
  const body = { iss: `http://auth.localhost/realms/${realm}`, sub: 'u1', typ: 'Bearer', iat: now, exp: now + 300, ...claims }
  const signingInput = `${base64url({ alg: 'RS256', typ: 'JWT', kid })}.${base64url(body)}`
  return `${signingInput}.${sign('RSA-SHA256', Buffer.from(signingInput), key).toString('base64url')}`
}

const bearer = (roles: string[], realm = 'main') => ({ authorization: `Bearer ${token({ realm_access: { roles }, preferred_username: 'ada' }, realm)}` })

/** Traefik's stripPrefix / addPrefix helper: a non-empty path gets a leading "/", an empty one stays empty. */
const ensureLeadingSlash = (path: string) => (path === '' || path.startsWith('/') ? path : `/${path}`)

/** Response-only options of the headers middleware; they do not change the request, so the walk skips them. */
const RESPONSE_HEADER_OPTIONS = new Set(['frameDeny', 'contentTypeNosniff', 'referrerPolicy', 'stsSeconds'])

/**
 * Picks the router Traefik would pick for the URL (the rule evaluated by test/helpers/traefik-rule.ts; no match is
 * Traefik's 404), applies its middlewares in order as Traefik does, then forwards to the functions runtime.
 * Each step follows traefik/traefik source: headers `customRequestHeaders` with "" deletes the request header
 * (pkg/middlewares/headers/header.go, modifyCustomRequestHeaders); forwardAuth answers non-2xx itself, else deletes
 * each authResponseHeaders header and copies the auth server's value back, and tells the auth server the request's
 * method and host in X-Forwarded-Method / X-Forwarded-Host, taken from the request itself (pkg/middlewares/auth/
 * forward.go, oldWriteHeader: trustForwardHeader is not set); the service gets the client's Host (`passHostHeader:
 * true`, pkg/proxy/httputil/proxy.go);
 * stripPrefix trims the prefix and adds a leading "/" only to a non-empty rest (pkg/middlewares/stripprefix);
 * addPrefix prepends (pkg/middlewares/addprefix). An empty path goes out as "/": the proxy sends
 * `URL.RequestURI()`, which is "/" for an empty path (Go net/url). Any other middleware kind or option throws.
 */
async function walkRouter(url: string, clientHeaders: Record<string, string> = {}, method = 'GET'): Promise<Response> {
  const request = new URL(url)
  const picked = pickRouter(dynamic.http.routers, { host: request.hostname, path: request.pathname })
  if (!picked) return new Response('404 page not found\n', { status: 404 })
  const [name, router] = picked
  expect(router.service, name).toBe('functions')
  const headers = new Headers(clientHeaders)
  let path = request.pathname
  for (const middlewareName of router.middlewares ?? []) {
    const m = dynamic.http.middlewares[middlewareName]!
    const [kind, ...others] = Object.keys(m)
    if (others.length > 0) throw new Error(`middleware ${middlewareName} has several kinds`)
    const spec = m[kind!]!
    if (kind === 'headers') {
      for (const [option, value] of Object.entries(spec)) {
        if (option === 'customRequestHeaders') {
          for (const [header, v] of Object.entries(value as Record<string, string>)) v === '' ? headers.delete(header) : headers.set(header, v)
        } else if (!RESPONSE_HEADER_OPTIONS.has(option)) throw new Error(`walkRouter: headers option ${option} is not modelled`)
      }
    } else if (kind === 'forwardAuth') {
      const address = new URL(spec.address as string)
      expect(address.host).toBe('verifier:8080')
      const forwarded = { 'x-forwarded-method': method, 'x-forwarded-host': request.host, 'x-forwarded-uri': `${path}${request.search}`, 'x-forwarded-proto': 'http' }
      const answer = await fetch(`${verifier.baseUrl}${address.pathname}${address.search}`, { headers: { ...Object.fromEntries(headers), ...forwarded } })
      if (answer.status < 200 || answer.status > 299) return answer
      for (const header of spec.authResponseHeaders as string[]) {
        headers.delete(header)
        const value = answer.headers.get(header)
        if (value !== null) headers.set(header, value)
      }
    } else if (kind === 'stripPrefix') {
      const prefix = (spec.prefixes as string[]).find((p) => path.startsWith(p))
      if (prefix !== undefined) path = ensureLeadingSlash(path.slice(prefix.length))
    } else if (kind === 'addPrefix') {
      path = ensureLeadingSlash(`${spec.prefix as string}${path}`)
    } else if (kind !== 'rateLimit') {
      throw new Error(`walkRouter: middleware kind ${kind} is not modelled`)
    }
  }
  headers.delete('host')
  return send(`${functions.baseUrl}${path || '/'}${request.search}`, { method, headers: [['host', request.host], ...headers] })
}

/**
 * What the verifier answers the forwardAuth middleware of the router Traefik picks for `url` (as walkRouter asks it),
 * and the headers that middleware copies from the answer into the request.
 */
async function forwardAuthAnswer(url: string, clientHeaders: Record<string, string>, method = 'GET'): Promise<{ answer: Response; copied: Record<string, string> }> {
  const request = new URL(url)
  const [, router] = pickRouter(dynamic.http.routers, { host: request.hostname, path: request.pathname })!
  const spec = (router.middlewares ?? []).map((name) => dynamic.http.middlewares[name]!).find((m) => 'forwardAuth' in m)!.forwardAuth!
  const address = new URL(spec.address as string)
  const forwarded = { 'x-forwarded-method': method, 'x-forwarded-host': request.host, 'x-forwarded-uri': `${request.pathname}${request.search}` }
  const answer = await fetch(`${verifier.baseUrl}${address.pathname}${address.search}`, { headers: { ...clientHeaders, ...forwarded } })
  const copied: Record<string, string> = {}
  for (const header of spec.authResponseHeaders as string[]) {
    const value = answer.headers.get(header)
    if (value !== null) copied[header.toLowerCase()] = value
  }
  return { answer, copied }
}

/** A request straight to the runtime, as a container on the stack's networks can send it (no Traefik, no verifier). */
const direct = (path: string, headers: Record<string, string>, method = 'GET') =>
  send(`${functions.baseUrl}${path}`, { method, headers: { host: 'api.localhost', ...headers } })

beforeAll(async () => {
  // Not the generate helpers' tempDir: it is removed after each test, and these servers outlive one test.
  project = mkdtempSync(join(tmpdir(), 'sparkbaas-int-'))
  mkdirSync(join(project, 'functions', 'hello'), { recursive: true })
  writeFileSync(join(project, 'functions', 'hello', 'index.ts'), HELLO_FUNCTION)
  mkdirSync(join(project, 'functions', 'whoami'), { recursive: true })
  writeFileSync(join(project, 'functions', 'whoami', 'index.ts'), WHOAMI_FUNCTION)
  writeFileSync(join(project, 'sparkbaas.config.json'), JSON.stringify(CONFIG))
  await generate({ cwd: project })
  out = join(project, 'generated')
  env = dotenvValues(parseDotenv(readFileSync(join(out, '.env'), 'utf8')))
  compose = parse(readFileSync(join(out, 'docker-compose.yml'), 'utf8'))
  dynamic = parse(readFileSync(join(out, 'traefik', 'dynamic.yml'), 'utf8'))
  // As compose starts them (HOST and PORT are set by startServer), the runtime's manifest at its path here.
  verifier = await startServer(join(out, 'verifier', 'verifier.mjs'), composeEnv('verifier'))
  functions = await startServer(join(out, 'functions', 'server.mjs'), {
    ...composeEnv('functions'),
    FUNCTIONS_MANIFEST: join(out, 'functions', 'manifest.json'),
  })
}, 60_000)

afterAll(async () => {
  await verifier?.kill()
  await functions?.kill()
  rmSync(project, { recursive: true, force: true })
})

describe('a route with auth, through the generated Traefik chain, verifier and functions runtime', () => {
  it('refuses a request without a token', async () => {
    const res = await walkRouter('http://api.localhost/fn/hello?name=Ada')
    expect(res.status).toBe(401)
    expect(await res.json()).toMatchObject({ error: 'unauthorized' })
  })

  it('refuses a token signed by the realm key but without the required role', async () => {
    const res = await walkRouter('http://api.localhost/fn/hello?name=Ada', { authorization: `Bearer ${token({ realm_access: { roles: ['user'] } })}` })
    expect(res.status).toBe(403)
    expect(await res.json()).toEqual({ error: 'forbidden', message: 'missing role "admin"' })
  })

  it('lets a token with the role through to the function, with its env and the stripped path', async () => {
    const res = await walkRouter('http://api.localhost/fn/hello?name=Ada', { authorization: `Bearer ${token({ realm_access: { roles: ['admin'] } })}` })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ message: 'Hi, Ada!' })
  })

  it('serves a route without auth to anyone', async () => {
    const res = await walkRouter('http://api.localhost/open')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ subject: null, username: null, roles: null, signature: null, path: '/' })
  })
})

// Issue 11, item 11: a router without forwardAuth passes client headers through, so they are removed first.
describe('identity headers a client sends', () => {
  it('never reach a function behind a route without auth', async () => {
    const res = await walkRouter('http://api.localhost/open/me', FORGED)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ subject: null, username: null, roles: null, signature: null, path: '/me' })
  })

  it('are replaced by the verifier on a route with auth', async () => {
    const res = await walkRouter('http://api.localhost/acme', { ...FORGED, ...bearer(['admin'], 'acme') })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ subject: 'u1', username: 'ada', roles: 'admin', signature: null, path: '/' })
  })
})

// Issue 12, item 8: the runtime is reachable without Traefik from anything on the stack's networks. It passes
// X-Auth-* on only with the verifier's signature (made with AUTH_HEADERS_KEY, which compose gives the two of them).
describe('identity headers sent straight to the functions runtime', () => {
  it('are removed, with or without a forged signature; the request still reaches the function', async () => {
    for (const extra of [{} as Record<string, string>, { 'X-Auth-Signature': `${Math.floor(Date.now() / 1000) + 30}.${'A'.repeat(43)}` }]) {
      const res = await direct('/whoami/me', { ...FORGED, ...extra })
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ subject: null, username: null, roles: null, signature: null, path: '/me' })
    }
  })

  it('are removed when they carry a signature the verifier made for another method or host', async () => {
    const { answer, copied: signed } = await forwardAuthAnswer('http://api.localhost/acme', bearer(['admin'], 'acme'))
    expect(answer.status).toBe(200)
    expect(Object.keys(signed).sort()).toEqual(['x-auth-roles', 'x-auth-signature', 'x-auth-subject', 'x-auth-username'])
    // The same headers as they came: the runtime's own check passes them on (what Traefik would hand it).
    expect(await (await direct('/whoami', signed)).json()).toEqual({ subject: 'u1', username: 'ada', roles: 'admin', signature: null, path: '/' })
    const none = { subject: null, username: null, roles: null, signature: null, path: '/' }
    expect(await (await direct('/whoami', signed, 'POST')).json()).toEqual(none)
    expect(await (await send(`${functions.baseUrl}/whoami`, { headers: { ...signed, host: 'auth.localhost' } })).json()).toEqual(none)
    expect(await (await direct('/whoami', { ...signed, 'x-auth-roles': 'admin,root' })).json()).toEqual(none)
  })

  // The review of issue 12, item 8: a signature is bound to the function of the route it was made for.
  it('are removed when they carry a signature the verifier made for a route to another function on the same host', async () => {
    const { answer, copied: signed } = await forwardAuthAnswer('http://api.localhost/fn/hello', bearer(['admin']))
    expect(answer.status).toBe(200)
    expect(Object.keys(signed)).toContain('x-auth-signature')
    expect(await (await direct('/whoami', signed)).json()).toEqual({ subject: null, username: null, roles: null, signature: null, path: '/' })
  })

  // A route to anything but a function (here an extra service; PostgREST and Spark alike) gets the identity headers
  // and no signature: what it receives is of no use against the runtime.
  it('are removed when they come from a route to an extra service, which gets no signature', async () => {
    const { answer, copied } = await forwardAuthAnswer('http://www.localhost/', bearer(['user']))
    expect(answer.status).toBe(200)
    expect(answer.headers.get('x-auth-signature')).toBeNull()
    expect(copied).toEqual({ 'x-auth-subject': 'u1', 'x-auth-username': 'ada', 'x-auth-roles': 'user' })
    expect(await (await direct('/whoami', copied)).json()).toEqual({ subject: null, username: null, roles: null, signature: null, path: '/' })
  })

  it('a client\'s own X-Auth-Signature is removed by the routers, so only the verifier\'s reaches the runtime', async () => {
    expect(dynamic.http.middlewares['remove-auth-headers']).toEqual({
      headers: { customRequestHeaders: { 'X-Auth-Subject': '', 'X-Auth-Username': '', 'X-Auth-Roles': '', 'X-Auth-Signature': '' } },
    })
    const res = await walkRouter('http://api.localhost/acme', { ...FORGED, 'X-Auth-Signature': 'forged', ...bearer(['admin'], 'acme') }, 'DELETE')
    expect(await res.json()).toEqual({ subject: 'u1', username: 'ada', roles: 'admin', signature: null, path: '/' })
  })
})

// Issue 11, item 12: a route path matches itself and the paths below it, not every path that starts with its text.
describe('route paths are whole segments', () => {
  it('/fn/helloworld and /openx reach no router', async () => {
    for (const url of ['http://api.localhost/fn/helloworld', 'http://api.localhost/openx', 'http://api.localhost/acmeadmin']) {
      expect(pickRouter(dynamic.http.routers, { host: 'api.localhost', path: new URL(url).pathname }), url).toBeUndefined()
      expect((await walkRouter(url, bearer(['admin']))).status, url).toBe(404)
    }
  })

  it('the path itself, with or without a trailing slash, and paths below it reach the route', async () => {
    for (const [url, path] of [
      ['http://api.localhost/fn/hello?name=Ada', '/hello'],
      ['http://api.localhost/open', '/'],
      ['http://api.localhost/open/', '/'],
      ['http://api.localhost/open/a/b', '/a/b'],
    ] as const) {
      const res = await walkRouter(url, bearer(['admin']))
      expect(res.status, url).toBe(200)
      if (path !== '/hello') expect(((await res.json()) as { path: string }).path, url).toBe(path)
    }
  })

  it('/acme-admin is its own route, not /acme with "-admin" left over', async () => {
    const res = await walkRouter('http://api.localhost/acme-admin/x', bearer(['user'], 'acme-admin'))
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ roles: 'user', path: '/x' })
  })
})

// Issue 11, item 13: names that once collided (auth-acme-admin twice; auth-acme-x-strip as forwardAuth and as
// stripPrefix) — each route keeps its own auth.
describe('every route keeps its own auth when generated names would collide', () => {
  it('realm acme with role admin, and realm acme-admin', async () => {
    expect((await walkRouter('http://api.localhost/acme', bearer(['admin'], 'acme'))).status).toBe(200)
    expect((await walkRouter('http://api.localhost/acme', bearer(['admin'], 'acme-admin'))).status).toBe(401)
    expect((await walkRouter('http://api.localhost/acme-admin', bearer(['user'], 'acme-admin'))).status).toBe(200)
    expect((await walkRouter('http://api.localhost/acme-admin', bearer(['admin'], 'acme'))).status).toBe(401)
  })

  it('a role ending in -strip, beside a router whose stripPrefix middleware had that name', async () => {
    expect((await walkRouter('http://api.localhost/x')).status).toBe(401)
    expect((await walkRouter('http://api.localhost/x', bearer(['admin'], 'acme'))).status).toBe(403)
    expect(await (await walkRouter('http://api.localhost/x', bearer(['x-strip'], 'acme'))).json()).toMatchObject({ roles: 'x-strip', path: '/x' })
    // The other router still strips its prefix.
    expect(await (await walkRouter('http://auth.localhost/acme/x/y')).json()).toMatchObject({ roles: null, path: '/y' })
  })
})
