/**
 * `manifest.json`, the first entry of every backup archive: what the archive holds and where it came from, so a
 * restore can check the archive is whole (each file's size and sha256) and fits the stack it is restored onto
 * (project, Postgres major) before anything is touched.
 */
import { z } from 'zod'
import { SparkbaasError } from '../errors.js'
import { sha256File } from '../hash.js'

export { sha256File }

export const MANIFEST_FILE = 'manifest.json'
export const ROLES_FILE = 'roles.sql'
export const DUMPS_DIR = 'databases'
export const FORMAT = 'sparkbaas-backup'
/** Raised when the layout changes in a way an older sparkbaas could not restore. */
export const FORMAT_VERSION = 1

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a hex sha256')
const fileEntry = {
  /** Path inside the archive. */
  file: z.string(),
  bytes: z.number().int().nonnegative(),
  sha256,
}

const manifestSchema = z.object({
  format: z.literal(FORMAT),
  formatVersion: z.literal(FORMAT_VERSION),
  sparkbaasVersion: z.string(),
  project: z.string().min(1),
  /** ISO 8601, UTC. */
  createdAt: z.string(),
  /** The config file the stack was generated from: its name and the sha256 of its bytes. */
  config: z.object({ file: z.string(), sha256 }),
  /** Compose service → image, as the generated docker-compose.yml had them. */
  images: z.record(z.string(), z.string()),
  postgres: z.object({ version: z.string(), major: z.number().int().positive() }),
  /** `pg_dumpall --roles-only`: the cluster's roles, memberships and role settings. */
  roles: z.object({ ...fileEntry, file: z.literal(ROLES_FILE) }),
  databases: z.array(
    z.object({
      name: z.string().min(1),
      ...fileEntry,
      file: z.string().regex(new RegExp(`^${DUMPS_DIR}/[^/]+\\.dump$`), `expected ${DUMPS_DIR}/<name>.dump`),
      /** Whether the config named it (postgres.databases, Keycloak's, `postgres`) or it was made by hand. */
      inConfig: z.boolean(),
    }),
  ),
})

export type Manifest = z.infer<typeof manifestSchema>
export type DatabaseEntry = Manifest['databases'][number]

/** The name a database's dump has in the archive: its own when that is a plain file name, else its position. */
export function dumpFile(database: string, index: number): string {
  return `${DUMPS_DIR}/${/^[a-z0-9_]{1,63}$/.test(database) ? database : `database-${index + 1}`}.dump`
}


/** Parses and checks `manifest.json`; `archive` names the archive in messages. */
export function parseManifest(text: string, archive: string): Manifest {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (error) {
    throw invalid(archive, `its ${MANIFEST_FILE} is not valid JSON`, error)
  }
  const head = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {}
  if (head.format !== FORMAT) throw invalid(archive, `its ${MANIFEST_FILE} is not a sparkbaas backup manifest (no "format": "${FORMAT}")`)
  if (typeof head.formatVersion === 'number' && head.formatVersion > FORMAT_VERSION) {
    throw new SparkbaasError('archive_invalid', `${archive} was made by a newer sparkbaas (${String(head.sparkbaasVersion)}, archive format ${head.formatVersion}); this one reads format ${FORMAT_VERSION}.`, {
      hint: 'Restore it with that sparkbaas version or a newer one (`npm install sparkbaas@latest`).',
    })
  }
  const parsed = manifestSchema.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw invalid(archive, `its ${MANIFEST_FILE} is malformed at ${issue.path.join('.') || '(top)'}: ${issue.message}`)
  }
  const names = new Set<string>()
  const files = new Set<string>()
  for (const db of parsed.data.databases) {
    if (names.has(db.name) || files.has(db.file)) throw invalid(archive, `its ${MANIFEST_FILE} lists database "${db.name}" (${db.file}) twice`)
    names.add(db.name)
    files.add(db.file)
  }
  return parsed.data
}

export function invalid(archive: string, why: string, cause?: unknown): SparkbaasError {
  return new SparkbaasError('archive_invalid', `${archive} cannot be restored: ${why}.`, {
    hint: 'Use an archive written by `sparkbaas backup`, unchanged since (copy it as a binary file).',
    ...(cause === undefined ? {} : { cause }),
  })
}
