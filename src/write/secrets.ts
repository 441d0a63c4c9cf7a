/**
 * The secrets store: the generated `.env`. It is made once and then only ever appended to — every line of an
 * existing file (values the user changed, keys and comments they added) is kept byte for byte, and only the keys
 * the model needs but the file lacks are added, under a marked section. No file access: the caller reads and writes
 * the file.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPair, generateKeyPairSync, randomBytes as cryptoRandomBytes } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { promisify } from 'node:util'
import { mapConcurrently } from '../concurrent.js'
import { SparkbaasError } from '../errors.js'
import type { EnvVar } from '../model/types.js'
import { DotenvSyntaxError, dotenvValues, formatEnvEntry, parseDotenv, type DotenvEntry } from './dotenv.js'

export interface EnsureEnvOptions {
  /** The CSPRNG (default `crypto.randomBytes`); tests may pass a deterministic one. */
  readonly randomBytes?: (size: number) => Uint8Array
  /** Makes a new RSA private key (default: 2048-bit from `crypto.generateKeyPairSync`). */
  readonly generateRsaKey?: () => KeyObject
}

export interface EnsureEnvResult {
  /** The whole new file: the existing text unchanged, plus the missing keys. */
  readonly text: string
  /** Keys appended by this run, in model order. */
  readonly added: string[]
  /** Keys in the file the model does not use (kept, never deleted), in file order. */
  readonly unused: string[]
  /**
   * Derived keys (`rsa-public-jwks`) already in the file whose value no longer matches the current private key —
   * the user replaced the key but kept the old JWK set. Reported, not rewritten.
   */
  readonly stale: string[]
  /** The value of every model key after this run (a key inherited from the shell, `KEY` alone, has none). */
  readonly values: Record<string, string>
}

export const ENV_FILE_HEADER = [
  '# Secrets and settings of this SparkBaaS stack, read by docker compose. Keep this file private: never commit it.',
  '# `sparkbaas generate` keeps every edit made here and only appends the keys the config needs that are missing.',
]

export const ADDED_MARKER = '# Added by `sparkbaas generate`: keys the config needs that this file did not have.'

/** Passwords: 24 random bytes in base64url are exactly 32 characters of `[A-Za-z0-9_-]`. */
const PASSWORD_BYTES = 24

export function ensureEnv(vars: readonly EnvVar[], existing: string | undefined, opts: EnsureEnvOptions = {}): EnsureEnvResult {
  const fresh = existing === undefined || existing === ''
  // Appended lines follow the file's own line ending, so a CRLF file stays CRLF.
  const eol = !fresh && existing.includes('\r\n') ? '\r\n' : '\n'
  const present = dotenvValues(fresh ? [] : readEntries(existing))

  const current = new Map<string, string>()
  const missing = new Set<string>()
  const stale: string[] = []
  for (const v of vars) {
    if (present.has(v.key)) {
      const value = present.get(v.key)
      if (value !== undefined) current.set(v.key, value)
    } else if (v.generate.kind !== 'rsa-public-jwks') {
      current.set(v.key, generateValue(v, opts))
      missing.add(v.key)
    }
  }
  // Derived keys come last: they read the private key's current value, whether it was just made or kept.
  for (const v of vars) {
    if (v.generate.kind !== 'rsa-public-jwks') continue
    const source = current.get(v.generate.from)
    const inFile = present.get(v.key)
    if (present.has(v.key)) {
      // A value inherited from the shell on either side cannot be compared.
      if (source !== undefined && inFile !== undefined && !sameKey(inFile, publicJwks(source, v.generate.from))) stale.push(v.key)
      continue
    }
    if (source === undefined) {
      throw new SparkbaasError('write_failed', `.env: ${v.key} is derived from ${v.generate.from}, which has no value in the file`, {
        hint: `Give ${v.generate.from} a value in .env (or delete its line to have a new key generated).`,
      })
    }
    current.set(v.key, publicJwks(source, v.generate.from))
    missing.add(v.key)
  }

  const added = vars.filter((v) => missing.has(v.key))
  const entries = added.map((v) => formatEnvEntry(v.key, v.comment, current.get(v.key)!, eol))
  let text: string
  if (fresh) {
    text = ENV_FILE_HEADER.map((l) => l + eol).join('') + entries.map((e) => eol + e).join('')
  } else if (added.length === 0) {
    text = existing
  } else {
    const newline = existing.endsWith('\n') ? '' : eol
    text = existing + newline + eol + ADDED_MARKER + eol + entries.map((e) => eol + e).join('')
  }

  const wanted = new Set(vars.map((v) => v.key))
  const values: Record<string, string> = {}
  for (const v of vars) {
    const value = current.get(v.key)
    if (value !== undefined) values[v.key] = value
  }
  return {
    text,
    added: added.map((v) => v.key),
    unused: [...present.keys()].filter((key) => !wanted.has(key)),
    stale,
    values,
  }
}

/**
 * Starts making, in parallel on libuv's thread pool, the RSA keys {@link ensureEnv} will need for `existing`:
 * one 2048-bit key is 100–300 ms of CPU, so a fresh project with 20 realms spent ~5 s making them one after
 * another. Never rejects: an unreadable file gets no keys here, and ensureEnv reports it.
 *
 * At most {@link RSA_CONCURRENCY} at once: the pool also does every file read and write, first come first served,
 * and 20 keys queued at once held up every read and write of `generate` until the last key had started (the
 * first `generate` of 2,000 functions and 20 realms waited ~2 s on it). `onStart` hears how many keys are being made.
 */
