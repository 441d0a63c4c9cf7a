/**
 * `ports` in the config: every public URL carries the configured host port unless it is the scheme's own, and
 * Traefik listens on that same number inside the container, so its HTTP→HTTPS redirect names the right port.
 */
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { configSchema, type ConfigInput } from '../../src/config/schema.js'
import { resolveModel } from '../../src/model/resolve.js'
import type { StackModel, ValuePart } from '../../src/model/types.js'
import { renderCompose } from '../../src/render/compose.js'
import { renderTraefik } from '../../src/render/traefik.js'
import { FIXTURE_CONFIG_FILE } from '../fixtures/configs/index.js'

const BASE: ConfigInput = {
  project: 'demo',
  api: { realm: 'main' },
  realms: [{ name: 'main', clients: [{ id: 'web', type: 'public' }] }],
  functions: [],
  routes: [
    { host: 'api', path: '/rest', to: 'api', stripPrefix: true },
    { host: 'auth', to: 'keycloak' },
    { host: 'api', path: '/private', to: 'api', auth: { realm: 'main' } },
  ],
}
const ctx = { functionBundles: new Map() }
const modelOf = (more: Partial<ConfigInput>): StackModel => resolveModel(configSchema.parse({ ...BASE, ...more }), { configFile: FIXTURE_CONFIG_FILE })
const text = (parts: readonly ValuePart[]) => parts.map((p) => ('text' in p ? p.text : `\${${p.ref}}`)).join('')
const envOf = (model: StackModel, service: string) =>
  Object.fromEntries(model.services.find((s) => s.name === service)!.environment.map(({ key, value }) => [key, text(value)]))

/** Every URL a client or a service checks against: the routes, Keycloak's hostname, issuers, PostgREST's OpenAPI server. */
function urls(model: StackModel) {
  return {
    routes: model.routes.map((r) => r.url),
    hostname: envOf(model, 'keycloak').KC_HOSTNAME,
    issuer: model.realms[0]!.issuer,
    verifier: (JSON.parse(envOf(model, 'verifier').VERIFIER_REALMS!.replace('${REALM_MAIN_JWKS}', '{}')) as { main: { issuer: string } }).main.issuer,
    openapi: envOf(model, 'postgrest').PGRST_OPENAPI_SERVER_PROXY_URI,
  }
}

describe('public URLs follow ports', () => {
  it('leave out the scheme’s own port (80 for http, 443 for https), whatever the other one is', () => {
    expect(urls(modelOf({ tls: 'off', ports: { https: 8443 } }))).toEqual({
      routes: ['http://api.localhost/rest', 'http://auth.localhost/', 'http://api.localhost/private'],
      hostname: 'http://auth.localhost',
      issuer: 'http://auth.localhost/realms/main',
      verifier: 'http://auth.localhost/realms/main',
      openapi: 'http://api.localhost/rest',
    })
    expect(urls(modelOf({ tls: 'self-signed', ports: { http: 8080 } })).issuer).toBe('https://auth.localhost/realms/main')
  })

  it('carry any other port everywhere: routes, KC_HOSTNAME, the realm issuer, the verifier, the OpenAPI server', () => {
    // Keycloak 26 (hostname v2) takes the port only as part of a full URL in `hostname` ("there is no way to set
    // path or port separately", upgrading guide 26.0; keycloak.org/server/hostname), and builds the issuer from it.
    expect(urls(modelOf({ tls: 'self-signed', ports: { http: 8080, https: 8443 } }))).toEqual({
      routes: ['https://api.localhost:8443/rest', 'https://auth.localhost:8443/', 'https://api.localhost:8443/private'],
      hostname: 'https://auth.localhost:8443',
      issuer: 'https://auth.localhost:8443/realms/main',
      verifier: 'https://auth.localhost:8443/realms/main',
      openapi: 'https://api.localhost:8443/rest',
    })
    expect(urls(modelOf({ tls: 'off', ports: { http: 8080 } })).issuer).toBe('http://auth.localhost:8080/realms/main')
  })
})

describe('Traefik listens on the host ports themselves', () => {
  type Static = { entryPoints: Record<string, { address: string; http?: { redirections?: { entryPoint?: { to: string; scheme: string } } } }> }
  const traefik = (model: StackModel) => {
    const [staticFile] = renderTraefik(model, ctx)
    const compose = parse(renderCompose(model, ctx)[0]!.contents) as { services: { traefik: { ports: string[] } } }
    return { entryPoints: (parse(staticFile!.contents) as Static).entryPoints, published: compose.services.traefik.ports }
  }

  it('publishes <port>:<port>, and the redirect goes to websecure, whose address carries the HTTPS port', () => {
    // Traefik builds the redirect's port from the address of the `to` entry point (traefik/traefik
    // pkg/provider/traefik/internal.go, getEntryPointPort: net.SplitHostPort(dst.GetAddress())). Publishing 8443 onto a
    // container port 443 would send browsers to :443.
    const { entryPoints, published } = traefik(modelOf({ tls: 'self-signed', ports: { http: 8080, https: 8443 } }))
    expect(published).toEqual(['8080:8080', '8443:8443'])
    expect(entryPoints.web).toEqual({ address: ':8080', http: { redirections: { entryPoint: { to: 'websecure', scheme: 'https' } } } })
    expect(entryPoints.websecure?.address).toBe(':8443')
    expect(entryPoints.ping?.address).toBe(':8082')
  })

  it('moves its unpublished ping entry point out of the way of a web port', () => {
    const { entryPoints, published } = traefik(modelOf({ tls: 'self-signed', ports: { http: 8082, https: 8083 } }))
    expect(published).toEqual(['8082:8082', '8083:8083'])
    expect(Object.values(entryPoints).map((ep) => ep.address)).toEqual([':8082', ':8083', ':8084'])
  })

  it('with TLS off, publishes HTTP only: ports.https is unused', () => {
    expect(traefik(modelOf({ tls: 'off', ports: { http: 8080, https: 8080 } })).published).toEqual(['8080:8080'])
  })
})
