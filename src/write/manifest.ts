/**
 * `generated/.sparkbaas-manifest.json`: every file the last `generate` wrote, with the sha256 of its contents.
 * It is committed, and it is the writer's only licence to delete: a file the config no longer produces goes
 * only if it is listed here and still has the recorded hash. A file the user edited, or one sparkbaas never
 * wrote, stays. Sorted keys and no timestamps: the same output gives the same manifest byte for byte.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { SparkbaasError } from '../errors.js'
import { sha256 } from '../hash.js'
import { isSafeRelativePath } from './check.js'
import { byCodePoint } from '../order.js'

export const MANIFEST_FILE = '.sparkbaas-manifest.json'

const NOTE =
  'Written by `sparkbaas generate`: the files it wrote and their sha256. A file the config no longer produces is deleted only while it still has this hash.'

export interface Manifest {
  /** Relative path → sha256 (hex) of the contents written. */
  readonly files: ReadonlyMap<string, string>
  /** Whether a manifest was found and read (absent: a new folder; unreadable: warned about, taken as empty). */
  readonly state: 'read' | 'absent' | 'unreadable'
  /** The environment the folder was generated for; `undefined` for the default one (and for older manifests). */
  readonly environment: string | undefined
}

export { sha256 }


/**
 * The manifest's text for these files (path → contents). A non-default environment is recorded, so a folder is
 * never written over with another environment's stack (and its `.env`, its secrets, kept for the wrong one).
 */
export function renderManifest(files: ReadonlyMap<string, string>, environment?: string): string {
  const entries = [...files.keys()].sort(byCodePoint).map((path) => [path, sha256(files.get(path)!)] as const)
  const env = environment === undefined ? {} : { environment }
  return `${JSON.stringify({ note: NOTE, version: 1, ...env, files: Object.fromEntries(entries) }, null, 2)}\n`
}

/**
 * Reads the previous manifest. A missing one is an empty manifest (first run, or output from before manifests);
 * an unreadable one too, with a warning: without it nothing is deleted, which is the safe side. An entry that is
 * not a plain path inside the output folder (`../x`, `/etc/x`, `a//b`) is an error: sparkbaas never wrote it, and
 * the manifest is what licenses a deletion.
 */
export async function readManifest(outDir: string, warn: (message: string) => void): Promise<Manifest> {
  let text: string
  try {
    text = await readFile(join(outDir, MANIFEST_FILE), 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    // ENOTDIR: the output path is a file; the writer refuses that with a clear message later.
    if (code === 'ENOENT' || code === 'ENOTDIR') return { files: new Map(), state: 'absent', environment: undefined }
    throw error
  }
  let files: unknown
  let environment: string | undefined
  try {
    const parsed = JSON.parse(text) as { files?: unknown; environment?: unknown }
    files = parsed.files
    environment = typeof parsed.environment === 'string' ? parsed.environment : undefined
    if (typeof files !== 'object' || files === null || Array.isArray(files)) throw new Error('"files" is not an object')
  } catch (error) {
    warn(`${MANIFEST_FILE} is not readable (${(error as Error).message}): files the config no longer produces are kept, not deleted.`)
    return { files: new Map(), state: 'unreadable', environment: undefined }
  }
  const map = new Map<string, string>()
  for (const [path, hash] of Object.entries(files)) {
    if (!isSafeRelativePath(path)) throw outsideEntry(join(outDir, MANIFEST_FILE), path, outDir)
    if (typeof hash === 'string' && /^[0-9a-f]{64}$/.test(hash)) map.set(path, hash)
  }
  return { files: map, state: 'read', environment }
}

function outsideEntry(manifest: string, path: string, outDir: string): SparkbaasError {
  return new SparkbaasError(
    'write_failed',
    `${manifest} lists ${JSON.stringify(path)}, which is not a path inside ${outDir}: sparkbaas only writes and deletes files inside its output folder. Nothing was changed.`,
    { hint: `Remove that entry (or restore the file from git: it is written by \`sparkbaas generate\`), then run the command again.` },
  )
}
