/**
 * Whether a folder may be `generate`'s output: sparkbaas replaces files there and deletes the ones it wrote
 * earlier, so the folder must be its own.
 *
 * - Never the filesystem root, nor the config file's folder or a folder above it (`--out .`): those hold the
 *   user's own files (the config, function sources, their own docker-compose.yml). `--force` does not change this.
 * - A folder that exists must be sparkbaas's (it holds a manifest, or a swap of a run that was killed), or empty
 *   apart from what sparkbaas keeps there anyway (`.sparkbaas/`, `.env`, `.gitignore`), unless `--force`.
 * - Inside its own folder, a file the run would replace but that is not in the manifest (sparkbaas did not write
 *   it) needs `--force` too (output.ts). Other files of the user's are left alone, as ever.
 */
import { readdir } from 'node:fs/promises'
import { dirname, join, parse, relative, isAbsolute } from 'node:path'
import { SparkbaasError } from '../errors.js'
import { ENV_FILE } from '../layout.js'
import { byCodePoint } from '../order.js'
import { MANIFEST_FILE } from './manifest.js'
import { PRIVATE_DIR } from './private-dir.js'
import { hasSwap } from './swap.js'

/** What an output folder may hold before the first `generate` without being someone else's. */
const OURS_ANYWAY = new Set([PRIVATE_DIR, ENV_FILE, '.gitignore'])
const LISTED = 3

/** Throws when `outDir` must not be written by `generate` (see above). */
export async function checkOutDir(outDir: string, configFile: string, force: boolean): Promise<void> {
  if (parse(outDir).root === outDir) {
    throw new SparkbaasError('usage', `Refusing to generate into ${outDir}: it is the root of the filesystem. Nothing was changed.`, {
      hint: 'Choose a folder of its own, e.g. --out generated (the default: generated/ beside the config file).',
    })
  }
  const fromOut = relative(outDir, dirname(configFile))
  if (fromOut === '' || (!fromOut.startsWith('..') && !isAbsolute(fromOut))) {
    throw new SparkbaasError(
      'usage',
      `Refusing to generate into ${outDir}: it holds the config file ${configFile}, and sparkbaas replaces and deletes files in its output folder. Nothing was changed.`,
      { hint: 'Choose a folder of its own, e.g. --out generated (the default: generated/ beside the config file). --force does not change this.' },
    )
  }
  if (force) return
  let names: string[]
  try {
    names = await readdir(outDir)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    // Absent: made by the run. A file: the writer refuses it with its own message.
    if (code === 'ENOENT' || code === 'ENOTDIR') return
    throw error
  }
  if (names.includes(MANIFEST_FILE) || (await hasSwap(outDir))) return
  const foreign = names.filter((name) => !OURS_ANYWAY.has(name)).sort(byCodePoint)
  if (foreign.length === 0) return
  const shown = `${foreign.slice(0, LISTED).join(', ')}${foreign.length > LISTED ? ` and ${foreign.length - LISTED} more` : ''}`
  throw new SparkbaasError(
    'write_failed',
    `Refusing to generate into ${outDir}: it holds files sparkbaas did not write (${shown}) and no ${MANIFEST_FILE}. Nothing was changed.`,
    {
      hint: 'Choose an empty or new folder, or pass --force to write into this one anyway (files with the names sparkbaas writes are replaced; no other file is deleted).',
    },
  )
}

/** The error for files on disk that a run would replace but sparkbaas did not write (not in the manifest). */
export function notOurs(outDir: string, paths: readonly string[]): SparkbaasError {
  const shown = `${paths.slice(0, LISTED).join(', ')}${paths.length > LISTED ? ` and ${paths.length - LISTED} more` : ''}`
  return new SparkbaasError(
    'write_failed',
    `Refusing to replace ${paths.length === 1 ? 'a file' : `${paths.length} files`} in ${outDir} that sparkbaas did not write (not in ${join(outDir, MANIFEST_FILE)}): ${shown}. Nothing was changed.`,
    { hint: 'Move them out of the way, or pass --force to replace them.' },
  )
}
