/**
 * Memory and CPU limits of every compose service, from `resources` over the defaults (config/defaults.ts).
 *
 * Rendered as `deploy.resources.limits`: docker compose v2 applies it to the containers of a plain `docker compose
 * up`, not only under Swarm — pkg/compose/create.go getDeployResources calls setLimits, which copies
 * `limits.MemoryBytes` and `limits.NanoCPUs` into the container's HostConfig (the same fields `mem_limit`/`cpus`
 * fill, and Swarm reads this form too).
 */
import { DEFAULTS, FUNCTIONS_RUNTIME_MEMORY_MB, SPARK_WORKER_DAEMON_MEMORY_MB } from '../config/defaults.js'
import type { ParsedConfig } from '../config/schema.js'
import { KEYCLOAK_SYNC, POSTGRES_INIT } from './jobs.js'
import type { LimitsModel, ServiceDraft, ServiceModel } from './types.js'

type BuiltIn = keyof typeof DEFAULTS.resources

/**
 * The compose services a config produces, by name: what `resources` may name. resolve.ts builds the same list;
 * withLimits checks the two agree.
 */
export function composeServiceNames(config: ParsedConfig): string[] {
  const keycloak = config.realms.length > 0 || config.routes.some((r) => r.to === 'keycloak')
  return [
    'postgres',
    POSTGRES_INIT,
    ...(keycloak ? ['keycloak'] : []),
    ...(config.realms.length > 0 ? [KEYCLOAK_SYNC] : []),
    ...(config.api ? ['postgrest'] : []),
    ...(config.functions.length > 0 ? ['functions'] : []),
    ...(config.routes.some((r) => r.auth !== undefined) ? ['verifier'] : []),
    ...(config.workers.length > 0 ? ['spark-master', ...config.workers.map((w) => `spark-${w.name}`)] : []),
    ...Object.keys(config.services).sort(),
    'traefik',
  ]
}

/** Every service with its limits: the user's `resources[name]` field by field over the default. */
export function withLimits(config: ParsedConfig, services: readonly ServiceDraft[]): ServiceModel[] {
  const expected = composeServiceNames(config)
  const built = services.map((s) => s.name)
  if (expected.join() !== built.join()) {
    throw new Error(`internal: composeServiceNames (${expected.join(', ')}) differs from the services built (${built.join(', ')})`)
  }
  return services.map((service) => {
    const own = config.resources[service.name] ?? {}
    const fallback = defaultLimits(config, service.name)
    const limits: LimitsModel = { memory: (own.memory ?? fallback.memory).toLowerCase(), cpus: own.cpus ?? fallback.cpus }
    return { ...service, limits }
  })
}

function defaultLimits(config: ParsedConfig, name: string): LimitsModel {
  if (name === 'functions') {
    const memoryMb = config.functions.reduce((sum, fn) => sum + fn.memoryMb, FUNCTIONS_RUNTIME_MEMORY_MB)
    return { memory: `${memoryMb}m`, cpus: 1 }
  }
  const worker = config.workers.find((w) => `spark-${w.name}` === name)
  if (worker) return { memory: `${mebibytes(worker.memory) + SPARK_WORKER_DAEMON_MEMORY_MB}m`, cpus: worker.cores }
  if (name in config.services) return DEFAULTS.resources.service
  const builtIn = DEFAULTS.resources[name as BuiltIn]
  if (!builtIn) throw new Error(`internal: no default limits for service ${name}`)
  return builtIn
}

/** `"2g"` → 2048 (binary units, as compose and Spark read them); sizes below 1 MiB round up. */
function mebibytes(size: string): number {
  const match = /^(\d+)([kmgt])$/i.exec(size)
  if (!match) throw new Error(`internal: not a memory size: ${size}`)
  const factor = { k: 1 / 1024, m: 1, g: 1024, t: 1024 * 1024 }[match[2]!.toLowerCase() as 'k' | 'm' | 'g' | 't']
  return Math.ceil(Number(match[1]) * factor)
}
