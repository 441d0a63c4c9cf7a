/**
 * `sparkbaas backup`: every database of the running stack's Postgres as a `pg_dump -Fc`, the cluster's roles as
 * `pg_dumpall --roles-only`, and a manifest, packed into one archive (archive.ts). Everything runs inside the
 * postgres container, so the host needs no Postgres client and the dump is made by the server's own pg_dump.
 *
 * Each database is a consistent snapshot of itself; databases are dumped one after the other. Services keep
 * running: a backup never stops the stack.
 */
import { existsSync } from 'node:fs'
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { pkg } from '../cli/package.js'
import { detectEngine, type Engine } from '../engine/detect.js'
import { isSparkbaasError, SparkbaasError } from '../errors.js'
import { COMPOSE_FILE } from '../layout.js'
import { byCodePoint } from '../order.js'
import { parseYaml } from '../render/yaml.js'
import { withFolderLock } from '../write/lock.js'
import { makeScratch, removeLeftScratch } from '../write/private-dir.js'
import { displayPath, requireGenerated, type Stack } from '../stack/context.js'
import { fileExists, packArchive } from './archive.js'
import { configDatabases } from './check.js'
import { DUMPS_DIR, dumpFile, FORMAT, FORMAT_VERSION, MANIFEST_FILE, ROLES_FILE, sha256File, type Manifest } from './manifest.js'
import { dbConninfo, pgExec, requirePostgres, serverInfo, SUPERUSER, type PgTarget } from './postgres.js'

/** Where backups go by default, beside the config file. Keep it out of git: the archives hold the data. */
export const BACKUPS_DIR = 'backups'

export interface BackupOptions {
  /** The archive to write (must not exist); default `backups/<project>-<UTC time>.tar` beside the config file. */
  readonly file?: string
  /** Told before the dumps start, for a progress line. */
  readonly onStart?: (info: { databases: readonly string[]; postgres: string }) => void
  /** @internal the engine to use instead of detecting one. */
  readonly engine?: Engine
}

export interface BackupResult {
  readonly project: string
  /** Absolute path of the archive. */
  readonly file: string
  readonly bytes: number
  readonly manifest: Manifest
}

export async function backup(stack: Stack, options: BackupOptions = {}): Promise<BackupResult> {
  requireGenerated(stack)
  // One run at a time per project: a migration or a restore must not change the databases mid-dump (lock.ts).
  return withFolderLock(stack.outDir, { command: 'sparkbaas backup' }, () => backupLocked(stack, options))
}

async function backupLocked(stack: Stack, options: BackupOptions): Promise<BackupResult> {
  const file = options.file === undefined ? defaultBackupFile(stack, new Date()) : resolve(stack.cwd, options.file)
  const label = displayPath(stack, file)
  if (existsSync(file)) throw fileExists(label)
  const engine = options.engine ?? (await detectEngine())
  const target: PgTarget = { stack, engine }
  await requirePostgres(target, 'sparkbaas backup')
  const server = await serverInfo(target)
  options.onStart?.({ databases: server.databases, postgres: server.version })

  // The dumps are staged beside the archive, not in /tmp: the same disk has to hold the archive anyway. They go
  // into the folder's private .sparkbaas/ (0700, git-ignored, removed on Ctrl-C, and after a kill by the next
  // backup into this folder: private-dir.ts).
  await mkdir(dirname(file), { recursive: true, mode: 0o700 })
  await removeLeftScratch(dirname(file))
  const scratch = await makeScratch(dirname(file), 'backup')
  const work = scratch.path
  try {
    await mkdir(join(work, DUMPS_DIR))
    await step(`dumping the roles (pg_dumpall)`, () => pgExec(target, ['pg_dumpall', '-U', SUPERUSER, '--roles-only'], { stdoutFile: join(work, ROLES_FILE) }))
    const known = new Set(configDatabases(stack.model))
    const databases: Manifest['databases'] = []
    for (const [index, name] of server.databases.entries()) {
      const entry = dumpFile(name, index)
      const path = join(work, entry)
      await step(`dumping database "${name}" (pg_dump)`, () => pgExec(target, ['pg_dump', '-U', SUPERUSER, '-Fc', '-d', dbConninfo(name)], { stdoutFile: path }))
      databases.push({ name, file: entry, bytes: (await stat(path)).size, sha256: await sha256File(path), inConfig: known.has(name) })
    }
    const rolesPath = join(work, ROLES_FILE)
    const manifest: Manifest = {
      format: FORMAT,
      formatVersion: FORMAT_VERSION,
      sparkbaasVersion: pkg.version,
      project: stack.project,
      createdAt: new Date().toISOString(),
      config: { file: basename(stack.configFile), sha256: await sha256File(stack.configFile) },
      images: await composeImages(stack),
      postgres: { version: server.version, major: server.major },
      roles: { file: ROLES_FILE, bytes: (await stat(rolesPath)).size, sha256: await sha256File(rolesPath) },
      databases,
    }
    await writeManifest(work, manifest)
    const bytes = await packArchive(work, [MANIFEST_FILE, ROLES_FILE, ...databases.map((d) => d.file)], file, label)
    return { project: stack.project, file, bytes, manifest }
  } finally {
    await scratch.dispose()
  }
}

/** A failed pg_dump / pg_dumpall is reported with what was being dumped and that nothing was written. */
async function step(what: string, run: () => Promise<unknown>): Promise<void> {
  try {
    await run()
  } catch (error) {
    if (!isSparkbaasError(error) || error.code !== 'engine_failed') throw error
    throw new SparkbaasError('backup_failed', `Backup failed while ${what}; no archive was written:\n${error.message}`, {
      hint: '`sparkbaas logs postgres` shows the server side.',
      cause: error,
    })
  }
}

async function writeManifest(work: string, manifest: Manifest): Promise<void> {
  await writeFile(join(work, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 })
}

/** `backups/<project>-20250131T235959Z.tar` beside the config file; `-2`, `-3`, … when that name is taken. */
export function defaultBackupFile(stack: Stack, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')
  const folder = join(dirname(stack.configFile), BACKUPS_DIR)
  let file = join(folder, `${stack.project}-${stamp}.tar`)
  for (let n = 2; existsSync(file); n++) file = join(folder, `${stack.project}-${stamp}-${n}.tar`)
  return file
}

/** Service → image of the generated compose file (services built locally have none and are left out). */
async function composeImages(stack: Stack): Promise<Record<string, string>> {
  const doc = parseYaml(await readFile(join(stack.outDir, COMPOSE_FILE), 'utf8')) as { services?: Record<string, { image?: unknown }> }
  const images: Record<string, string> = {}
  for (const name of Object.keys(doc.services ?? {}).sort(byCodePoint)) {
    const image = doc.services?.[name]?.image
    if (typeof image === 'string') images[name] = image
  }
  return images
}