export function startRsaKeys(vars: readonly EnvVar[], existing: string | undefined, onStart?: (count: number) => void): Promise<KeyObject[]> {
  let present: ReadonlySet<string>
  try {
    present = existing === undefined || existing === '' ? new Set() : new Set(dotenvValues(parseDotenv(existing)).keys())
  } catch {
    return Promise.resolve([])
  }
  const needed = vars.filter((v) => v.generate.kind === 'rsa-private-key' && !present.has(v.key)).length
  if (needed > 0) onStart?.(needed)
  const slots = Array.from({ length: needed })
  return mapConcurrently(slots, RSA_CONCURRENCY, async () => (await generateKeyPairAsync('rsa', { modulusLength: RSA_BITS })).privateKey).catch(
    () => [],
  )
}

/** {@link ensureEnv} taking its RSA keys from `keys` (by default, started now); any shortfall is made on the spot. */
export async function ensureEnvWithKeys(
  vars: readonly EnvVar[],
  existing: string | undefined,
  keys: Promise<KeyObject[]> = startRsaKeys(vars, existing),
): Promise<EnsureEnvResult> {
  const pool = [...(await keys)]
  return ensureEnv(vars, existing, { generateRsaKey: () => pool.pop() ?? newRsaKey() })
}

const RSA_BITS = 2048
/** As many keys as there are cores, leaving two of the pool's threads (4 unless UV_THREADPOOL_SIZE says) free. */
const RSA_CONCURRENCY = Math.max(1, Math.min(availableParallelism(), (Number(process.env.UV_THREADPOOL_SIZE) || 4) - 2))
const generateKeyPairAsync = promisify(generateKeyPair)
const newRsaKey = (): KeyObject => generateKeyPairSync('rsa', { modulusLength: RSA_BITS }).privateKey

function readEntries(text: string): DotenvEntry[] {
  try {
    return parseDotenv(text)
  } catch (error) {
    if (!(error instanceof DotenvSyntaxError)) throw error
    throw new SparkbaasError('write_failed', `.env ${error.message}`, {
      hint: 'docker compose cannot read this line either: fix it, then run `sparkbaas generate` again.',
      cause: error,
    })
  }
}

function generateValue(v: EnvVar, opts: EnsureEnvOptions): string {
  switch (v.generate.kind) {
    case 'setting':
      return v.generate.value
    case 'password': {
      const bytes = (opts.randomBytes ?? cryptoRandomBytes)(PASSWORD_BYTES)
      if (bytes.length !== PASSWORD_BYTES) throw new Error(`internal: randomBytes returned ${bytes.length} bytes`)
      return Buffer.from(bytes).toString('base64url')
    }
    case 'rsa-private-key': {
      const key = opts.generateRsaKey?.() ?? newRsaKey()
      // One line of base64 (PKCS#8 DER): what Keycloak's importer reads, and safe inside a JSON string.
      return key.export({ type: 'pkcs8', format: 'der' }).toString('base64')
    }
    case 'rsa-public-jwks':
      throw new Error('internal: derived keys are computed from their source')
  }
}

/** Reads the private key as Keycloak does: PEM armour and whitespace stripped, the rest base64 DER (PKCS#8). */
export function readRsaPrivateKey(value: string, keyVar: string): KeyObject {
  const der = Buffer.from(value.replace(/-----(?:BEGIN|END) [A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64')
  let key: KeyObject | undefined
  let reason = 'not an RSA key'
  try {
    key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
  } catch (error) {
    reason = (error as Error).message
  }
  if (key?.asymmetricKeyType !== 'rsa') {
    throw new SparkbaasError('write_failed', `.env: ${keyVar} is not an RSA private key in PKCS#8 DER base64 (${reason})`, {
      hint: `Delete the ${keyVar} line and the JWKS line after it, then run \`sparkbaas generate\` to make a new key (a realm already imported into Keycloak keeps its old key).`,
    })
  }
  return key
}

/** The JWK set of the key's public half. */
export function publicJwks(privateKeyValue: string, keyVar: string): string {
  const { n, e, kid } = publicJwk(readRsaPrivateKey(privateKeyValue, keyVar))
  return JSON.stringify({ keys: [{ kty: 'RSA', n, e, kid, alg: 'RS256', use: 'sig' }] })
}

/** An RSA private key's public half as a JWK's members; `kid` is Keycloak's: base64url(SHA-256(DER SubjectPublicKeyInfo)). */
export function publicJwk(privateKey: KeyObject): { readonly n: string; readonly e: string; readonly kid: string } {
  const publicKey = createPublicKey(privateKey)
  const kid = createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64url')
  // An RSA public JWK always has both.
  const { n = '', e = '' } = publicKey.export({ format: 'jwk' })
  return { n, e, kid }
}

/** Whether a JWK set in the file still carries the derived key (spacing and extra members do not matter). */
function sameKey(inFile: string, derived: string): boolean {
  return jwksHasKey(inFile, (JSON.parse(derived) as { keys: { kid: string; n: string; e: string }[] }).keys[0]!)
}

/** Whether a JWK set (JSON text) has a key with this `kid`, modulus and exponent; false when it is not JSON. */
export function jwksHasKey(inFile: string, want: { readonly kid: string; readonly n: string; readonly e: string }): boolean {
  try {
    const set = JSON.parse(inFile) as { keys?: unknown }
    return Array.isArray(set.keys) && set.keys.some((k: Record<string, unknown>) => k.kid === want.kid && k.n === want.n && k.e === want.e)
  } catch {
    return false
  }
}
