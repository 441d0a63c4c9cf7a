/**
 * Routes → Traefik routers, services and middlewares. Names are derived from host and path (and realm, roles,
 * function), not from list positions, so inserting a route does not rename every router after it; where two
 * readable names would be equal, UniqueNames numbers the later one.
 */
import type { ParsedConfig, ParsedRoute } from '../config/schema.js'
import { portSuffix } from './ports.js'
import { VERIFIER_PORT } from './services.js'
import type { MiddlewareModel, RouteModel, TraefikServiceModel } from './types.js'
import { byName } from '../order.js'
import { UniqueNames } from './unique-names.js'

const SECURITY_HEADERS = 'security-headers'
const KEYCLOAK_HEADERS = 'keycloak-headers'
const REMOVE_AUTH_HEADERS = 'remove-auth-headers'

/** The Traefik service of every route to a function: the functions runtime, which picks the function by path. */
export const FUNCTIONS_TRAEFIK_SERVICE = 'functions'

/** The compose service and port a route target reaches. */
export function targetOf(to: ParsedRoute['to'], config: ParsedConfig): TraefikServiceModel {
  if (to === 'api') return { name: 'postgrest', target: { service: 'postgrest', port: 3000 } }
  if (to === 'keycloak') return { name: 'keycloak', target: { service: 'keycloak', port: 8080 } }
  if (to === 'spark') return { name: 'spark-master', target: { service: 'spark-master', port: 8080 } }
  if ('function' in to) return { name: FUNCTIONS_TRAEFIK_SERVICE, target: { service: 'functions', port: 8000 } }
  // Validation guarantees the service exists and has a port.
  const port = config.services[to.service]?.port ?? 0
  return { name: to.service, target: { service: to.service, port } }
}

export const scheme = (config: ParsedConfig): 'http' | 'https' => (config.tls === 'off' ? 'http' : 'https')

/** What a browser opens: the configured host port appears unless it is the scheme's own (src/model/ports.ts). */
export const publicUrl = (config: ParsedConfig, host: string, path: string): string =>
  `${scheme(config)}://${host}.${config.domain}${portSuffix(config)}${path}`

const slug = (path: string): string => path.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase() || 'root'

