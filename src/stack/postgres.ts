/**
 * The commands that work inside the stack's Postgres (backup, restore, migrate) run its programs through
 * `compose exec`, which needs the container running; this says so before anything starts.
 */
import { runCompose } from '../engine/compose.js'
import type { Engine } from '../engine/detect.js'
import { commandFailed } from '../engine/process.js'
import { parsePs, PS_ARGS, type ContainerStatus } from '../engine/ps.js'
import { SparkbaasError } from '../errors.js'
import type { Stack } from './context.js'

/** The compose service of the database (src/model/services.ts). */
export const POSTGRES_SERVICE = 'postgres'

/**
 * Resolves to every container of the stack when its postgres container is running; otherwise throws
 * `stack_not_running` naming `command` and the state compose reports.
 */
export async function requireRunningPostgres(stack: Stack, engine: Engine, command: string): Promise<ContainerStatus[]> {
  const ps = await runCompose(engine, stack, PS_ARGS, 'capture')
  if (ps.exitCode !== 0) throw commandFailed(ps)
  const containers = parsePs(ps.stdout)
  const postgres = containers.filter((c) => c.service === POSTGRES_SERVICE)
  if (postgres.some((c) => c.state === 'running')) return containers
  const state = postgres.length === 0 ? 'has no container' : `is ${[...new Set(postgres.map((c) => c.state))].join(', ')}`
  throw new SparkbaasError('stack_not_running', `${command} needs the stack's Postgres, but the ${POSTGRES_SERVICE} service of ${stack.project} ${state}.`, {
    hint: 'Start the stack with `sparkbaas up` (or just Postgres: `sparkbaas up postgres`), then run it again.',
  })
}
