/**
 * Routes → Traefik routers, services and middlewares. Names are derived from host and path, not from list
 * positions, so inserting a route does not rename every router after it.
 */
import type { ParsedConfig, ParsedRoute } from '../config/schema.js'
import { portSuffix } from './ports.js'
import { VERIFIER_PORT } from './services.js'
import type { MiddlewareModel, RouteModel, TraefikServiceModel } from './types.js'
import { byName } from '../order.js'

const SECURITY_HEADERS = 'security-headers'

/** The compose service and port a route target reaches. */
export function targetOf(to: ParsedRoute['to'], config: ParsedConfig): TraefikServiceModel {
  if (to === 'api') return { name: 'postgrest', target: { service: 'postgrest', port: 3000 } }
  if (to === 'keycloak') return { name: 'keycloak', target: { service: 'keycloak', port: 8080 } }
  if (to === 'spark') return { name: 'spark-master', target: { service: 'spark-master', port: 8080 } }
  if ('function' in to) return { name: 'functions', target: { service: 'functions', port: 8000 } }
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

export interface ResolvedRoutes {
  routes: RouteModel[]
  services: TraefikServiceModel[]
  middlewares: MiddlewareModel[]
}

export function resolveRoutes(config: ParsedConfig): ResolvedRoutes {
  const middlewares = new Map<string, MiddlewareModel>()
  const services = new Map<string, TraefikServiceModel>()
  const usedNames = new Set<string>()
  const add = (m: MiddlewareModel) => middlewares.set(m.name, m)
  add({ name: SECURITY_HEADERS, kind: 'headers' })

  const routes = config.routes.map((route): RouteModel => {
    let name = `${route.host}-${slug(route.path)}`
    for (let n = 2; usedNames.has(name); n++) name = `${route.host}-${slug(route.path)}-${n}`
    usedNames.add(name)

    const service = targetOf(route.to, config)
    services.set(service.name, service)

    const chain: string[] = []
    if (route.rateLimit) {
      const { average, burst = average } = route.rateLimit
      add({ name: `${name}-ratelimit`, kind: 'rateLimit', average, burst })
      chain.push(`${name}-ratelimit`)
    }
    if (route.auth) {
      const roles = [...route.auth.roles].sort()
      const authName = ['auth', route.auth.realm, ...roles].join('-')
      const query = new URLSearchParams({ realm: route.auth.realm })
      if (roles.length > 0) query.set('roles', roles.join(','))
      add({
        name: authName,
        kind: 'forwardAuth',
        address: `http://verifier:${VERIFIER_PORT}/verify?${query.toString().replaceAll('%2C', ',')}`,
        responseHeaders: ['X-Auth-Subject', 'X-Auth-Username', 'X-Auth-Roles'],
      })
      chain.push(authName)
    }
    if (route.stripPrefix && route.path !== '/') {
      add({ name: `${name}-strip`, kind: 'stripPrefix', prefix: route.path })
      chain.push(`${name}-strip`)
    }
    if (typeof route.to === 'object' && 'function' in route.to) {
      // The runtime picks the function by the first path segment.
      const fnName = `fn-${route.to.function}`
      add({ name: fnName, kind: 'addPrefix', prefix: `/${route.to.function}` })
      chain.push(fnName)
    }
    chain.push(SECURITY_HEADERS)

    const hostName = `${route.host}.${config.domain}`
    const rule =
      route.path === '/'
        ? `Host(${ruleValue(hostName)})`
        : `Host(${ruleValue(hostName)}) && PathPrefix(${ruleValue(route.path)})`
    return { name, host: hostName, path: route.path, rule, service: service.name, middlewares: chain, url: publicUrl(config, route.host, route.path) }
  })

  return {
    routes,
    services: [...services.values()].sort(byName),
    middlewares: [...middlewares.values()].sort(byName),
  }
}