/** A value inside a rule's backticks. The schema already forbids backticks; this guards the renderer anyway. */
export function ruleValue(value: string): string {
  if (/[`\\]/.test(value)) throw new Error(`internal: unsafe value in a Traefik rule: ${JSON.stringify(value)}`)
  return `\`${value}\``
}

/**
 * The identity headers the verifier answers with and forwardAuth copies into the request.
 * forwardAuth copies exactly the headers its authResponseHeaders lists, deleting each from the request first
 * (traefik/traefik pkg/middlewares/auth/forward.go, ServeHTTP after a 2xx answer).
 */
export const IDENTITY_HEADERS = ['X-Auth-Subject', 'X-Auth-Username', 'X-Auth-Roles'] as const

/**
 * The verifier's signature over the identity headers, which the functions runtime checks so that a container
 * calling the runtime directly cannot claim an identity. Only a route to a function asks for it (`fn=<name>` in the
 * verifier address, which the signature covers) and copies it: a signature reaching PostgREST, Spark or an extra
 * service could be replayed from there to the runtime.
 */
export const SIGNATURE_HEADER = 'X-Auth-Signature'

/**
 * Every X-Auth-* header SparkBaaS sets. A router without forwardAuth passes what the client sent, and one with it
 * replaces only what it copies, so every router first removes them all: a headers middleware whose
 * `customRequestHeaders` value is "" deletes that request header (pkg/middlewares/headers/header.go,
 * modifyCustomRequestHeaders).
 */
export const AUTH_HEADERS = [...IDENTITY_HEADERS, SIGNATURE_HEADER] as const

/**
 * The part of a rule that matches a route's path: the path itself and the paths below it, never a longer segment.
 * Traefik's `PathPrefix` is a plain string prefix (pkg/muxer/http/matcher.go: strings.HasPrefix), so `/rest`
 * alone would also take `/restore`. A path given with a trailing slash (`/rest/`) matches itself and below.
 * Both cases use the same form, which carries the path twice: a route below another then always has the longer
 * rule, and Traefik's default priority is the rule's length (GetRulePriority in pkg/muxer/http/mux.go), so the
 * deeper route wins where both match.
 */
export function pathMatcher(path: string): string | null {
  if (path === '/') return null
  const below = path.endsWith('/') ? path : `${path}/`
  return `(Path(${ruleValue(path)}) || PathPrefix(${ruleValue(below)}))`
}

/**
 * What a route to Keycloak leaves out unless `keycloak.adminConsole` is "public": the admin console and admin REST
 * API (everything below `/admin`, Keycloak's AdminRoot) and the master realm (`/realms/master`, where admins sign
 * in and admin tools get their tokens). Other realms' `/realms/<realm>/…` (sign-in, account console, OIDC
 * endpoints) stay served. A segment ends at "/", ";" (RESTEasy drops a segment's ";params" before matching, so
 * `/realms/master;x` is master) or the end; Traefik matches the path with reserved escapes such as `%2F` and
 * `%3B` left as sent (pkg/muxer/http/mux.go withRoutingPath), so those count as "/" and ";" too. The entry point
 * cleans `/./`, `/../` and `//` before any rule sees the path (sanitizePath, on by default).
 * Under a route path (`/kc` with Keycloak's relative path) the same paths below it are left out.
 */
export function keycloakAdminPaths(routePath: string): string {
  // A route path may hold `.`, `$`, `(`, `)`, `*`, `+` (names.ts): each becomes a one-character class, since a rule
  // value may not hold a backslash (ruleValue).
  const base = routePath.replace(/\/+$/, '').replace(/[.$()*+]/g, '[$&]')
  const slash = '(?:/|%2[Ff])'
  return `^${base}/(?:admin|realms${slash}master)(?:[/;]|%2[Ff]|%3[Bb]|$)`
}

export interface ResolvedRoutes {
  routes: RouteModel[]
  services: TraefikServiceModel[]
  middlewares: MiddlewareModel[]
}

type Definition<M = MiddlewareModel> = M extends MiddlewareModel ? Omit<M, 'name'> : never

export function resolveRoutes(config: ParsedConfig): ResolvedRoutes {
  // One namespace for every middleware, keyed by what it does (plus the router, for the ones a router owns).
  const middlewares = new UniqueNames<MiddlewareModel>()
  const add = (base: string, definition: Definition, router?: string): string =>
    middlewares.claim(JSON.stringify({ router, ...definition }), base, (name) => ({ name, ...definition }) as MiddlewareModel)
  const routers = new UniqueNames<string>()
  const services = new Map<string, TraefikServiceModel>()
  const removeAuthHeaders = add(REMOVE_AUTH_HEADERS, { kind: 'headers', removeRequestHeaders: AUTH_HEADERS, security: null })

  const routes = config.routes.map((route, i): RouteModel => {
    const name = routers.claim(String(i), `${route.host}-${slug(route.path)}`, (n) => n)

    const service = targetOf(route.to, config)
    services.set(service.name, service)

    const chain: string[] = [removeAuthHeaders]
    if (route.rateLimit) {
      const { average, burst = average } = route.rateLimit
      chain.push(add(`${name}-ratelimit`, { kind: 'rateLimit', average, burst }, name))
    }
    const fn = typeof route.to === 'object' && 'function' in route.to ? route.to.function : null
    if (route.auth) {
      const roles = [...route.auth.roles].sort()
      const query = new URLSearchParams({ realm: route.auth.realm })
      if (roles.length > 0) query.set('roles', roles.join(','))
      // The verifier signs the identity only when asked for a function, and signs that function's name with it.
      if (fn !== null) query.set('fn', fn)
      const address = `http://verifier:${VERIFIER_PORT}/verify?${query.toString().replaceAll('%2C', ',')}`
      const base = ['auth', route.auth.realm, ...roles, ...(fn === null ? [] : ['fn', fn])].join('-')
      chain.push(add(base, { kind: 'forwardAuth', address, responseHeaders: fn === null ? IDENTITY_HEADERS : AUTH_HEADERS }))
    }
    if (route.stripPrefix && route.path !== '/') {
      chain.push(add(`${name}-strip`, { kind: 'stripPrefix', prefix: route.path }, name))
    }
    if (fn !== null) {
      // The runtime picks the function by the first path segment.
      chain.push(add(`fn-${fn}`, { kind: 'addPrefix', prefix: `/${fn}` }))
    }
    // Keycloak sends its own X-Frame-Options and CSP frame-ancestors (realm browserSecurityHeaders, SAMEORIGIN /
    // 'self'); a DENY on top would break keycloak-js init(), which loads Keycloak pages in an iframe.
    if (route.to === 'keycloak') chain.push(add(KEYCLOAK_HEADERS, { kind: 'headers', removeRequestHeaders: [], security: { frameDeny: false } }))
    else chain.push(add(SECURITY_HEADERS, { kind: 'headers', removeRequestHeaders: [], security: { frameDeny: true } }))

    const hostName = `${route.host}.${config.domain}`
    const paths = pathMatcher(route.path)
    const served = paths === null ? `Host(${ruleValue(hostName)})` : `Host(${ruleValue(hostName)}) && ${paths}`
    const url = publicUrl(config, route.host, route.path)
    const auth = route.auth ? { auth: { realm: route.auth.realm, roles: [...route.auth.roles].sort() } } : {}
    if (route.to !== 'keycloak' || config.keycloak.adminConsole === 'public') {
      return { name, host: hostName, path: route.path, rule: served, service: service.name, middlewares: chain, url, ...auth }
    }
    // The exclusion makes the rule longer, and Traefik ranks routers by rule length unless a priority is set: the
    // route keeps the rank of its own host and path, so deeper routes on the host still win.
    const rule = `${served} && !PathRegexp(${ruleValue(keycloakAdminPaths(route.path))})`
    return { name, host: hostName, path: route.path, rule, priority: served.length, service: service.name, middlewares: chain, url, ...auth }
  })

  return {
    routes,
    services: [...services.values()].sort(byName),
    middlewares: middlewares.values().sort(byName),
  }
}
