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
import { scanInterpolation } from '../render/compose-interpolation.js'
import { startServer, type RunningServer } from '../runtime/spawn-server.js'

const CONFIG = {
  project: 'demo',
  realms: [{ name: 'main', roles: ['admin', 'user'], clients: [{ id: 'web', type: 'public' }] }],
  functions: [{ name: 'hello', source: './functions/hello', env: { GREETING: 'Hi' } }],
  routes: [
    { host: 'api', path: '/fn/hello', to: { function: 'hello' }, stripPrefix: true, auth: { realm: 'main', roles: ['admin'] } },
    { host: 'api', path: '/open', to: { function: 'hello' }, stripPrefix: true },
    { host: 'auth', to: 'keycloak' },
  ],
}

interface Middleware {
  forwardAuth?: { address: string }
  stripPrefix?: { prefixes: string[] }
  addPrefix?: { prefix: string }
}

let project: string
let out: string
let env: Map<string, string | undefined>
let compose: { services: Record<string, { environment: Record<string, string> }> }
let dynamic: { http: { routers: Record<string, { rule: string; middlewares: string[]; service: string }>; middlewares: Record<string, Middleware> } }
let verifier: RunningServer
let functions: RunningServer

/** A compose environment value with its `${VAR:?…}` references replaced from .env, `$$` unescaped. */
function composeEnv(service: string, key: string): string {
  const raw = compose.services[service]!.environment[key]!
  return scanInterpolation(raw)
    .map((part) => ('text' in part ? part.text : env.get(part.ref.name) ?? ''))
    .join('')
}

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

/** An access token as Keycloak would issue it, signed with the realm key from .env. */
function token(claims: Record<string, unknown>): string {
  const key = createPrivateKey({ key: Buffer.from(env.get('REALM_MAIN_SIGNING_KEY')!, 'base64'), format: 'der', type: 'pkcs8' })
  const kid = (JSON.parse(env.get('REALM_MAIN_JWKS')!) as { keys: { kid: string }[] }).keys[0]!.kid
  const now = Math.floor(Date.now() / 1000)
  const body = { iss: 'http://auth.localhost/realms/main', sub: 'u1', typ: 'Bearer', iat: now, exp: now + 300, ...claims }
  const signingInput = `${base64url({ alg: 'RS256', typ: 'JWT', kid })}.${base64url(body)}`
  return `${signingInput}.${sign('RSA-SHA256', Buffer.from(signingInput), key).toString('base64url')}`
}

/** Applies a router's middlewares in order, then forwards to the functions runtime. */
async function walkRouter(path: string, headers: Record<string, string> = {}): Promise<Response> {
  const [name, router] = Object.entries(dynamic.http.routers).find(([, r]) => r.rule.includes(`PathPrefix(\`${path.split('?')[0]}\`)`))!
  expect(router.service, name).toBe('functions')
  let target = path
  for (const middlewareName of router.middlewares) {
    const m = dynamic.http.middlewares[middlewareName]!
    if (m.forwardAuth) {
      const address = new URL(m.forwardAuth.address)
      expect(address.host).toBe('verifier:8080')
      const answer = await fetch(`${verifier.baseUrl}${address.pathname}${address.search}`, { headers })
      if (answer.status !== 200) return answer
    } else if (m.stripPrefix) {
      const prefix = m.stripPrefix.prefixes.find((p) => target.startsWith(p))
      if (prefix) target = target.slice(prefix.length) || '/'
    } else if (m.addPrefix) {
      target = `${m.addPrefix.prefix}${target.startsWith('/') ? target : `/${target}`}`
    }
  }
  return fetch(`${functions.baseUrl}${target}`, { headers })
}

beforeAll(async () => {
  // Not the generate helpers' tempDir: it is removed after each test, and these servers outlive one test.
  project = mkdtempSync(join(tmpdir(), 'sparkbaas-int-'))
  mkdirSync(join(project, 'functions', 'hello'), { recursive: true })
  writeFileSync(join(project, 'functions', 'hello', 'index.ts'), HELLO_FUNCTION)
  writeFileSync(join(project, 'sparkbaas.config.json'), JSON.stringify(CONFIG))
  await generate({ cwd: project })
  out = join(project, 'generated')
  env = dotenvValues(parseDotenv(readFileSync(join(out, '.env'), 'utf8')))
  compose = parse(readFileSync(join(out, 'docker-compose.yml'), 'utf8'))
  dynamic = parse(readFileSync(join(out, 'traefik', 'dynamic.yml'), 'utf8'))
  verifier = await startServer(join(out, 'verifier', 'verifier.mjs'), {
    VERIFIER_REALMS: composeEnv('verifier', 'VERIFIER_REALMS'),
  })
  functions = await startServer(join(out, 'functions', 'server.mjs'), {
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
    const res = await walkRouter('/fn/hello?name=Ada')
    expect(res.status).toBe(401)
    expect(await res.json()).toMatchObject({ error: 'unauthorized' })
  })

  it('refuses a token signed by the realm key but without the required role', async () => {
    const res = await walkRouter('/fn/hello?name=Ada', { authorization: `Bearer ${token({ realm_access: { roles: ['user'] } })}` })
    expect(res.status).toBe(403)
    expect(await res.json()).toEqual({ error: 'forbidden', message: 'missing role "admin"' })
  })

  it('lets a token with the role through to the function, with its env and the stripped path', async () => {
    const res = await walkRouter('/fn/hello?name=Ada', { authorization: `Bearer ${token({ realm_access: { roles: ['admin'] } })}` })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ message: 'Hi, Ada!' })
  })

  it('serves a route without auth to anyone', async () => {
    const res = await walkRouter('/open?name=Bo')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ message: 'Hi, Bo!' })
  })
})
