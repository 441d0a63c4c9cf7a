/**
 * Which database the migrations run on, and whether the stack can take them: its postgres service running, and the
 * tracking schema out of PostgREST's reach.
 */
import { SparkbaasError } from '../errors.js'
import { SPARKBAAS_SCHEMA } from '../config/names.js'
import type { StackModel } from '../model/types.js'
import { POSTGRES_SERVICE } from '../stack/postgres.js'

/** The superuser's own database, which every cluster has. */
export const DEFAULT_DATABASE = 'postgres'
/** The schema of the tracking table; the config's rules keep it out of `api.schemas`, so PostgREST never serves it. */
export const TRACKING_SCHEMA = SPARKBAAS_SCHEMA
export const TRACKING_TABLE = 'sparkbaas_migrations'
export { POSTGRES_SERVICE }

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

