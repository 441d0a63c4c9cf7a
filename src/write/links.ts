/**
 * Symbolic links inside the output folder are never followed: a link where a folder or a file of the output
 * should be could send a write, or a deletion, outside the project. The output folder itself may be a link (the
 * user chose where it lives); below it, every folder and file sparkbaas writes or deletes must be a real one.
 */
import { lstat, readlink } from 'node:fs/promises'
import { join } from 'node:path'
import { SparkbaasError } from '../errors.js'

export interface FoundLink {
  /** Absolute path of the link. */
  readonly at: string
  /** What it points to, as stored in the link. */
  readonly to: string
}

/**
 * The first symbolic link on the way from `outDir` to `relPath` (`/`-separated), the file itself included;
 * undefined when there is none (absent parts count as none). `seen` caches folder lookups across calls.
 */
export async function linkOnPath(outDir: string, relPath: string, seen: Map<string, Promise<FoundLink | undefined>> = new Map()): Promise<FoundLink | undefined> {
  const parts = relPath.split('/')
  for (let i = 1; i <= parts.length; i++) {
    const at = join(outDir, ...parts.slice(0, i))
    let found = seen.get(at)
    if (found === undefined) {
      found = linkAt(at)
      // Only folders are shared between paths; a file is looked at once.
      if (i < parts.length) seen.set(at, found)
    }
    const link = await found
    if (link) return link
  }
  return undefined
}

async function linkAt(at: string): Promise<FoundLink | undefined> {
  try {
    if (!(await lstat(at)).isSymbolicLink()) return undefined
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    throw error
  }
  return { at, to: await readlink(at).catch(() => '?') }
}

/** The error for a link found where sparkbaas writes or deletes. */
export function linkError(link: FoundLink, outDir: string, entry?: { manifest: string; path: string }): SparkbaasError {
  const what = `${link.at} is a symbolic link (to ${link.to})`
  if (entry === undefined) {
    return new SparkbaasError('write_failed', `Cannot write into ${outDir}: ${what}, and sparkbaas never writes through links in its output folder. Nothing was changed.`, {
      hint: 'Replace the link by a real folder or file (or choose another --out), then run `sparkbaas generate` again.',
    })
  }
  return new SparkbaasError(
    'write_failed',
    `${entry.manifest} lists ${entry.path}, but ${what}: sparkbaas never deletes through links in its output folder. Nothing was changed.`,
    { hint: `Replace the link by a real folder, or remove the entry "${entry.path}" from ${entry.manifest}, then run \`sparkbaas generate\` again.` },
  )
}
