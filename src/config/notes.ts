/**
 * Notes about a valid config: nothing is wrong, but the stack may not do what the user expects. `validate` and
 * `generate` print them as warnings; they never fail a run.
 */
import { NAMES } from './names.js'
import { kubernetesNamespace } from './validate-kubernetes.js'
import type { ParsedConfig } from './schema.js'

export function configNotes(config: ParsedConfig): string[] {
  return [...(config.routes.length === 0 ? [noRoutes(config)] : []), ...unpublishedPostgres(config)]
}

/** Compose publishes Postgres on a host port; a cluster has none to give it (src/render/kubernetes/workload.ts). */
function unpublishedPostgres(config: ParsedConfig): string[] {
  const port = config.postgres.exposePort
  if (config.target !== 'kubernetes' || port === false) return []
  const namespace = kubernetesNamespace(config)
  return [
    `postgres.exposePort: with target "kubernetes" Postgres is not published (a cluster has no host port for it) — reach it with \`kubectl port-forward -n ${namespace} statefulset/postgres ${port === 5432 ? '5432' : `${port}:5432`}\``,
  ]
}

/** Traefik is the only way in: without a route, every service is internal (Postgres aside, when published). */
function noRoutes(config: ParsedConfig): string {
  const port = config.postgres.exposePort
  const except = port === false ? '' : ` but Postgres on host port ${port}`
  const suggestion = suggestRoute(config)
  const fix = suggestion === undefined ? 'add api: {} and a route such as ' : 'add a route such as '
  return `no routes: nothing is reachable from outside the stack${except} — ${fix}${suggestion ?? API_ROUTE}`
}

const API_ROUTE = '{ host: "api", path: "/rest", to: "api" }'

/** A route to the first thing the config has that a route can reach, written as the user would. */
function suggestRoute(config: ParsedConfig): string | undefined {
  if (config.api !== undefined) return API_ROUTE
  const fn = config.functions[0]
  if (fn !== undefined) return `{ host: "api", path: "/fn/${fn.name}", to: { function: ${JSON.stringify(fn.name)} } }`
  const service = Object.keys(config.services).find((name) => config.services[name]?.port !== undefined)
  if (service !== undefined) {
    const host = NAMES.host.pattern.test(service) ? service : 'app'
    return `{ host: ${JSON.stringify(host)}, to: { service: ${JSON.stringify(service)} } }`
  }
  if (config.realms.length > 0) return '{ host: "auth", to: "keycloak" }'
  if (config.workers.length > 0) return '{ host: "spark", to: "spark" }'
  return undefined
}
