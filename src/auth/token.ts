/**
 * `sparkbaas token`: an access token signed with the realm's key from the generated `.env`, the way Supabase hands
 * out its anon and service keys. Keycloak imports that same key (render/keycloak.ts) and PostgREST and the verifier
 * are given its public half (`REALM_<NAME>_JWKS`), so they accept the token as one Keycloak issued: no running
 * Keycloak, no client, no password needed.
 */
import { randomUUID, sign, type KeyObject } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { ENV_FILE } from '../layout.js'
import { SparkbaasError } from '../errors.js'
import { displayPath, readStackEnv, type Stack } from '../stack/context.js'
import { jwksHasKey, publicJwk, readRsaPrivateKey } from '../write/secrets.js'
import { planToken, tokenClaims, type TokenRequest } from './claims.js'

export interface MintedToken {
  readonly token: string
  readonly realm: string
  readonly user: string
  readonly roles: readonly string[]
  readonly ttlSeconds: number
  /** `exp` as a date. */
  readonly expiresAt: Date
}

export interface MintOptions {
  /** @internal Seconds since the epoch (default: now). */
  readonly now?: number
}

export async function mintToken(stack: Stack, request: TokenRequest, options: MintOptions = {}): Promise<MintedToken> {
  // The request is checked against the config first: a wrong --role is worth knowing before any file is read.
  const plan = planToken(stack.model, request)
  const envFile = join(stack.outDir, ENV_FILE)
  const shown = displayPath(stack, envFile)
  if (!existsSync(envFile)) {
    throw new SparkbaasError('not_generated', `${shown} does not exist: it holds the realms' signing keys a token is signed with.`, {
      hint: 'Run `sparkbaas generate` first (`sparkbaas up` generates too).',
    })
  }
  // As compose reads it, the shell's value first: the key Keycloak and PostgREST were started with.
  const env = await readStackEnv(stack)
  const { signingKeyVar, jwksVar, name } = plan.realm
  const keyValue = env(signingKeyVar)
  if (keyValue === undefined || keyValue === '') {
    throw new SparkbaasError('not_generated', `${shown} has no ${signingKeyVar}, the signing key of realm ${name}.`, {
      hint: 'Run `sparkbaas generate`: it adds the keys the config needs and keeps the others.',
    })
  }
  const key = privateKey(keyValue, signingKeyVar, shown)
  const { n, e, kid } = publicJwk(key)
  const jwks = env(jwksVar)
  if (jwks === undefined || !jwksHasKey(jwks, { kid, n, e })) {
    throw new SparkbaasError(
      'env_invalid',
      `${shown}: ${jwksVar} does not hold the public half of ${signingKeyVar}, so PostgREST and the verifier would refuse a token signed with it.`,
      { hint: `Delete the ${jwksVar} line and run \`sparkbaas generate\`: it derives it again from the key. Then \`sparkbaas up\` restarts the services with it.` },
    )
  }

  const iat = options.now ?? Math.floor(Date.now() / 1000)
  const claims = tokenClaims(stack.model, plan, { iat, jti: randomUUID() })
  return {
    token: signJwt({ alg: 'RS256', typ: 'JWT', kid }, claims, key),
    realm: name,
    user: plan.user,
    roles: plan.roles,
    ttlSeconds: plan.ttlSeconds,
    expiresAt: new Date((claims.exp as number) * 1000),
  }
}

/** A compact JWS (RFC 7515): base64url(header).base64url(payload).base64url(RS256 signature). */
export function signJwt(header: Record<string, unknown>, claims: Record<string, unknown>, key: KeyObject): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const signingInput = `${part(header)}.${part(claims)}`
  return `${signingInput}.${sign('RSA-SHA256', Buffer.from(signingInput), key).toString('base64url')}`
}

function privateKey(value: string, keyVar: string, shown: string): KeyObject {
  try {
    return readRsaPrivateKey(value, keyVar)
  } catch (error) {
    if (!(error instanceof SparkbaasError)) throw error
    // The same finding as generate's, for the file this command read.
    throw new SparkbaasError('env_invalid', error.message.replace(/^\.env:/, `${shown}:`), { hint: error.hint ?? '', cause: error })
  }
}
