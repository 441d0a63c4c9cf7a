/**
 * A token from `sparkbaas token` (the built CLI, `npm run build` first) is accepted where the generated stack checks
 * tokens: by the generated verifier, started with node exactly as docker-compose.yml configures it, with the roles
 * a route asks for; and by PostgREST as far as its configuration in docker-compose.yml decides: the signature
 * verifies with the JWK set it is given (PGRST_JWT_SECRET), under the token's `kid`, its claims pass PostgREST's
 * checks, and its role claim (PGRST_JWT_ROLE_CLAIM_KEY) names the role the init SQL grants to PostgREST's login.
 * PostgREST itself is not run (no Docker engine here); its checks are read from its source, cited below.
 */
import { createPublicKey, verify, type JsonWebKey } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { generate } from '../../src/generate.js'
import { dotenvValues, parseDotenv } from '../../src/write/dotenv.js'
import { sparkbaas } from '../helpers/cli.js'
import { scanInterpolation } from '../render/compose-interpolation.js'
import { startServer, type RunningServer } from '../runtime/spawn-server.js'
import { TOKEN_CONFIG } from '../helpers/token.js'

let project: string
let env: Map<string, string | undefined>
let compose: { services: Record<string, { environment: Record<string, string> }> }
let verifier: RunningServer

/** A compose environment value with its `${VAR:?…}` references replaced from .env, `$$` unescaped. */
function composeEnv(service: string, key: string): string | undefined {
  const raw = compose.services[service]!.environment[key]
  if (raw === undefined) return undefined
  return scanInterpolation(raw)
    .map((part) => ('text' in part ? part.text : env.get(part.ref.name) ?? ''))
    .join('')
}

async function mint(...args: string[]): Promise<string> {
  const result = await sparkbaas(['token', ...args], { cwd: project, env: { REALM_MAIN_SIGNING_KEY: undefined, REALM_MAIN_JWKS: undefined } })
  expect(result.stderr).toMatch(/^✔ Token for /)
  expect(result.code).toBe(0)
  return result.raw.stdout.trim()
}

const verify_ = (token: string, query: string) => fetch(`${verifier.baseUrl}/verify?${query}`, { headers: { authorization: `Bearer ${token}` } })

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), 'sparkbaas-token-'))
  writeFileSync(join(project, 'sparkbaas.config.json'), JSON.stringify(TOKEN_CONFIG))
  await generate({ cwd: project })
  const out = join(project, 'generated')
  env = dotenvValues(parseDotenv(readFileSync(join(out, '.env'), 'utf8')))
  compose = parse(readFileSync(join(out, 'docker-compose.yml'), 'utf8'))
  verifier = await startServer(join(out, 'verifier', 'verifier.mjs'), { VERIFIER_REALMS: composeEnv('verifier', 'VERIFIER_REALMS')! })
}, 60_000)

afterAll(async () => {
  await verifier?.kill()
  rmSync(project, { recursive: true, force: true })
})

describe('a token from `sparkbaas token`', () => {
  it('passes the generated verifier for a route asking for the role it carries, with the identity headers', async () => {
    const res = await verify_(await mint('--user', 'dev', '--role', 'user'), 'realm=main&roles=user')
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ status: 'ok', username: 'dev', roles: ['user'] })
    expect(res.headers.get('x-auth-username')).toBe('dev')
    expect(res.headers.get('x-auth-roles')).toBe('user')
    expect(res.headers.get('x-auth-subject')).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('is refused by the verifier without the role, and in another realm', async () => {
    const admin = await mint('--role', 'admin')
    const forbidden = await verify_(admin, 'realm=main&roles=user')
    expect(forbidden.status).toBe(403)
    expect(await forbidden.json()).toEqual({ error: 'forbidden', message: 'missing role "user"' })
    // Signed with realm main's key and issued by main: realm extra's check refuses it.
    expect((await verify_(admin, 'realm=extra')).status).toBe(401)
  })

  it('verifies with the JWK set PostgREST is given, and its claims pass PostgREST\'s checks with the authenticated role', async () => {
    const token = await mint('--role', 'user')
    const [h, p, s] = token.split('.') as [string, string, string]
    const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg: string; kid: string }
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>

    // PostgREST parses PGRST_JWT_SECRET as a JWK set and picks the key by `kid` (src/PostgREST/Auth/Jwt.hs,
    // parseToken: Jose's `decode (keys secret)`); a secret that is not JWK would be taken as an HS256 secret.
    const jwks = JSON.parse(composeEnv('postgrest', 'PGRST_JWT_SECRET')!) as { keys: ({ kid: string; alg: string } & JsonWebKey)[] }
    const jwk = jwks.keys.find((k) => k.kid === header.kid)
    expect(jwk, 'a key with the token\'s kid').toBeDefined()
    expect([header.alg, jwk!.alg]).toEqual(['RS256', 'RS256'])
    expect(verify('RSA-SHA256', Buffer.from(`${h}.${p}`), createPublicKey({ key: jwk!, format: 'jwk' }), Buffer.from(s, 'base64url'))).toBe(true)

    // Jwt.hs checkForErrors: exp in the future, nbf/iat not in the future (30 s skew), and `aud` only against a
    // configured jwt-aud: without PGRST_JWT_AUD any audience passes.
    const now = Math.floor(Date.now() / 1000)
    expect(claims.exp as number).toBeGreaterThan(now + 30)
    expect(claims.iat as number).toBeLessThanOrEqual(now + 30)
    expect(composeEnv('postgrest', 'PGRST_JWT_AUD')).toBeUndefined()

    // Jwt.hs parseClaims walks PGRST_JWT_ROLE_CLAIM_KEY (".role") into the claims; that role is what PostgREST
    // switches to, and the init SQL grants it to PostgREST's login role.
    const path = composeEnv('postgrest', 'PGRST_JWT_ROLE_CLAIM_KEY')!
    expect(path).toBe('.role')
    const role = path.split('.').slice(1).reduce<unknown>((value, key) => (value as Record<string, unknown>)?.[key], claims)
    expect(role).toBe('authenticated')
    const initSql = readFileSync(join(project, 'generated', 'postgres', 'init', '00-roles.sql'), 'utf8')
    expect(initSql).toContain(`GRANT "${role as string}" TO "authenticator";`)
  })

  it('carries the issuer the verifier expects for the realm (Keycloak\'s public issuer URL)', async () => {
    const claims = JSON.parse(Buffer.from((await mint()).split('.')[1]!, 'base64url').toString()) as { iss: string }
    const realms = JSON.parse(composeEnv('verifier', 'VERIFIER_REALMS')!) as Record<string, { issuer: string }>
    expect(claims.iss).toBe(realms.main!.issuer)
    // Keycloak's own issuer: KC_HOSTNAME + /realms/<realm>.
    expect(claims.iss).toBe(`${composeEnv('keycloak', 'KC_HOSTNAME')!.replace(/\/$/, '')}/realms/main`)
  })
})
