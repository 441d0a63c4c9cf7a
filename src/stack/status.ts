/** `sparkbaas status`: each service of the model with its state, health and published ports, and the route URLs. */
import { runCompose } from '../engine/compose.js'
import { commandFailed } from '../engine/process.js'
import { detectEngine, type Engine } from '../engine/detect.js'
import { jobDone, parsePs, PS_ARGS, type ContainerStatus, type PublishedPort } from '../engine/ps.js'
import { byCodePoint } from '../order.js'
import { readStackEnv, requireGenerated, type Stack } from './context.js'
import { jobNames } from './services.js'
import { stackUrls } from './urls.js'

export interface ServiceStatus {
  readonly name: string
  /** `running`, `exited`, …, joined when replicas differ; `not created` when compose has no container for it. */
  readonly state: string
  /** `healthy`, `unhealthy`, `starting`; null without a healthcheck or container. */
  readonly health: string | null
  readonly ports: readonly PublishedPort[]
}

export interface StatusResult {
  readonly project: string
  readonly engine: string
  readonly services: readonly ServiceStatus[]
  readonly routes: readonly { readonly url: string }[]
}

export const NOT_CREATED = 'not created'

export async function status(stack: Stack, options: { engine?: Engine } = {}): Promise<StatusResult> {
  requireGenerated(stack)
  const env = await readStackEnv(stack)
  const engine = options.engine ?? (await detectEngine())
  const ps = await runCompose(engine, stack, PS_ARGS, 'capture')
  if (ps.exitCode !== 0) throw commandFailed(ps)
  const services = byService(stack.model.services.map((s) => s.name), parsePs(ps.stdout), jobNames(stack.model))
  return { project: stack.project, engine: engine.name, services, routes: stackUrls(stack.model, env).routes }
}

/** The state of a one-shot job (postgres-init, keycloak-sync) that ran to a clean end on the last `up`. */
export const COMPLETED = 'completed'

/**
 * One entry per service, in the model's order; containers of services the model no longer has come last. A
 * one-shot job that exited with code 0 is `completed`.
 */
export function byService(names: readonly string[], containers: readonly ContainerStatus[], oneShot: ReadonlySet<string> = new Set()): ServiceStatus[] {
  const orphans = [...new Set(containers.map((c) => c.service))].filter((s) => !names.includes(s)).sort(byCodePoint)
  return [...names, ...orphans].map((name) => {
    const mine = containers.filter((c) => c.service === name)
    if (mine.length === 0) return { name, state: NOT_CREATED, health: null, ports: [] }
    const distinct = (values: (string | null)[]) => [...new Set(values.filter((v): v is string => v !== null))].sort(byCodePoint)
    const health = distinct(mine.map((c) => c.health))
    const ports: PublishedPort[] = []
    for (const p of mine.flatMap((c) => c.ports)) {
      if (!ports.some((q) => q.host === p.host && q.published === p.published && q.protocol === p.protocol)) ports.push(p)
    }
    const state = (c: ContainerStatus) => (oneShot.has(name) && jobDone(c) ? COMPLETED : c.state)
    return { name, state: distinct(mine.map(state)).join(', '), health: health.length === 0 ? null : health.join(', '), ports }
  })
}
