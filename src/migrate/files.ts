/**
 * The migration files: `migrations/<version>_<name>.sql` beside the config file, where the version is the UTC time
 * the file was created as `YYYYMMDDHHMMSS`. Versions have a fixed width, so sorting them as text sorts them by time,
 * and the version alone identifies a migration (it is the tracking table's primary key): the name is for people.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { SparkbaasError, type Problem } from '../errors.js'
import { byCodePoint } from '../order.js'
import { sha256 } from '../hash.js'
import { decodeUtf8 } from './checksum.js'

export const MIGRATIONS_DIR = 'migrations'

/** The rule `migrate new` enforces on a name, so the file name needs no quoting anywhere. */
export const NAME_RULE = {
  pattern: /^[a-z0-9][a-z0-9_]{0,99}$/,
  expected: 'lowercase letters, digits and "_", starting with a letter or digit, at most 100 characters',
  example: 'create_todos',
} as const

/**
 * A file sparkbaas treats as a migration. Files written by hand may carry any name after the version (the rule
 * above is only for `migrate new`); it is recorded as it is.
 */
const FILE_NAME = /^(\d{14})_(.+)\.sql$/s

export interface MigrationFile {
  /** `20250102030405` */
  readonly version: string
  /** The part of the file name after `<version>_`, without `.sql`. */
  readonly name: string
  /** Absolute path. */
  readonly path: string
  /** SHA-256 hex of the file's bytes. */
  readonly checksum: string
  /** The file as UTF-8 text; undefined when it is not valid UTF-8 (such a file is never applied). */
  readonly text: string | undefined
}

/** `YYYYMMDDHHMMSS` of `date` in UTC. */
export function versionOf(date: Date): string {
  const iso = date.toISOString() // 2025-01-02T03:04:05.678Z
  return iso.slice(0, 19).replace(/[-T:]/g, '')
}

/** The version one second after `version`. */
export function nextVersion(version: string): string {
  const [y, mo, d, h, mi, s] = [0, 4, 6, 8, 10, 12].map((at, i) => Number(version.slice(at, at + (i === 0 ? 4 : 2)))) as [number, number, number, number, number, number]
  const next = versionOf(new Date(Date.UTC(y, mo - 1, d, h, mi, s) + 1000))
  // A hand-written version that is no real time (month 00) may not survive the round trip: count up instead.
  return next > version ? next : (BigInt(version) + 1n).toString().padStart(14, '0')
}

/** Every migration file in `dir`, sorted by version; a missing folder has none. Throws when one cannot be ordered. */
export async function listMigrations(dir: string): Promise<MigrationFile[]> {
  let entries: { name: string; isFile: () => boolean; isSymbolicLink: () => boolean }[]
  try {
    entries = await readdir(dir, { withFileTypes: true })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
  const problems: Problem[] = []
  const files: MigrationFile[] = []
  const sql = entries.filter((e) => (e.isFile() || e.isSymbolicLink()) && e.name.endsWith('.sql')).map((e) => e.name)
  for (const fileName of sql.sort(byCodePoint)) {
    const match = FILE_NAME.exec(fileName)
    if (!match) {
      problems.push({
        path: `${MIGRATIONS_DIR}/${fileName}`,
        code: 'migration_invalid',
        message: 'not named like a migration: <14-digit UTC version>_<name>.sql, e.g. 20250102030405_create_todos.sql — rename it, or move it out of the folder',
      })
      continue
    }
    const path = join(dir, fileName)
    const bytes = await readFile(path)
    files.push({ version: match[1]!, name: match[2]!, path, checksum: sha256(bytes), text: decodeUtf8(bytes) })
  }
  for (let i = 1; i < files.length; i++) {
    const [a, b] = [files[i - 1]!, files[i]!]
    if (a.version !== b.version) continue
    problems.push({
      path: `${MIGRATIONS_DIR}/${a.version}_${b.name}.sql`,
      code: 'migration_invalid',
      message: `has the same version as ${MIGRATIONS_DIR}/${a.version}_${a.name}.sql; a version names one migration — give one of them a new version (the time it was written, YYYYMMDDHHMMSS)`,
    })
  }
  if (problems.length > 0) {
    throw new SparkbaasError('migration_invalid', `${MIGRATIONS_DIR}/ holds files sparkbaas cannot order:`, { problems })
  }
  return files
}

/** Throws a usage error when `name` breaks {@link NAME_RULE}. */
export function checkMigrationName(name: string): void {
  if (NAME_RULE.pattern.test(name)) return
  throw new SparkbaasError('usage', `Invalid migration name "${name}": expected ${NAME_RULE.expected}.`, {
    hint: `For example: \`sparkbaas migrate new ${NAME_RULE.example}\`.`,
  })
}

export function migrationHeader(version: string, name: string): string {
  return [
    `-- Migration ${version}_${name}, created by \`sparkbaas migrate new\`.`,
    '-- `sparkbaas migrate up` runs it with psql in one transaction, together with its row in',
    '-- sparkbaas.sparkbaas_migrations: do not add BEGIN or COMMIT. Once it is applied, do not edit it: write a new',
    '-- migration instead (`migrate up` refuses to run while an applied migration differs from its file).',
    '',
    '',
  ].join('\n')
}

/**
 * Creates `<dir>/<version>_<name>.sql`. The version is the current UTC second, or one second after the newest
 * migration when that is not later: two `new` calls in the same second (a script) get distinct versions, in the
 * order they were made, and a new migration always sorts after every existing one.
 */
export async function newMigration(dir: string, name: string, options: { now?: Date } = {}): Promise<MigrationFile> {
  checkMigrationName(name)
  await mkdir(dir, { recursive: true })
  for (let attempt = 0; attempt < 20; attempt++) {
    const existing = await listMigrations(dir)
    const newest = existing.at(-1)?.version
    const now = versionOf(options.now ?? new Date())
    const version = newest !== undefined && newest >= now ? nextVersion(newest) : now
    const path = join(dir, `${version}_${name}.sql`)
    const text = migrationHeader(version, name)
    try {
      // `wx`: never overwrite, even a file another process created a moment ago.
      await writeFile(path, text, { flag: 'wx' })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue
      throw error
    }
    // Another `new` may have taken the same version with another name meanwhile; the later name gives way.
    const rival = (await readdir(dir)).find((f) => f.startsWith(`${version}_`) && f.endsWith('.sql') && f !== `${version}_${name}.sql`)
    if (rival !== undefined && rival < `${version}_${name}.sql`) {
      await rm(path, { force: true })
      continue
    }
    const bytes = Buffer.from(text)
    return { version, name, path, checksum: sha256(bytes), text }
  }
  throw new SparkbaasError('migration_invalid', `Could not find a free version for migration "${name}" in ${dir}.`, {
    hint: 'Another process keeps creating migrations there; try again.',
  })
}
