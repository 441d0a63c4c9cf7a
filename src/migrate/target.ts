/**
 * Which database the migrations run on, and whether the stack can take them: its postgres service running, and the
 * tracking schema out of PostgREST's reach.
 */
import { runCompose } from '../engine/compose.js'
import type { Engine } from '../engine/detect.js'
import { commandFailed } from '../engine/process.js'
import { parsePs, PS_ARGS } from '../engine/ps.js'
import { SparkbaasError } from '../errors.js'
import { SPARKBAAS_SCHEMA } from '../config/names.js'
import type { StackModel } from '../model/types.js'
import type { Stack } from '../stack/context.js'

/** The superuser's own database, which every cluster has. */
export const DEFAULT_DATABASE = 'postgres'
/** The schema of the tracking table; the config's rules keep it out of `api.schemas`, so PostgREST never serves it. */
export const TRACKING_SCHEMA = SPARKBAAS_SCHEMA
export const TRACKING_TABLE = 'sparkbaas_migrations'
export const POSTGRES_SERVICE = 'postgres'

/** The databases migrations may target: the application databases, then `postgres`. Keycloak's is its own. */
export function knownDatabases(model: StackModel): string[] {
  return [...new Set([...model.postgres.databases, DEFAULT_DATABASE])]
}

/** The API's database when there is an API, else the first application database, else `postgres`; or `requested`. */
export function targetDatabase(model: StackModel, requested?: string): string {
  if (requested === undefined) return model.api?.database ?? model.postgres.databases[0] ?? DEFAULT_DATABASE
  const known = knownDatabases(model)
  if (known.includes(requested)) return requested
  const hint = `Its databases are: ${known.join(', ')}. Pick one with --database NAME (default: ${targetDatabase(model)}).`
  if (requested === model.postgres.keycloakDatabase?.name) {
    throw new SparkbaasError('usage', `Database "${requested}" is Keycloak's own: Keycloak creates and migrates its tables, sparkbaas does not.`, { hint })
  }
  throw new SparkbaasError('usage', `Unknown database "${requested}": stack ${model.project} has no such database.`, { hint })
}

/** Throws `stack_not_running` unless compose shows a running postgres container. */
export async function requirePostgresRunning(stack: Stack, engine: Engine): Promise<void> {
  const ps = await runCompose(engine, stack, PS_ARGS, 'capture')
  if (ps.exitCode !== 0) throw commandFailed(ps)
  const containers = parsePs(ps.stdout).filter((c) => c.service === POSTGRES_SERVICE)
  if (containers.some((c) => c.state === 'running')) return
  const state = containers.length === 0 ? 'not created' : [...new Set(containers.map((c) => c.state))].join(', ')
  throw new SparkbaasError('stack_not_running', `The stack ${stack.project} is not running: its ${POSTGRES_SERVICE} service is ${state}, and migrations run inside it.`, {
    hint: 'Start it with `sparkbaas up`, then run the migrate command again.',
  })
}
