/**
 * Issue 16: the access log of the functions runtime and of the verifier (one line per request) is written in
 * batches and can be sampled or turned off, so that it does not dominate a request's cost. Errors are never
 * sampled away. FUNCTIONS_ACCESS_LOG / VERIFIER_ACCESS_LOG: all (default) | sample:<N> | off.
 */
import { generateKeyPairSync, sign } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from './spawn-server.js'

const SERVER = fileURLToPath(new URL('../../blueprints/functions/server.mjs', import.meta.url))
const VERIFIER = fileURLToPath(new URL('../../blueprints/verifier/verifier.mjs', import.meta.url))
const MANIFEST = fileURLToPath(new URL('../fixtures/runtime/logs-manifest.json', import.meta.url))

const ISSUER = 'https://auth.localhost/realms/acme'
const keys = generateKeyPairSync('rsa', { modulusLength: 2048 })
const REALMS = JSON.stringify({ acme: { issuer: ISSUER, jwks: { keys: [{ ...keys.publicKey.export({ format: 'jwk' }), alg: 'RS256' }] } } })
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const input = `${b64({ alg: 'RS256' })}.${b64({ iss: ISSUER, sub: 'u', exp: Math.floor(Date.now() / 1000) + 600 })}`
const TOKEN = `${input}.${sign('RSA-SHA256', Buffer.from(input), keys.privateKey).toString('base64url')}`

const requestLines = (server: RunningServer, pattern: RegExp) => server.stdout().split('\n').filter((line) => pattern.test(line))
/** Lets a batch that is due be written and cross the pipe. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 300))

const servers = {
  functions: {
    start: (env: Record<string, string>) => startServer(SERVER, { FUNCTIONS_MANIFEST: MANIFEST, ...env }),
    variable: 'FUNCTIONS_ACCESS_LOG',
    ok: (s: RunningServer) => fetch(`${s.baseUrl}/hello`),
    error: (s: RunningServer) => fetch(`${s.baseUrl}/nope`),
    okLine: /^GET \/hello 200 \d+\.\dms$/,
    errorLine: /^GET \/nope 404 \d+\.\dms$/,
    message: 'functions runtime: ',
  },
  verifier: {
    start: (env: Record<string, string>) => startServer(VERIFIER, { VERIFIER_REALMS: REALMS, ...env }),
    variable: 'VERIFIER_ACCESS_LOG',
    ok: (s: RunningServer) => fetch(`${s.baseUrl}/verify?realm=acme`, { headers: { authorization: `Bearer ${TOKEN}` } }),
    error: (s: RunningServer) => fetch(`${s.baseUrl}/verify?realm=acme`),
    okLine: /^GET \/verify 200 \d+\.\dms$/,
    errorLine: /^GET \/verify 401 \d+\.\dms$/,
    message: 'verifier: ',
  },
}

describe.each(Object.entries(servers))('%s access log', (_, s) => {
  it('logs every request by default', async () => {
    const server = await s.start({})
    try {
      for (let i = 0; i < 5; i++) expect((await s.ok(server)).status).toBe(200)
      await s.error(server)
      await settle()
      expect(requestLines(server, s.okLine)).toHaveLength(5)
      expect(requestLines(server, s.errorLine)).toHaveLength(1)
    } finally {
      await server.kill()
    }
  })

  it('writes the lines still waiting in the batch when it stops', async () => {
    const server = await s.start({})
    try {
      expect((await s.ok(server)).status).toBe(200)
      server.child.kill('SIGTERM')
      await server.exited
      expect(requestLines(server, s.okLine)).toHaveLength(1)
    } finally {
      await server.kill()
    }
  })

  it('sample:<N> logs one successful request in N, and every error', async () => {
    const server = await s.start({ [s.variable]: 'sample:4' })
    try {
      for (let i = 0; i < 12; i++) expect((await s.ok(server)).status).toBe(200)
      for (let i = 0; i < 3; i++) await s.error(server)
      await settle()
      expect(requestLines(server, s.okLine)).toHaveLength(3)
      expect(requestLines(server, s.errorLine)).toHaveLength(3)
    } finally {
      await server.kill()
    }
  })

  it('off logs no request at all', async () => {
    const server = await s.start({ [s.variable]: 'off' })
    try {
      expect((await s.ok(server)).status).toBe(200)
      await s.error(server)
      await settle()
      expect(requestLines(server, s.okLine)).toHaveLength(0)
      expect(requestLines(server, s.errorLine)).toHaveLength(0)
    } finally {
      await server.kill()
    }
  })

  it('exits 1 on another value, saying which values it takes', async () => {
    await expect(s.start({ [s.variable]: 'sample:0' })).rejects.toThrow(
      new RegExp(
        `exited with 1[\\s\\S]*${s.message}${s.variable} must be "all", "off" or "sample:<N>" \\(one successful request in N logged, N a whole number from 1\\), got "sample:0"`,
      ),
    )
  })
})
