import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type JsonWebKey } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isSparkbaasError } from '../../src/errors.js'
import type { EnvVar } from '../../src/model/types.js'
import { envValue } from '../../src/render/escape.js'
import { DotenvSyntaxError, formatEnvEntry, parseDotenv } from '../../src/write/dotenv.js'
import { ADDED_MARKER, ensureEnv, ensureEnvWithKeys, ENV_FILE_HEADER } from '../../src/write/secrets.js'
import { example, many, modelOf } from '../render/_fixtures.js'

const model = modelOf(example)
const PASSWORD = /^[A-Za-z0-9_-]{32}$/

/** What compose would read from the file. */
const read = (text: string): Record<string, string | undefined> => Object.fromEntries(parseDotenv(text).map((e) => [e.key, e.value]))

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url')

describe('ensureEnv on a fresh project', () => {
  const first = ensureEnv(model.env, undefined)
  const env = read(first.text)

  it('writes every key of the model, in order, with its comment, under the header', () => {
    expect(first.added).toEqual(model.env.map((v) => v.key))
    expect(first.unused).toEqual([])
    expect(first.stale).toEqual([])
    expect(Object.keys(env)).toEqual(model.env.map((v) => v.key))
    expect(first.text.startsWith(ENV_FILE_HEADER.join('\n') + '\n')).toBe(true)
    expect(first.text).not.toContain(ADDED_MARKER)
    for (const v of model.env) expect(first.text).toContain(`# ${v.comment}\n${v.key}=`)
    // What the file says is what the caller is told.
    expect(env).toEqual(first.values)
  })

  it('generates 32-character passwords from [A-Za-z0-9_-], all different, and writes settings as given', () => {
    const passwords = model.env.filter((v) => v.generate.kind === 'password').map((v) => env[v.key]!)
    expect(passwords.length).toBeGreaterThanOrEqual(5)
    for (const p of passwords) expect(p).toMatch(PASSWORD)
    expect(new Set(passwords).size).toBe(passwords.length)
    for (const v of model.env) if (v.generate.kind === 'setting') expect(env[v.key]).toBe(v.generate.value)
    // Two projects never share a secret.
    expect(ensureEnv(model.env, undefined).values.POSTGRES_PASSWORD).not.toBe(env.POSTGRES_PASSWORD)
  })

  it('draws passwords from the given CSPRNG', () => {
    const calls: number[] = []
    const { values } = ensureEnv([{ key: 'PW', comment: 'pw', generate: { kind: 'password' } }], undefined, {
      randomBytes: (n) => {
        calls.push(n)
        return Buffer.alloc(n, 0xfb)
      },
    })
    expect(calls).toEqual([24])
    expect(values.PW).toBe(Buffer.alloc(24, 0xfb).toString('base64url'))
    expect(values.PW).toMatch(PASSWORD)
  })

  it('writes a PKCS#8 RSA key whose JWT signature verifies with the JWK set of the same file, with Keycloak\'s kid', () => {
    const keyVar = 'REALM_ACME_SIGNING_KEY'
    expect(env[keyVar]).toMatch(/^[A-Za-z0-9+/]+=*$/)
    const privateKey = createPrivateKey({ key: Buffer.from(env[keyVar]!, 'base64'), format: 'der', type: 'pkcs8' })
    expect(privateKey.asymmetricKeyType).toBe('rsa')
    expect(privateKey.asymmetricKeyDetails?.modulusLength).toBe(2048)

    const jwks = JSON.parse(env.REALM_ACME_JWKS!) as { keys: (JsonWebKey & { kid: string })[] }
    expect(jwks.keys).toHaveLength(1)
    const jwk = jwks.keys[0]!
    expect(Object.keys(jwk)).toEqual(['kty', 'n', 'e', 'kid', 'alg', 'use'])
    expect(jwk).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' })
    const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' })
    expect(jwk.kid).toBe(createHash('sha256').update(spki).digest('base64url'))

    // A token as Keycloak would sign it, checked the way PostgREST / the verifier would: with the JWK only.
    const signingInput = `${b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: jwk.kid }))}.${b64url(JSON.stringify({ sub: 'dev', role: 'authenticated' }))}`
    const signature = sign('sha256', Buffer.from(signingInput), privateKey)
    const publicKey = createPublicKey({ key: jwk, format: 'jwk' })
    expect(verify('sha256', Buffer.from(signingInput), publicKey, signature)).toBe(true)
    expect(verify('sha256', Buffer.from(`${signingInput}x`), publicKey, signature)).toBe(false)
    // …and not with another realm's key.
    const other = JSON.parse(ensureEnv(model.env, undefined).values.REALM_ACME_JWKS!) as { keys: JsonWebKey[] }
    expect(verify('sha256', Buffer.from(signingInput), createPublicKey({ key: other.keys[0]!, format: 'jwk' }), signature)).toBe(false)
  })

  it('gives every realm of a project its own key', () => {
    const { values } = ensureEnv(modelOf(many).env, undefined)
    const keys = ['REALM_CUSTOMERS_SIGNING_KEY', 'REALM_STAFF_SIGNING_KEY', 'REALM_PARTNERS_SIGNING_KEY'].map((k) => values[k])
    expect(new Set(keys).size).toBe(3)
  })
})

