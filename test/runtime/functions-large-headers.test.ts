/**
 * The functions runtime behind Traefik gets the client's request headers (up to Traefik's 1 MiB:
 * traefik/traefik pkg/config/static/entrypoints.go, `http.maxHeaderBytes` defaults to Go's
 * http.DefaultMaxHeaderBytes, 1 << 20) plus what forwardAuth copied from the verifier's answer: on an authenticated
 * route a Keycloak token of tens of KB in Authorization and its roles again in X-Auth-Roles. Node refuses request
 * headers over 16 KiB unless `maxHeaderSize` is raised (nodejs.org/api/http.html, http.createServer).
 */
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startServer, type RunningServer } from './spawn-server.js'

const SERVER = fileURLToPath(new URL('../../blueprints/functions/server.mjs', import.meta.url))
const MANIFEST = fileURLToPath(new URL('../fixtures/runtime/manifest.json', import.meta.url))

let server: RunningServer
beforeAll(async () => {
  server = await startServer(SERVER, { FUNCTIONS_MANIFEST: MANIFEST })
})
afterAll(async () => {
  await server?.kill()
})

it('serves a request carrying a 40 KB token and its 30 KB of roles, and 1 MiB of client headers besides', async () => {
  const roles = Array.from({ length: 2000 }, (_, i) => `app-role-${String(i).padStart(4, '0')}`).join(',')
  const token = `eyJ${'x'.repeat(40_000)}`
  const res = await fetch(`${server.baseUrl}/echo/`, {
    headers: { authorization: `Bearer ${token}`, 'x-auth-roles': roles, cookie: `big=${'c'.repeat(1 << 20)}`, 'x-test': 'still here' },
  })
  expect(res.status).toBe(200)
  expect(await res.json()).toMatchObject({ header: 'still here' })
})
