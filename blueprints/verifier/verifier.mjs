// SparkBaaS token verifier.
//
// A zero-dependency HTTP server (Node built-ins only, Node 20+) behind Traefik's forwardAuth middleware.
// Traefik's open-source edition has no JWT/OIDC middleware, so a route with `auth: { realm, roles }` gets
//   forwardAuth: { address: "http://verifier:8080/verify?realm=<realm>&roles=<r1>,<r2>",
//                  authResponseHeaders: ["X-Auth-Subject", "X-Auth-Username", "X-Auth-Roles"] }
// and a route to a function also asks for the signature the functions runtime checks, for that function:
//   forwardAuth: { address: "http://verifier:8080/verify?realm=<realm>&roles=<r1>,<r2>&fn=<function>",
//                  authResponseHeaders: [... the three above, "X-Auth-Signature"] }
// Traefik sends the original request's headers (Authorization included) here. A 2xx lets the request through
// (copying the authResponseHeaders onto it); anything else is returned to the client as is.
//
// Realms come from VERIFIER_REALMS, one line of JSON:
//   { "acme": { "issuer": "https://auth.localhost/realms/acme", "jwks": { "keys": [ { "kty": "RSA", ... } ] } } }
// Each realm's RSA signing key is fixed and known when the stack is generated, so signatures are checked offline:
// the verifier never calls Keycloak (which, inside the compose network, is not reachable at the public issuer URL
// anyway).
//
// HTTP contract:
//   GET  /_health                           200 {"status":"ok","realms":[...]}
//   ANY  /verify?realm=<r>[&roles=a,b][&fn=<function>]
//                                           200 + X-Auth-Subject / X-Auth-Username / X-Auth-Roles
//                                           (+ X-Auth-Signature with `fn`, see signIdentity)
//                                           401 {"error":"unauthorized",...} + WWW-Authenticate: Bearer ...
//                                           403 {"error":"forbidden","message":"missing role \"admin\""}
//                                           500 {"error":"misconfigured",...} (unknown or missing realm)
//   anything else                           404 {"error":"not_found",...}
//
// Environment: VERIFIER_REALMS (required), PORT (8080), HOST (0.0.0.0), AUTH_HEADERS_KEY (the key shared with the
// functions runtime; unset: no X-Auth-Signature, so the runtime passes no identity on), VERIFIER_TOKEN_CACHE_MAX
// (10000 tokens; 0 turns the cache off), VERIFIER_ACCESS_LOG (all | sample:<N> | off; see accessLog).
//
// Token cache: a browser sends the same access token with every request until it expires (Keycloak: 5 minutes), and
// an RSA signature check is most of the cost of a request here. So a token that passed every check is remembered by
// its realm and its exact bytes (header, payload and signature: any other bytes are verified afresh), and a repeated
// one skips the signature and the claim checks except `exp`, which is checked on every request. Only acceptances
// are cached: nbf and iat only ever become easier to pass, and refusals are cheap to repeat. The roles a route
// requires and the identity signature are per request, as before. Bounded: at most VERIFIER_TOKEN_CACHE_MAX tokens
// and TOKEN_CACHE_MAX_BYTES, the least recently used dropped first; tokens over TOKEN_CACHE_MAX_TOKEN_BYTES are
// never cached. The realm keys are fixed for the life of the process (VERIFIER_REALMS is read at start), so a key
// removed from the config means a restart, which empties the cache. There is no revocation here, cached or not:
// Keycloak access tokens are valid until `exp` by design.

import { createServer } from 'node:http'
import { createHmac, createPublicKey, verify as verifySignature } from 'node:crypto'
import { writeSync } from 'node:fs'
import { performance } from 'node:perf_hooks'