describe('ensureEnv on an existing file', () => {
  const first = ensureEnv(model.env, undefined)

  it('is a fixed point: 20 runs over its own output give the same bytes and add nothing', () => {
    let text = first.text
    for (let i = 0; i < 20; i++) {
      const next = ensureEnv(model.env, text)
      expect(next.added).toEqual([])
      expect(next.text).toBe(text)
      expect(next.values).toEqual(first.values)
      text = next.text
    }
  })

  it('keeps user edits, added keys and comments byte for byte and reports unused keys without deleting them', () => {
    const edited = first.text
      .replace(/^POSTGRES_PASSWORD=.*$/m, "POSTGRES_PASSWORD='my own # pass $HOME'  # chosen by me")
      .replace(/^POSTGRES_HOST_PORT=5432$/m, 'export POSTGRES_HOST_PORT = 15432')
      .concat('\n# my own settings\nSMTP_HOST="smtp.example.com"\nLEGACY_TOKEN=abc # old\n\n')
    const next = ensureEnv(model.env, edited)
    expect(next.text).toBe(edited)
    expect(next.added).toEqual([])
    expect(next.unused).toEqual(['SMTP_HOST', 'LEGACY_TOKEN'])
    expect(next.values.POSTGRES_PASSWORD).toBe('my own # pass $HOME')
    expect(next.values.POSTGRES_HOST_PORT).toBe('15432')
    expect(next.values).not.toHaveProperty('SMTP_HOST')
  })

  it('appends only the missing keys, with their comments, under a marked section', () => {
    const without = first.text
      .replace(/\n# Realm acme: secret of client backend\nREALM_ACME_BACKEND_SECRET=.*\n/, '\n')
      .replace(/^KEYCLOAK_DB_PASSWORD=.*\n/m, '')
      .concat('CUSTOM=1') // no final newline
    const next = ensureEnv(model.env, without)
    expect(next.added).toEqual(['KEYCLOAK_DB_PASSWORD', 'REALM_ACME_BACKEND_SECRET'])
    expect(next.text.startsWith(`${without}\n`)).toBe(true)
    const tail = next.text.slice(without.length)
    expect(tail).toBe(
      `\n\n${ADDED_MARKER}\n` +
        `\n# Password of Keycloak's database role (keycloak)\nKEYCLOAK_DB_PASSWORD=${next.values.KEYCLOAK_DB_PASSWORD}\n` +
        `\n# Realm acme: secret of client backend\nREALM_ACME_BACKEND_SECRET=${next.values.REALM_ACME_BACKEND_SECRET}\n`,
    )
    expect(next.values.KEYCLOAK_DB_PASSWORD).toMatch(PASSWORD)
    expect(next.values.REALM_ACME_BACKEND_SECRET).not.toBe(first.values.REALM_ACME_BACKEND_SECRET)
    expect(next.values.POSTGRES_PASSWORD).toBe(first.values.POSTGRES_PASSWORD)
    expect(next.unused).toEqual(['CUSTOM'])
    // The next run finds nothing missing.
    expect(ensureEnv(model.env, next.text).text).toBe(next.text)
  })

  it('keeps a CRLF file CRLF', () => {
    const crlf = first.text.replace(/\n/g, '\r\n').replace(/\r\nPOSTGRES_HOST_PORT=5432\r\n/, '\r\n')
    const next = ensureEnv(model.env, crlf)
    expect(next.added).toEqual(['POSTGRES_HOST_PORT'])
    expect(next.text.startsWith(crlf)).toBe(true)
    expect(next.text.slice(crlf.length)).toBe(`\r\n${ADDED_MARKER}\r\n\r\n# Host port Postgres is published on (127.0.0.1 only)\r\nPOSTGRES_HOST_PORT=5432\r\n`)
    expect(next.values.POSTGRES_PASSWORD).toBe(first.values.POSTGRES_PASSWORD)
  })

  it('derives a missing JWK set from the private key already in the file', () => {
    const without = first.text.replace(/^REALM_ACME_JWKS=.*\n/m, '')
    const next = ensureEnv(model.env, without)
    expect(next.added).toEqual(['REALM_ACME_JWKS'])
    expect(next.values.REALM_ACME_SIGNING_KEY).toBe(first.values.REALM_ACME_SIGNING_KEY)
    expect(next.values.REALM_ACME_JWKS).toBe(first.values.REALM_ACME_JWKS)
  })

  it('derives the JWK set from a key the user put in, and reports a JWK set that no longer matches its key', () => {
    const mine = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64')
    const replaced = first.text.replace(/^REALM_ACME_SIGNING_KEY=.*$/m, `REALM_ACME_SIGNING_KEY=${mine}`)
    const stale = ensureEnv(model.env, replaced)
    expect(stale.text).toBe(replaced)
    expect(stale.stale).toEqual(['REALM_ACME_JWKS'])

    const fixed = ensureEnv(model.env, replaced.replace(/^REALM_ACME_JWKS=.*\n/m, ''))
    expect(fixed.stale).toEqual([])
    const jwk = (JSON.parse(fixed.values.REALM_ACME_JWKS!) as { keys: JsonWebKey[] }).keys[0]!
    const pub = createPublicKey(createPrivateKey({ key: Buffer.from(mine, 'base64'), format: 'der', type: 'pkcs8' }))
    expect(jwk.n).toBe(pub.export({ format: 'jwk' }).n)
    // A reformatted but equal JWK set is not stale.
    const pretty = JSON.stringify(JSON.parse(first.values.REALM_ACME_JWKS!), null, 1).replace(/\n/g, ' ')
    expect(ensureEnv(model.env, first.text.replace(/^REALM_ACME_JWKS=.*$/m, `REALM_ACME_JWKS=${envValue(pretty)}`)).stale).toEqual([])
  })

  it('refuses a private key it cannot read, and a file compose cannot parse, naming the key or line', () => {
    const broken = first.text.replace(/^REALM_ACME_SIGNING_KEY=.*$/m, 'REALM_ACME_SIGNING_KEY=notakey')
    expect(() => ensureEnv(model.env, broken)).toThrow(/^\.env: REALM_ACME_SIGNING_KEY is not an RSA private key in PKCS#8 DER base64/)
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64')
    expect(() => ensureEnv(model.env, first.text.replace(/^REALM_ACME_SIGNING_KEY=.*$/m, `REALM_ACME_SIGNING_KEY=${ec}`))).toThrow(
      /REALM_ACME_SIGNING_KEY is not an RSA private key/,
    )
    try {
      ensureEnv(model.env, `A=1\nB="unterminated\n`)
      expect.unreachable()
    } catch (error) {
      expect(isSparkbaasError(error) && error.code).toBe('write_failed')
      expect((error as Error).message).toBe('.env line 2: unterminated double-quoted value')
    }
  })

  it('writes settings with hostile values so that compose reads them back exactly', () => {
    const hostile = '"\' \\ \n $ ${X} $$ ` # é \u2028 end '
    const vars: EnvVar[] = [{ key: 'GREETING', comment: 'two\nlines', generate: { kind: 'setting', value: hostile } }]
    const { text, values } = ensureEnv(vars, undefined)
    expect(values.GREETING).toBe(hostile)
    expect(read(text).GREETING).toBe(hostile)
    expect(text).toContain('# two\n# lines\nGREETING=')
  })
})

describe('the .env parser', () => {
  it('reads what compose reads', () => {
    const text = [
      '# comment',
      '',
      '  A=plain value   ',
      'B=a#b c  # a comment',
      "C='single $HOME # \"kept\"'",
      'D="double \\"q\\" \\\\ \\n $$ \\$ ${A} $A ${NOPE:-dflt} ${A:+alt} ${NOPE-x}"',
      'export E=exported',
      'F: yaml style',
      'G=',
      'H',
      'I="multi',
      'line"  # trailing comment',
      'J=a\r',
      'K=$$HOME$',
      'B=last wins',
    ].join('\n')
    const entries = parseDotenv(text)
    expect(entries.map((e) => [e.key, e.value, e.line])).toEqual([
      ['A', 'plain value', 3],
      ['B', 'a#b c', 4],
      ['C', 'single $HOME # "kept"', 5],
      ['D', 'double "q" \\ \n $ $ plain value plain value dflt alt x', 6],
      ['E', 'exported', 7],
      ['F', 'yaml style', 8],
      ['G', '', 9],
      ['H', undefined, 10],
      ['I', 'multi\nline', 11],
      ['J', 'a', 13],
      ['K', '$HOME$', 14],
      ['B', 'last wins', 15],
    ])
  })

  it('rejects what compose rejects, with the line', () => {
    expect(() => parseDotenv('A=1\nB C=2')).toThrow(new DotenvSyntaxError(2, 'a key cannot contain a space'))
    expect(() => parseDotenv('A=1\n\nB{=2')).toThrow('line 3: unexpected character "{" in a variable name')
    expect(() => parseDotenv("A='open")).toThrow('line 1: unterminated single-quoted value')
  })

  it('reads back every value written with envValue (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), (a, b) => {
        for (const value of [a, b]) {
          const text = formatEnvEntry('KEY', 'a comment', value) + formatEnvEntry('NEXT', '', 'x')
          const entries = parseDotenv(text)
          expect(entries.map((e) => [e.key, e.value])).toEqual([
            ['KEY', value],
            ['NEXT', 'x'],
          ])
        }
      }),
      { numRuns: 500 },
    )
  })
})

