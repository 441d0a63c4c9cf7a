/**
 * A one-glance description of a stack, for `sparkbaas validate`. It reads the resolved model rather than the
 * config, so the count is exactly what `generate` will write and cannot drift from it.
 */
import type { StackModel } from './types.js'

export interface StackSummary {
  project: string
  /**
   * Compose service names, as in the generated docker-compose.yml: postgres, keycloak (with realms or a route to
   * it), postgrest (with `api`), functions (with functions), verifier (with `auth` routes), spark-master and one
   * `spark-<group>` per worker group (with workers), the extra `services`, and traefik.
   */
  services: string[]
  /** Containers once running: a worker group's `replicas` are containers of its one service. */
  containers: number
  /** Public routes, one per entry of `routes`. */
  routes: number
}

export function summarize(model: StackModel): StackSummary {
  return {
    project: model.project,
    services: model.services.map((service) => service.name),
    containers: model.services.reduce((sum, service) => sum + (service.replicas ?? 1), 0),
    routes: model.routes.length,
  }
}