// Tolerated clock difference between Keycloak and this container, in seconds.
const CLOCK_SKEW_SECONDS = 30
// See the functions runtime: outlive Traefik's 90 s idle connections so it never reuses one we are closing.
const KEEP_ALIVE_TIMEOUT_MS = 95_000
const SHUTDOWN_GRACE_MS = 5_000
// Node refuses request headers over 16 KiB by default, and a Keycloak token lists every role of its user. Traefik
// reads up to 1 MiB of headers from a client (entryPoints.<name>.http.maxHeaderBytes, default Go's
// http.DefaultMaxHeaderBytes) and forwardAuth passes them all here with X-Forwarded-* added; the functions runtime
// gets them with X-Auth-Roles added (at most the token's own roles). 2 MiB + 64 KiB holds either; the same in server.mjs.
const MAX_HEADER_BYTES = 2 * 1024 * 1024 + 64 * 1024
const BASE64URL = /^[A-Za-z0-9_-]+$/
// How long a signature of the identity headers holds: Traefik hands the request on right after our answer.
const SIGNATURE_SECONDS = 30
// As in the functions runtime: shorter keys are refused at start.
const MIN_AUTH_KEY_LENGTH = 32
// Token cache bounds (see the header): a Keycloak access token is 1–3 KB, so 10,000 of them are ~30 MB at most
// (the compose service has 128 MB); the byte bound holds whatever the tokens' size.
const DEFAULT_TOKEN_CACHE_MAX = 10_000
const TOKEN_CACHE_MAX_BYTES = 32 * 1024 * 1024
const TOKEN_CACHE_MAX_TOKEN_BYTES = 16 * 1024
// What an entry costs besides its key, its answer's body and its identity header values: the Map slot, the entry
// and its small strings, roughly.
const TOKEN_CACHE_ENTRY_OVERHEAD = 256
// Distinct /verify addresses whose parse is kept (see verifyAddress): one per route with `auth`, so a few dozen.
// Only addresses of a configured realm and at most ADDRESS_CACHE_MAX_LENGTH long are kept (a request's target may
// be megabytes), and a full cache is emptied, so at most ~2 MiB is held and junk cannot crowd out the real ones.
const ADDRESS_CACHE_MAX = 1024
const ADDRESS_CACHE_MAX_LENGTH = 2048

class VerifyError extends Error {
  /** @param {401 | 403 | 500} status */
  constructor(status, message) {
    super(message)
    this.status = status
  }
}

/**
 * Parse and check VERIFIER_REALMS once at start. Keys are imported here so a malformed key is a boot failure,
 * not a 500 on the first request.
 * @returns {Map<string, { issuer: string, keys: { kid: string | undefined, key: import('node:crypto').KeyObject }[] }>}
 */
function loadRealms(json) {
  if (!json) throw new Error('VERIFIER_REALMS is not set')
  const config = JSON.parse(json)
  if (!config || typeof config !== 'object' || Array.isArray(config)) throw new Error('must be a JSON object')
  const realms = new Map()
  for (const [name, realm] of Object.entries(config)) {
    if (!realm || typeof realm.issuer !== 'string' || realm.issuer === '') {
      throw new Error(`realm "${name}": "issuer" must be a non-empty string`)
    }
    if (!realm.jwks || !Array.isArray(realm.jwks.keys)) throw new Error(`realm "${name}": "jwks.keys" must be an array`)
    const keys = []
    for (const [index, jwk] of realm.jwks.keys.entries()) {
      // Only RSA signature keys meant for RS256 can verify what we accept; skip encryption keys and others.
      if (!jwk || jwk.kty !== 'RSA') continue
      if (jwk.use !== undefined && jwk.use !== 'sig') continue
      if (jwk.alg !== undefined && jwk.alg !== 'RS256') continue
      try {
        keys.push({ kid: typeof jwk.kid === 'string' ? jwk.kid : undefined, key: createPublicKey({ key: jwk, format: 'jwk' }) })
      } catch (error) {
        throw new Error(`realm "${name}": jwks.keys[${index}] is not a valid RSA public key: ${error.message}`)
      }
    }
    if (keys.length === 0) throw new Error(`realm "${name}": no RS256 signing key in "jwks.keys"`)
    realms.set(name, { issuer: realm.issuer, keys })
  }
  return realms
}

/** Decode one base64url JWT segment into a JSON object, or throw a 401. */
function decodeSegment(segment, what) {
  let value
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'))
  } catch {
    throw new VerifyError(401, `malformed token ${what}`)
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new VerifyError(401, `malformed token ${what}`)
  return value
}

/**
 * Verify a compact JWS and its claims for one realm. Returns the claims or throws a VerifyError.
 * Order matters: nothing from the payload is trusted before the signature has been checked.
 */