describe('ensureEnvWithKeys', () => {
  it('makes a new RSA key for each realm the file lacks, keeps the ones it has, and is otherwise ensureEnv', async () => {
    const vars = modelOf(many).env
    const keyVars = vars.filter((v) => v.generate.kind === 'rsa-private-key').map((v) => v.key)
    expect(keyVars.length).toBeGreaterThanOrEqual(3)
    const fresh = await ensureEnvWithKeys(vars, undefined)
    expect(fresh.added).toEqual(vars.map((v) => v.key))
    const keys = keyVars.map((key) => fresh.values[key]!)
    expect(new Set(keys).size).toBe(keys.length)
    for (const key of keys) expect(createPrivateKey({ key: Buffer.from(key, 'base64'), format: 'der', type: 'pkcs8' }).asymmetricKeyDetails?.modulusLength).toBe(2048)

    // Drop one realm's key and its JWK set: only that one is made again; the others stay byte for byte.
    const [dropped] = keyVars
    const kept = fresh.text.replace(new RegExp(`^${dropped}=.*\\n`, 'm'), '').replace(new RegExp(`^${dropped!.replace('SIGNING_KEY', 'JWKS')}=.*\\n`, 'm'), '')
    const again = await ensureEnvWithKeys(vars, kept)
    expect(again.added).toEqual([dropped, dropped!.replace('SIGNING_KEY', 'JWKS')])
    expect(again.values[dropped!]).not.toBe(fresh.values[dropped!])
    for (const key of keyVars.slice(1)) expect(again.values[key]).toBe(fresh.values[key])
    expect(again.text.startsWith(kept)).toBe(true)
  })
})
