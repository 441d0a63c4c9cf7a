/**
 * `sparkbaas token` run as a user runs it (the built CLI, `npm run build` first) on a generated project: what it
 * prints, the claims and header of the token, `--json`, and every refusal with its whole message.
 * That the token opens the API and passes the verifier is test/integration/token.test.ts.
 */
import { createPublicKey, verify, type JsonWebKey } from 'node:crypto'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { generate } from '../../src/generate.js'
import { dotenvValues, parseDotenv } from '../../src/write/dotenv.js'
import { sparkbaas, STACK_LINE, tempDir } from '../helpers/cli.js'
import { TOKEN_CONFIG } from '../helpers/token.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

async function project(config: object = TOKEN_CONFIG, options: { generate?: boolean } = {}): Promise<string> {
  const dir = await tempDir()
  dirs.push(dir)
  writeFileSync(join(dir, 'sparkbaas.config.json'), JSON.stringify(config))
  if (options.generate !== false) await generate({ cwd: dir })
  return dir
}

// The shell running the tests must not lend a key to the command (compose lets the shell override .env).
const CLEAN = { REALM_MAIN_SIGNING_KEY: undefined, REALM_MAIN_JWKS: undefined, REALM_EXTRA_SIGNING_KEY: undefined, REALM_EXTRA_JWKS: undefined }

async function token(dir: string, args: string[] = []) {
  const result = await sparkbaas(['token', ...args], { cwd: dir, tmp: dir, env: CLEAN })
  // A refusal is the user's to fix: never a stack trace.
  expect(result.raw.stderr).not.toMatch(STACK_LINE)
  return result
}

const envOf = (dir: string) => dotenvValues(parseDotenv(readFileSync(join(dir, 'generated', '.env'), 'utf8')))
const jwksKey = (dir: string, realm: string) => (JSON.parse(envOf(dir).get(`REALM_${realm.toUpperCase()}_JWKS`)!) as { keys: ({ kid: string } & JsonWebKey)[] }).keys[0]!