function verifyToken(token, realm, nowSeconds) {
  const parts = token.split('.')
  if (parts.length !== 3 || !BASE64URL.test(parts[0]) || !BASE64URL.test(parts[1])) {
    throw new VerifyError(401, 'malformed token')
  }
  const [headerB64, payloadB64, signatureB64] = parts
  const header = decodeSegment(headerB64, 'header')

  // Why a fixed algorithm: taking `alg` from the token is the classic JWT hole — `none` skips the signature and
  // `HS256` would turn the public key into an HMAC secret anyone can use. Keycloak signs access tokens with RS256.
  if (header.alg !== 'RS256') throw new VerifyError(401, `unsupported token algorithm ${quoteUntrusted(header.alg)}`)
  // RFC 7515 §4.1.11: a `crit` header names extensions we must understand; we understand none.
  if (header.crit !== undefined) throw new VerifyError(401, 'unsupported critical token header')
  if (!BASE64URL.test(signatureB64)) throw new VerifyError(401, 'malformed token')

  let candidates = realm.keys
  if (header.kid !== undefined) {
    candidates = realm.keys.filter((k) => k.kid === header.kid)
    if (candidates.length === 0) throw new VerifyError(401, 'token signed with an unknown key')
  }
  const signed = Buffer.from(`${headerB64}.${payloadB64}`)
  const signature = Buffer.from(signatureB64, 'base64url')
  const valid = candidates.some(({ key }) => {
    try {
      return verifySignature('RSA-SHA256', signed, key, signature)
    } catch {
      return false
    }
  })
  if (!valid) throw new VerifyError(401, 'invalid token signature')

  const claims = decodeSegment(payloadB64, 'payload')
  if (typeof claims.exp !== 'number') throw new VerifyError(401, 'token has no expiry')
  if (nowSeconds >= claims.exp + CLOCK_SKEW_SECONDS) throw new VerifyError(401, 'token expired')
  if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || claims.nbf > nowSeconds + CLOCK_SKEW_SECONDS)) {
    throw new VerifyError(401, 'token not valid yet')
  }
  if (claims.iat !== undefined && (typeof claims.iat !== 'number' || claims.iat > nowSeconds + CLOCK_SKEW_SECONDS)) {
    throw new VerifyError(401, 'token issued in the future')
  }
  if (claims.iss !== realm.issuer) throw new VerifyError(401, 'token issued by another issuer')
  // Keycloak marks its tokens with `typ`: "Bearer" (access), "ID", "Refresh", "Logout". Only access tokens may
  // call APIs; an ID or refresh token carries the same signature and must still be refused.
  if (claims.typ !== undefined && claims.typ !== 'Bearer') {
    throw new VerifyError(401, `token type ${quoteUntrusted(claims.typ)} is not an access token`)
  }
  return claims
}

/**
 * A value from the token, fit to quote in a message that also goes into the WWW-Authenticate header, whose
 * error_description allows only printable ASCII without '"' and '\' (RFC 6750 §3): single quotes, unsafe
 * characters dropped, length capped.
 */
function quoteUntrusted(value) {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value)
  return `'${text.replace(/[^\x20-\x7e]|["\\']/g, '').slice(0, 40)}'`
}

/**
 * Accepted tokens by `<realm> <token>` (a token has no whitespace, so the key is unambiguous), least recently used
 * first: a Map keeps insertion order, and a hit is moved to the end.
 */
class TokenCache {
  constructor(max) {
    this.max = max
    this.entries = new Map()
    this.bytes = 0
    this.hits = 0
  }

  /** The entry of a token still within its `exp` (plus skew), or undefined; an expired one is dropped. */
  get(key, nowSeconds) {
    const entry = this.entries.get(key)
    if (entry === undefined) return undefined
    this.entries.delete(key)
    if (nowSeconds >= entry.exp + CLOCK_SKEW_SECONDS) {
      this.bytes -= entry.bytes
      return undefined
    }
    this.entries.set(key, entry)
    this.hits++
    return entry
  }

