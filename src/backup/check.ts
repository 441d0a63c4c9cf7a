/**
 * Does an archive fit the stack it is about to be restored onto? Checked before anything is stopped or dropped.
 *
 * - The project must be the same: an archive of another stack is almost surely the wrong file.
 * - Every database of the archive must be one of this config's (postgres.databases, Keycloak's, and `postgres`,
 *   the image's POSTGRES_DB, which the stack owns): a restore replaces only what the config owns, never a database
 *   made by hand, and never PostgreSQL's templates (template0, template1), whatever the manifest claims. The names
 *   checked are the manifest's; restore.ts then checks each dump's own header names the same database.
 * - A dump from a newer Postgres major than the running server is refused: pg_restore cannot read a newer
 *   archive version, and a newer server's SQL may not run on an older one. An older major is fine: backup,
 *   recreate with the new `postgres.version`, restore is how a major upgrade is done.
 * - A different config hash is only a warning: configs change between a backup and a restore.
 */
import { basename } from 'node:path'
import { SparkbaasError, type Problem } from '../errors.js'
import type { StackModel } from '../model/types.js'
import type { Manifest } from './manifest.js'
import { SUPERUSER } from './postgres.js'

/** The databases the config gives the stack: `postgres`, Keycloak's, then postgres.databases. */
export function configDatabases(model: StackModel): string[] {
  const names = [SUPERUSER, ...(model.postgres.keycloakDatabase ? [model.postgres.keycloakDatabase.name] : []), ...model.postgres.databases]
  return [...new Set(names)]
}

export interface FitContext {
  readonly model: StackModel
  /** Absolute path of the stack's config file and the sha256 of its bytes. */
  readonly configFile: string
  readonly configSha256: string
  /** Major version of the running server. */
  readonly serverMajor: number
  /** The archive as the user named it. */
  readonly label: string
}

/** Throws `archive_mismatch` for an archive that does not fit; returns the warnings for one that does. */
export function checkFit(manifest: Manifest, context: FitContext): string[] {
  const { model, label } = context
  const problems: Problem[] = []
  if (manifest.project !== model.project) {
    problems.push({ path: 'project', code: 'archive_mismatch', message: `the archive is of project "${manifest.project}", this stack is "${model.project}"` })
  }
  const known = configDatabases(model)
  for (const { name } of manifest.databases) {
    if (TEMPLATES.includes(name)) {
      problems.push({ path: 'databases', code: 'archive_mismatch', message: `the archive has database "${name}", a template of PostgreSQL itself, which a restore never replaces` })
    } else if (!known.includes(name)) {
      problems.push({ path: 'databases', code: 'archive_mismatch', message: `the archive has database "${name}", which is not one of this config's databases (${known.join(', ')})` })
    }
  }
  if (manifest.postgres.major > context.serverMajor) {
    problems.push({
      path: 'postgres',
      code: 'archive_mismatch',
      message: `the archive was dumped from PostgreSQL ${manifest.postgres.major} (${manifest.postgres.version}), the stack runs PostgreSQL ${context.serverMajor}, and an older server cannot restore a newer dump`,
    })
  }
  if (problems.length > 0) {
    throw new SparkbaasError('archive_mismatch', `${label} does not fit stack ${model.project}; nothing was changed:`, {
      problems,
      hint: 'Restore it onto the stack it was made from (same project, its databases in the config, PostgreSQL of the same or a newer major: postgres.version).',
    })
  }
  const warnings: string[] = []
  if (manifest.config.sha256 !== context.configSha256) {
    warnings.push(`${basename(context.configFile)} has changed since the backup (${manifest.createdAt}): the data is restored as it was then, the stack runs the config as it is now.`)
  }
  if (manifest.postgres.major < context.serverMajor) {
    warnings.push(`the archive is from PostgreSQL ${manifest.postgres.major}, the stack runs ${context.serverMajor}: restored with the newer server's pg_restore (a major upgrade).`)
  }
  return warnings
}

/** PostgreSQL's own template databases: a restore never replaces them, even if a config could name them. */
const TEMPLATES: readonly string[] = ['template0', 'template1']