function decode(jwt: string): { header: Record<string, unknown>; claims: Record<string, unknown>; signingInput: string; signature: Buffer } {
  const [h, p, s] = jwt.split('.') as [string, string, string]
  const json = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>
  return { header: json(h), claims: json(p), signingInput: `${h}.${p}`, signature: Buffer.from(s, 'base64url') }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const ISO = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ'

describe('sparkbaas token', () => {
  test('prints the token alone on stdout (for TOKEN=$(sparkbaas token)) and a note on stderr', async () => {
    const dir = await project()
    const before = Math.floor(Date.now() / 1000)
    const result = await token(dir)
    expect(result.code).toBe(0)
    expect(result.raw.stdout).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n$/)
    expect(result.stderr).toMatch(new RegExp(`^✔ Token for sparkbaas-token in realm main, no realm roles, valid 1h \\(until ${ISO}\\)\\.\\n$`))

    const { header, claims, signingInput, signature } = decode(result.raw.stdout.trim())
    const jwk = jwksKey(dir, 'main')
    // Keycloak's kid: base64url(SHA-256(SPKI)), the one PostgREST's and the verifier's JWK set carry.
    expect(header).toEqual({ alg: 'RS256', typ: 'JWT', kid: jwk.kid })
    expect(verify('RSA-SHA256', Buffer.from(signingInput), createPublicKey({ key: jwk, format: 'jwk' }), signature)).toBe(true)
    const iat = claims.iat as number
    expect(iat).toBeGreaterThanOrEqual(before)
    expect(iat).toBeLessThanOrEqual(Math.floor(Date.now() / 1000))
    expect(claims).toEqual({
      exp: iat + 3600,
      iat,
      jti: expect.stringMatching(UUID),
      iss: 'http://auth.localhost/realms/main',
      aud: 'account',
      sub: expect.stringMatching(UUID),
      typ: 'Bearer',
      realm_access: { roles: [] },
      // The hardcoded claim Keycloak's clients of the API realm add, which PostgREST switches role on.
      role: 'authenticated',
      preferred_username: 'sparkbaas-token',
    })
    expect(result.stderr).toContain(new Date((iat + 3600) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'))
  })

  test('--user of a seed user: its roles and profile; the same subject every time, another for another user', async () => {
    const dir = await project()
    const first = decode((await token(dir, ['--user', 'dev'])).raw.stdout.trim()).claims
    expect(first).toMatchObject({
      realm_access: { roles: ['user'] },
      preferred_username: 'dev',
      email: 'dev@demo.test',
      email_verified: true,
      given_name: 'Dev',
      family_name: 'main',
      name: 'Dev main',
    })
    const again = decode((await token(dir, ['--user', 'dev'])).raw.stdout.trim()).claims
    expect(again.sub).toBe(first.sub)
    expect(again.jti).not.toBe(first.jti)
    const other = decode((await token(dir, ['--user', 'ada'])).raw.stdout.trim()).claims
    expect(other.sub).not.toBe(first.sub)
    // A user the config does not seed gets no profile and no roles unless asked.
    expect(other).not.toHaveProperty('email')
    expect(other.realm_access).toEqual({ roles: [] })
  })

  test('--role replaces the roles: repeated or comma-separated, duplicates once', async () => {
    const dir = await project()
    const repeated = await token(dir, ['--user', 'dev', '--role', 'admin', '--role', 'user'])
    expect(decode(repeated.raw.stdout.trim()).claims.realm_access).toEqual({ roles: ['admin', 'user'] })
    expect(repeated.stderr).toMatch(new RegExp(`^✔ Token for dev in realm main, realm roles admin, user, valid 1h \\(until ${ISO}\\)\\.\\n$`))
    const commas = await token(dir, ['--role=admin,user', '--role', 'admin'])
    expect(decode(commas.raw.stdout.trim()).claims.realm_access).toEqual({ roles: ['admin', 'user'] })
  })

  test('--realm: signed with that realm\'s key and issuer; no PostgREST role claim outside the API realm', async () => {
    const dir = await project()
    const { header, claims } = decode((await token(dir, ['--realm', 'extra'])).raw.stdout.trim())
    expect(header.kid).toBe(jwksKey(dir, 'extra').kid)
    expect(claims.iss).toBe('http://auth.localhost/realms/extra')
    expect(claims).not.toHaveProperty('role')
  })

  test('--ttl: seconds, minutes, hours or a day', async () => {
    const dir = await project()
    for (const [ttl, seconds] of [['90', 90], ['45s', 45], ['15m', 900], ['2h', 7200], ['1d', 86400]] as const) {
      const { claims } = decode((await token(dir, ['--ttl', ttl])).raw.stdout.trim())
      expect((claims.exp as number) - (claims.iat as number), ttl).toBe(seconds)
    }
  })

  test('--json: { ok, token, realm, user, roles, expiresAt }, nothing on stderr', async () => {
    const dir = await project()
    const result = await token(dir, ['--json', '--user', 'dev', '--ttl', '15m'])
    expect(result.code).toBe(0)
    expect(result.stderr).toBe('')
    const body = JSON.parse(result.stdout) as Record<string, unknown>
    expect(body).toEqual({ ok: true, token: expect.any(String), realm: 'main', user: 'dev', roles: ['user'], expiresAt: expect.any(String) })
    const { claims } = decode(body.token as string)
    expect(body.expiresAt).toBe(new Date((claims.exp as number) * 1000).toISOString())
    expect((claims.exp as number) - (claims.iat as number)).toBe(900)
  })
})

describe('sparkbaas token refuses', () => {
  test('without generated/.env, and says to run `sparkbaas generate`', async () => {
    const dir = await project(TOKEN_CONFIG, { generate: false })
    const result = await token(dir)
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe(
      [
        "✖ generated/.env does not exist: it holds the realms' signing keys a token is signed with.",
        'hint: Run `sparkbaas generate` first (`sparkbaas up` generates too).',
        '',
      ].join('\n'),
    )
    const json = await token(dir, ['--json'])
    expect(json.code).toBe(1)
    expect(JSON.parse(json.stdout)).toEqual({
      ok: false,
      problems: [{ path: '', code: 'not_generated', message: "generated/.env does not exist: it holds the realms' signing keys a token is signed with." }],
    })
  })

  const USAGE: [string, string[], string[]][] = [
    [
      'an unknown realm',
      ['--realm', 'nope'],
      ['✖ --realm "nope" is not a realm of the config; its realms are: extra, main.', 'hint: Pass one of them, e.g. `--realm main`.'],
    ],
    [
      'a role the realm does not have',
      ['--role', 'superuser'],
      [
        '✖ Role "superuser" is not a role of realm main; its roles are: admin, user.',
        "hint: Pass one of them with --role, or add it to the realm's roles in the config and run `sparkbaas generate`.",
      ],
    ],
    [
      'several roles the realm does not have',
      ['--role', 'admin,boss', '--role', 'chief'],
      [
        '✖ Roles "boss", "chief" are not roles of realm main; its roles are: admin, user.',
        "hint: Pass one of them with --role, or add it to the realm's roles in the config and run `sparkbaas generate`.",
      ],
    ],
    [
      'a role in a realm without roles',
      ['--realm', 'extra', '--role', 'user'],
      ['✖ Role "user" is not a role of realm extra, which has no roles.', "hint: Add it to the realm's roles in the config and run `sparkbaas generate`."],
    ],
    ['an empty role', ['--role', 'admin,'], ['✖ --role needs a role name, not "".', 'hint: For example: --role admin, or --role admin,user.']],
    [
      'a ttl that is not a duration',
      ['--ttl', 'soon'],
      ['✖ --ttl needs a duration such as 90s, 15m or 1h, not "soon".', 'hint: A number alone is seconds; a token lives at most 24h.'],
    ],
    ['a ttl of zero', ['--ttl', '0m'], ['✖ --ttl must be between 1s and 24h, not "0m".', 'hint: A token lives at most 24h: mint a new one when it expires.']],
    ['a ttl over a day', ['--ttl', '25h'], ['✖ --ttl must be between 1s and 24h, not "25h".', 'hint: A token lives at most 24h: mint a new one when it expires.']],
    [
      'a username Keycloak would not have',
      ['--user', 'Dev User'],
      ['✖ --user "Dev User" is not a username: expected lowercase letters, digits, ".", "_", "@" and "-", at most 255 characters.', 'hint: For example: --user dev.'],
    ],
  ]

  test.each(USAGE)('%s (exit 2, nothing on stdout)', async (_, args, lines) => {
    const dir = await project()
    const result = await token(dir, args)
    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe(`${lines.join('\n')}\n`)
  })

  test('--json: the refusal as { ok: false, problems }', async () => {
    const dir = await project()
    const result = await token(dir, ['--json', '--role', 'superuser'])
    expect(result.code).toBe(2)
    expect(JSON.parse(result.stdout)).toEqual({
      ok: false,
      problems: [{ path: '', code: 'usage', message: 'Role "superuser" is not a role of realm main; its roles are: admin, user.' }],
    })
  })

  test('when the realm is ambiguous (no api realm, several realms) or there is none', async () => {
    const two = await project({ project: 'demo', realms: [{ name: 'main' }, { name: 'extra' }] }, { generate: false })
    const ambiguous = await token(two)
    expect(ambiguous.code).toBe(2)
    expect(ambiguous.stderr).toBe(
      ['✖ Which realm? The config has 2 realms and no api realm: extra, main.', 'hint: Pass one of them, e.g. `--realm extra`.', ''].join('\n'),
    )
    const none = await project({ project: 'demo' }, { generate: false })
    const nothing = await token(none)
    expect(nothing.code).toBe(2)
    expect(nothing.stderr).toBe(
      ["✖ The config has no realms, and a token is signed with a realm's key.", 'hint: Add a realm under `realms` in the config, then run `sparkbaas generate`.', ''].join('\n'),
    )
  })

  test('when .env lacks the key of a realm added since the last generate', async () => {
    const dir = await project()
    writeFileSync(join(dir, 'sparkbaas.config.json'), JSON.stringify({ ...TOKEN_CONFIG, realms: [...TOKEN_CONFIG.realms, { name: 'late' }] }))
    const result = await token(dir, ['--realm', 'late'])
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(
      [
        '✖ generated/.env has no REALM_LATE_SIGNING_KEY, the signing key of realm late.',
        'hint: Run `sparkbaas generate`: it adds the keys the config needs and keeps the others.',
        '',
      ].join('\n'),
    )
  })

  test('when the JWK set PostgREST and the verifier read is not the signing key\'s (they would refuse the token)', async () => {
    const dir = await project()
    const file = join(dir, 'generated', '.env')
    const env = envOf(dir)
    const text = readFileSync(file, 'utf8').replace(`REALM_MAIN_JWKS='${env.get('REALM_MAIN_JWKS')}'`, `REALM_MAIN_JWKS='${env.get('REALM_EXTRA_JWKS')}'`)
    expect(text).not.toBe(readFileSync(file, 'utf8'))
    writeFileSync(file, text)
    const result = await token(dir)
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe(
      [
        '✖ generated/.env: REALM_MAIN_JWKS does not hold the public half of REALM_MAIN_SIGNING_KEY, so PostgREST and the verifier would refuse a token signed with it.',
        'hint: Delete the REALM_MAIN_JWKS line and run `sparkbaas generate`: it derives it again from the key. Then `sparkbaas up` restarts the services with it.',
        '',
      ].join('\n'),
    )
  })

  test('when the signing key in .env is not an RSA key', async () => {
    const dir = await project()
    const file = join(dir, 'generated', '.env')
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^REALM_MAIN_SIGNING_KEY=.*$/m, 'REALM_MAIN_SIGNING_KEY=bm90IGEga2V5'))
    const result = await token(dir)
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toMatch(/^✖ generated\/\.env: REALM_MAIN_SIGNING_KEY is not an RSA private key in PKCS#8 DER base64 \(.+\)\nhint: Delete the REALM_MAIN_SIGNING_KEY line/)
  })
})