  set(key, entry) {
    if (this.max === 0 || key.length > TOKEN_CACHE_MAX_TOKEN_BYTES) return
    entry.bytes = key.length + entry.body.length + TOKEN_CACHE_ENTRY_OVERHEAD
    for (const value of Object.values(entry.identity)) entry.bytes += value.length
    this.bytes += entry.bytes
    this.entries.set(key, entry)
    while (this.entries.size > this.max || this.bytes > TOKEN_CACHE_MAX_BYTES) {
      const [oldest, dropped] = this.entries.entries().next().value
      this.entries.delete(oldest)
      this.bytes -= dropped.bytes
    }
  }

  stats() {
    return { entries: this.entries.size, hits: this.hits, max: this.max }
  }
}

/**
 * The parts of verified claims an answer needs: roles, expiry, the identity header values, and the answer itself,
 * built once per token: its headers as a flat [name, value, …] list, and its JSON body with the body's length.
 */
function acceptance(claims) {
  const roles = realmRoles(claims)
  const identity = { 'x-auth-roles': headerValue(roles.join(',')) }
  if (typeof claims.sub === 'string') identity['x-auth-subject'] = headerValue(claims.sub)
  if (typeof claims.preferred_username === 'string') identity['x-auth-username'] = headerValue(claims.preferred_username)
  const body = JSON.stringify({ status: 'ok', subject: claims.sub ?? null, username: claims.preferred_username ?? null, roles })
  return {
    exp: claims.exp,
    roles,
    identity,
    headers: Object.entries(identity).flat(),
    body,
    bodyBytes: Buffer.byteLength(body),
    bytes: 0,
    signature: undefined, // the last X-Auth-Signature made for it (see signCached)
  }
}

/** Realm roles of a Keycloak access token (`realm_access.roles`), strings only. */
function realmRoles(claims) {
  const roles = claims.realm_access?.roles
  return Array.isArray(roles) ? roles.filter((role) => typeof role === 'string') : []
}

/**
 * `X-Auth-Signature: <exp>.<mac>` for the identity headers of this answer, so that the functions runtime can tell
 * them from headers sent to it by anything else on the stack's networks. mac = base64url(HMAC-SHA256(key, JSON of
 * ["sparkbaas-x-auth-v2", method, host, fn, subject, username, roles, exp])): each identity header's value exactly
 * as sent (null when absent), exp in Unix seconds. A JSON array keeps the fields unambiguous whatever they contain.
 * The method and host are the original request's, from forwardAuth's X-Forwarded-Method and X-Forwarded-Host; fn is
 * the function the route leads to, from this verifier's own address (`fn=<name>`, which only routes to a function
 * carry). The runtime checks all three against the request it gets and the function it dispatches it to, so a
 * signature is no use on another host, with another method or for another function. Without them (a route to
 * anything but a function, or not called by forwardAuth) nothing is signed: PostgREST, Spark or an extra service
 * behind an `auth` route must get no signature they could replay to the runtime.
 * @param {string | null} fn
 * @returns {string | undefined}
 */
function signIdentity(key, req, fn, identity, nowSeconds) {
  const method = req.headers['x-forwarded-method']
  const host = req.headers['x-forwarded-host']
  if (typeof method !== 'string' || method === '' || typeof host !== 'string' || host === '') return undefined
  if (fn === null || fn === '') return undefined
  const exp = nowSeconds + SIGNATURE_SECONDS
  const signed = JSON.stringify([
    'sparkbaas-x-auth-v2',
    method,
    host,
    fn,
    identity['x-auth-subject'] ?? null,
    identity['x-auth-username'] ?? null,
    identity['x-auth-roles'] ?? null,
    exp,
  ])
  return `${exp}.${createHmac('sha256', key).update(signed).digest('base64url')}`
}

/**
 * Header values must be Latin-1 without control characters or Node refuses them. Plain ASCII is sent as is;
 * anything else (e.g. a non-ASCII username) is percent-encoded, so a consumer that sees a "%" may decode it.
 */
function headerValue(value) {
  return /^[\x20-\x7e]*$/.test(value) ? value : encodeURIComponent(value)
}

const ACCESS_LOG_BATCH_BYTES = 64 * 1024
// A line reaches the log at most this long after its request ended.
const ACCESS_LOG_FLUSH_MS = 50

