/**
 * The backup archive on disk: one uncompressed tar (the dumps are pg_dump's custom format, compressed already)
 * holding `manifest.json` first, `roles.sql`, and `databases/<name>.dump`. Any tar tool can list or unpack it,
 * and `pg_restore` reads each dump as it is.
 *
 * Written like every file sparkbaas writes: into a temp file on the target's filesystem, then renamed, so a failed or
 * interrupted backup never leaves a half archive under the real name. Mode 0600: it holds every row of the
 * stack, Keycloak's users and secrets included.
 */
import { createReadStream, existsSync } from 'node:fs'
import { chmod, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { dirname, join } from 'node:path'
import { create, extract, Parser, type ReadEntry } from 'tar'
import { SparkbaasError } from '../errors.js'
import { DUMPS_DIR, invalid, MANIFEST_FILE, parseManifest, ROLES_FILE, sha256File, type Manifest } from './manifest.js'

/**
 * Packs `entries` (paths relative to `workDir`, manifest first) into `target`, which must not exist yet. The
 * archive is made inside `workDir` (the backup's private scratch folder, on the target's filesystem) and renamed.
 */
export async function packArchive(workDir: string, entries: readonly string[], target: string, label: string): Promise<number> {
  if (existsSync(target)) throw fileExists(label)
  const folder = dirname(target)
  const temp = join(workDir, `${randomBytes(4).toString('hex')}.tar.tmp`)
  try {
    // 0700: the folder of backups is nobody else's business either (only when it is created here).
    await mkdir(folder, { recursive: true, mode: 0o700 })
    // portable: no uid, gid, user or group names of this machine in the archive.
    await create({ file: temp, cwd: workDir, portable: true, mode: 0o600 }, [...entries])
    await chmod(temp, 0o600)
    const handle = await open(temp, 'r+')
    try {
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temp, target)
  } catch (error) {
    await rm(temp, { force: true })
    throw new SparkbaasError('backup_failed', `Could not write ${label}: ${(error as Error).message}.`, { hint: 'Check that the folder is writable and the disk has room.', cause: error })
  }
  return (await stat(target)).size
}

export const fileExists = (label: string) =>
  new SparkbaasError('backup_failed', `${label} already exists; a backup never replaces a file.`, { hint: 'Pick another --file, or move that one away first.' })

const ENTRY = new RegExp(`^(?:${MANIFEST_FILE.replace('.', '\\.')}|${ROLES_FILE.replace('.', '\\.')}|${DUMPS_DIR}/[^/]+\\.dump)$`)
const entryPath = (path: string) => path.replace(/^\.\//, '')

/** What a verified archive gives the restore: its manifest and the folder its files were unpacked into. */
export interface UnpackedArchive {
  readonly manifest: Manifest
  readonly dir: string
  /** Absolute path of a file of the archive (`roles.sql`, `databases/app.dump`). */
  path(file: string): string
}

/** Throws `archive_invalid` unless `file` exists and is a file: checked before anything else, `--yes` included. */
export async function requireArchiveFile(file: string, label: string): Promise<void> {
  const info = await stat(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw new SparkbaasError('archive_invalid', `${label} does not exist.`, { hint: '`ls backups/` shows the archives `sparkbaas backup` wrote.' })
    throw error
  })
  if (!info.isFile()) throw invalid(label, 'it is not a file')
}

/**
 * Unpacks `file` into `dir` (an empty folder of the caller's) and checks it: a tar holding a manifest, every file
 * the manifest lists, each with its size and sha256. Only the entries a backup writes are unpacked; anything else
 * (links, absolute paths, other names) is left out.
 */
export async function unpackArchive(file: string, dir: string, label: string): Promise<UnpackedArchive> {
  await requireArchiveFile(file, label)
  try {
    await extract({ file, cwd: dir, strict: true, filter: (path, entry) => (entry as ReadEntry).type === 'File' && ENTRY.test(entryPath(path)) })
  } catch (error) {
    const code = (error as { code?: string }).code
    const message = (error as Error).message
    const why = code !== 'TAR_BAD_ARCHIVE' ? message : /truncated/i.test(message) ? 'it is cut short (a truncated tar archive)' : 'it is not a tar archive'
    throw invalid(label, why, error)
  }
  const manifestText = await readFile(join(dir, MANIFEST_FILE), 'utf8').catch(() => undefined)
  if (manifestText === undefined) throw invalid(label, `it holds no ${MANIFEST_FILE}`)
  const manifest = parseManifest(manifestText, label)
  for (const entry of [manifest.roles, ...manifest.databases]) {
    const path = join(dir, entry.file)
    const size = await stat(path).then((s) => s.size, () => undefined)
    if (size === undefined) throw invalid(label, `${entry.file} is listed in its ${MANIFEST_FILE} but missing from the archive`)
    if (size !== entry.bytes || (await sha256File(path)) !== entry.sha256) {
      throw invalid(label, `${entry.file} is damaged (its ${size === entry.bytes ? 'sha256' : 'size'} differs from the one in ${MANIFEST_FILE})`)
    }
  }
  return { manifest, dir, path: (name) => join(dir, name) }
}

/**
 * The manifest alone, read from the archive's first entry without unpacking the rest (a refusal message names the
 * databases); undefined when it cannot be read that way.
 */
export function peekManifest(file: string, label: string): Promise<Manifest | undefined> {
  return new Promise((resolve) => {
    const stream = createReadStream(file)
    const done = (manifest: Manifest | undefined) => {
      stream.destroy()
      resolve(manifest)
    }
    const parser = new Parser({
      onReadEntry: (entry) => {
        if (entryPath(entry.path) !== MANIFEST_FILE) return done(undefined)
        const chunks: Buffer[] = []
        entry.on('data', (chunk: Buffer) => chunks.push(chunk))
        entry.on('end', () => {
          try {
            done(parseManifest(Buffer.concat(chunks).toString('utf8'), label))
          } catch {
            done(undefined)
          }
        })
      },
    })
    parser.on('error', () => done(undefined))
    parser.on('end', () => done(undefined))
    stream.on('error', () => done(undefined))
    stream.pipe(parser as unknown as NodeJS.WritableStream)
  })
}