/**
 * The access log: one line per request, as `log(status, () => line)`. Lines are written in batches, ACCESS_LOG_FLUSH_MS
 * after the first line of a batch (or at ACCESS_LOG_BATCH_BYTES), not one write each: Node writes to a pipe, which
 * is what Docker's log driver gives a container, synchronously, so one write per request was a system call in every
 * request's path, and a wake-up of the reader on the other end. Batching per turn of the event loop still made
 * hundreds of writes a second under load; a timer makes at most 20, for ~5 µs less CPU per request here (server
 * and reader; docs/performance.md). Lines still waiting are written when the process exits. `setting`: "all" (the default),
 * "off", or "sample:<N>": one successful request in N, and every answer of 400 or more.
 * @returns {(status: number, line: () => string) => void}
 */
function accessLog(variable, setting) {
  const match = /^(?:all|off|sample:([1-9][0-9]{0,8}))$/.exec(setting)
  if (!match) {
    console.error(
      `verifier: ${variable} must be "all", "off" or "sample:<N>" (one successful request in N logged, N a whole number from 1), got ${JSON.stringify(setting)}`,
    )
    process.exit(1)
  }
  if (setting === 'off') return () => {}
  const every = match[1] === undefined ? 1 : Number(match[1])
  let successes = 0
  let pending = ''
  let scheduled = false
  const flush = () => {
    scheduled = false
    if (pending === '') return
    const text = pending
    pending = ''
    process.stdout.write(text)
  }
  process.on('exit', () => {
    if (pending === '') return
    try {
      writeSync(1, pending)
    } catch {
      // stdout is gone: nothing to write to
    }
  })
  return (status, line) => {
    if (status < 400 && every > 1 && ++successes % every !== 0) return
    pending += `${line()}\n`
    if (pending.length >= ACCESS_LOG_BATCH_BYTES) flush()
    else if (!scheduled) {
      scheduled = true
      setTimeout(flush, ACCESS_LOG_FLUSH_MS)
    }
  }
}

function main() {
  let realms
  try {
    realms = loadRealms(process.env.VERIFIER_REALMS)
  } catch (error) {
    console.error(`verifier: invalid VERIFIER_REALMS: ${error.message}`)
    process.exit(1)
  }
  const port = Number(process.env.PORT || 8080)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`verifier: PORT must be an integer between 0 and 65535, got ${JSON.stringify(process.env.PORT)}`)
    process.exit(1)
  }
  const host = process.env.HOST || '0.0.0.0'
  const authKey = process.env.AUTH_HEADERS_KEY || null
  if (authKey !== null && authKey.length < MIN_AUTH_KEY_LENGTH) {
    console.error(
      `verifier: AUTH_HEADERS_KEY must be at least ${MIN_AUTH_KEY_LENGTH} characters (got ${authKey.length}); delete its line in .env and run \`sparkbaas generate\` to get a new one`,
    )
    process.exit(1)
  }
  const cacheMax = process.env.VERIFIER_TOKEN_CACHE_MAX ?? ''
  if (cacheMax !== '' && !/^[0-9]{1,9}$/.test(cacheMax)) {
    console.error(
      `verifier: VERIFIER_TOKEN_CACHE_MAX must be a whole number of tokens (0 turns the cache off), got ${JSON.stringify(cacheMax)}`,
    )
    process.exit(1)
  }
  const log = accessLog('VERIFIER_ACCESS_LOG', process.env.VERIFIER_ACCESS_LOG || 'all')
  const cache = new TokenCache(cacheMax === '' ? DEFAULT_TOKEN_CACHE_MAX : Number(cacheMax))
  let shuttingDown = false

  // requireHostHeader: false — the Host is irrelevant here, and Node's own 400 for a missing one is not JSON.
  const server = createServer({ keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS, requireHostHeader: false, maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => {
    const started = performance.now()
    res.on('close', () => {
      // One line per request. The forwarded method and URI say what was being authorised; query strings are
      // left out of the log because they may carry secrets. The token itself is never logged.
      const status = res.headersSent ? res.statusCode : 499 // 499: the client left before the answer
      log(status, () => {
        const path = (req.url ?? '').split('?')[0]
        const forwarded = req.headers['x-forwarded-uri']
          ? ` for ${req.headers['x-forwarded-method'] ?? '?'} ${req.headers['x-forwarded-host'] ?? ''}${String(req.headers['x-forwarded-uri']).split('?')[0]}`
          : ''
        return `${req.method} ${path} ${status} ${(performance.now() - started).toFixed(1)}ms${forwarded}`
      })
      if (shuttingDown) server.closeIdleConnections()
    })
    try {
      handle(req, res)
    } catch (error) {
      console.error(`verifier: internal error: ${error?.stack ?? error}`)
      sendJson(res, 500, { error: 'internal_error', message: 'internal error in the verifier' })
    }
  })

  /**
   * signIdentity, reusing the token's last signature when the method, host, function and second are the same: the
   * signed text would be the same, and a session's requests repeat them.
   */
  function signCached(accepted, req, fn, nowSeconds) {
    const method = req.headers['x-forwarded-method']
    const host = req.headers['x-forwarded-host']
    const last = accepted.signature
    if (last !== undefined && last.nowSeconds === nowSeconds && last.method === method && last.host === host && last.fn === fn) {
      return last.value
    }
    const value = signIdentity(authKey, req, fn, accepted.identity, nowSeconds)
    accepted.signature = { nowSeconds, method, host, fn, value }
    return value
  }

  function sendJson(res, status, body, headers = {}) {
    const payload = JSON.stringify(body)
    sendPayload(res, status, Object.entries(headers).flat(), payload, Buffer.byteLength(payload))
  }

  /** A JSON answer already serialized; `headers` is Node's flat [name, value, …] list. */
  function sendPayload(res, status, headers, payload, bytes) {
    if (res.headersSent) return
    res.writeHead(status, [
      ...headers,
      'content-type',
      'application/json; charset=utf-8',
      'content-length',
      bytes,
      // Why: a verdict depends on the token and the clock; no cache between Traefik and us may reuse one.
      'cache-control',
      'no-store',
      ...(shuttingDown ? ['connection', 'close'] : []),
    ])
    res.end(payload)
  }

  /**
   * What a /verify address asks for. Traefik calls the same few addresses (one per route with `auth`) again and
   * again, so handle() keeps the parse of each by its exact text (see ADDRESS_CACHE_MAX for the bounds).
   * @returns {{ realmName: string | null, realm: object | undefined, requiredRoles: string[], fn: string | null, quotedRealm: string }}
   */
  const addresses = new Map()
  function verifyAddress(target, url) {
    const realmName = url.searchParams.get('realm')
    // The function a route to one names; more than one `fn` is not an address SparkBaaS writes, so none is signed.
    const fns = url.searchParams.getAll('fn')
    const address = {
      realmName,
      realm: realmName === null ? undefined : realms.get(realmName),
      requiredRoles: (url.searchParams.get('roles') ?? '')
        .split(',')
        .map((role) => role.trim())
        .filter((role) => role !== ''),
      fn: fns.length === 1 ? fns[0] : null,
      quotedRealm: (realmName ?? '').replace(/[^\x20-\x7e]|["\\]/g, ''),
    }
    if (address.realm !== undefined && target.length <= ADDRESS_CACHE_MAX_LENGTH) {
      if (addresses.size >= ADDRESS_CACHE_MAX) addresses.clear()
      addresses.set(target, address)
    }
    return address
  }

  function handle(req, res) {
    const target = req.url ?? '/'
    let address = addresses.get(target)
    if (address === undefined) {
      let url
      try {
        url = new URL(target, 'http://verifier.invalid')
      } catch {
        return sendJson(res, 400, { error: 'bad_request', message: 'malformed request target' })
      }
      if (url.pathname === '/_health') {
        if (req.method !== 'GET' && req.method !== 'HEAD') {
          return sendJson(res, 405, { error: 'method_not_allowed', message: 'use GET for /_health' })
        }
        return sendJson(res, 200, { status: 'ok', realms: [...realms.keys()], tokenCache: cache.stats(), addressCache: { entries: addresses.size, max: ADDRESS_CACHE_MAX } })
      }
      if (url.pathname !== '/verify') {
        return sendJson(res, 404, { error: 'not_found', message: `no endpoint ${url.pathname}` })
      }
      address = verifyAddress(target, url)
    }

    // Any method is accepted on /verify: Traefik decides which method it uses for the auth request.
    const { realmName, realm, requiredRoles, fn, quotedRealm } = address
    if (!realm) {
      // The forwardAuth address names a realm this verifier was not given: a bug in the generated config,
      // not the client's fault. Loud in the log, 500 to the client.
      const message = realmName === null ? 'no realm in the verify address' : `realm ${JSON.stringify(realmName)} is not configured`
      console.error(`verifier: misconfigured route: ${message}`)
      return sendJson(res, 500, { error: 'misconfigured', message })
    }

    // CORS preflights: a browser sends OPTIONS (X-Forwarded-Method: OPTIONS) without credentials. We refuse it
    // like any other request without a token. Why: letting unauthenticated requests reach a protected target
    // by method is an exemption that belongs in the routing config (a separate, explicit router), not a
    // hidden rule here. A route that must serve cross-origin browsers gets a preflight router without auth.

    const unauthorized = (description, withError = true) =>
      sendJson(
        res,
        401,
        { error: 'unauthorized', message: description },
        {
          // RFC 6750 §3.1: no error code when the request carried no credentials at all.
          'www-authenticate': withError
            ? `Bearer realm="${quotedRealm}", error="invalid_token", error_description="${description.replace(/[^\x20-\x7e]|["\\]/g, '')}"`
            : `Bearer realm="${quotedRealm}"`,
        },
      )

    const authorization = req.headers.authorization
    if (!authorization) return unauthorized('missing bearer token', false)
    const match = /^Bearer[ ]+([^\s]+)[ ]*$/i.exec(authorization)
    if (!match) return unauthorized('the Authorization header is not a bearer token')

    const nowSeconds = Math.floor(Date.now() / 1000)
    const cacheKey = `${realmName} ${match[1]}`
    let accepted = cache.get(cacheKey, nowSeconds)
    if (accepted === undefined) {
      try {
        accepted = acceptance(verifyToken(match[1], realm, nowSeconds))
      } catch (error) {
        if (error instanceof VerifyError) return unauthorized(error.message)
        throw error
      }
      cache.set(cacheKey, accepted)
    }

    const { roles } = accepted
    const missing = requiredRoles.find((role) => !roles.includes(role))
    if (missing !== undefined) {
      return sendJson(res, 403, { error: 'forbidden', message: `missing role ${JSON.stringify(missing)}` })
    }

    const signature = authKey === null || fn === null ? undefined : signCached(accepted, req, fn, nowSeconds)
    // The parts built once per token (acceptance).
    const headers = signature === undefined ? accepted.headers : [...accepted.headers, 'x-auth-signature', signature]
    return sendPayload(res, 200, headers, accepted.body, accepted.bodyBytes)
  }

  server.on('clientError', (error, socket) => {
    if (socket.writable) {
      const tooLarge = error.code === 'HPE_HEADER_OVERFLOW'
      const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'
      const body = JSON.stringify(
        tooLarge
          ? { error: 'request_header_fields_too_large', message: `the request headers are over ${MAX_HEADER_BYTES} bytes` }
          : { error: 'bad_request', message: 'malformed HTTP request' },
      )
      socket.end(
        `HTTP/1.1 ${status}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      )
    } else {
      socket.destroy(error)
    }
  })
  server.on('error', (error) => {
    console.error(`verifier: server error: ${error.message}`)
    process.exit(1)
  })
  server.listen(port, host, () => {
    console.log(`verifier listening on ${host}:${server.address().port} for realm(s): ${[...realms.keys()].join(', ')}`)
  })

  function shutdown(signal) {
    if (shuttingDown) process.exit(0) // a second signal: do not wait
    shuttingDown = true
    console.log(`verifier: ${signal} received, finishing in-flight requests`)
    // Stop accepting; idle keep-alive connections close now, busy ones after their response.
    server.close(() => process.exit(0))
    server.closeIdleConnections()
    setTimeout(() => {
      server.closeAllConnections()
      process.exit(0)
    }, SHUTDOWN_GRACE_MS).unref()
  }
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  process.on('SIGINT', () => shutdown('SIGINT'))
}

main()
