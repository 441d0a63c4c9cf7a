/**
 * `sparkbaas blueprints eject`: copies built-in blueprints into `blueprints/` beside the config, where they
 * replace the built-in ones on the next `generate` (src/render/blueprints.ts looks there first). A file already
 * there is never overwritten without `force`: it is the user's work.
 */
import { copyFile, mkdir, readdir, readFile } from 'node:fs/promises'
import { dirname, join, relative, resolve } from 'node:path'
import { SparkbaasError } from '../errors.js'
import { BUILTIN_BLUEPRINTS } from '../render/blueprints.js'
import { byCodePoint } from '../order.js'

export const USER_BLUEPRINTS_DIR = 'blueprints'

export interface BlueprintStatus {
  /** Relative path, `/`-separated, e.g. `functions/server.mjs`. */
  readonly name: string
  /** Whether `blueprints/<name>` exists beside the config, and if so whether it still equals the built-in one. */
  readonly override: 'none' | 'same' | 'changed'
}

export interface EjectResult {
  /** The folder the blueprints were copied into. */
  readonly dir: string
  readonly copied: string[]
  /** Already there with the same contents. */
  readonly unchanged: string[]
}

/** Every built-in blueprint, sorted, with the state of its override in `configDir/blueprints`. */
export async function listBlueprints(configDir: string): Promise<BlueprintStatus[]> {
  const names = await builtinNames()
  // A config beside sparkbaas's own package (its example project): its blueprints/ are the built-in ones.
  if (isBuiltinDir(configDir)) return names.map((name) => ({ name, override: 'none' }))
  return Promise.all(
    names.map(async (name): Promise<BlueprintStatus> => {
      const mine = await readOrUndefined(join(configDir, USER_BLUEPRINTS_DIR, name))
      if (mine === undefined) return { name, override: 'none' }
      const builtin = await readFile(join(BUILTIN_BLUEPRINTS, name))
      return { name, override: mine.equals(builtin) ? 'same' : 'changed' }
    }),
  )
}

/**
 * Copies the blueprints matching `name` (all when omitted): a path such as `functions/server.mjs`, a folder such
 * as `functions`, or a file name with or without its extension (`server`). Refuses, copying nothing, when a
 * different file is already in the way, unless `force`.
 */
export async function ejectBlueprints(configDir: string, name: string | undefined, options: { force?: boolean } = {}): Promise<EjectResult> {
  const all = await builtinNames()
  const picked = name === undefined ? all : all.filter((candidate) => matches(candidate, name))
  if (picked.length === 0) {
    throw new SparkbaasError('usage', `No built-in blueprint is called "${name}".`, { hint: `The blueprints are: ${all.join(', ')}.` })
  }
  const dir = join(configDir, USER_BLUEPRINTS_DIR)
  if (isBuiltinDir(configDir)) {
    throw new SparkbaasError('usage', `${dir} is sparkbaas's own blueprints folder: there is nothing to eject into.`)
  }
  const statuses = new Map((await listBlueprints(configDir)).map((s) => [s.name, s.override]))
  const conflicts = picked.filter((n) => statuses.get(n) === 'changed')
  if (conflicts.length > 0 && options.force !== true) {
    throw new SparkbaasError('write_failed', `Not ejecting: ${dir} already has its own ${conflicts.join(', ')}. Nothing was copied.`, {
      hint: 'Pass --force to replace them with the built-in versions (your changes are lost), or eject another blueprint.',
    })
  }
  const copied: string[] = []
  const unchanged: string[] = []
  for (const n of picked) {
    if (statuses.get(n) === 'same') {
      unchanged.push(n)
      continue
    }
    const target = join(dir, n)
    await mkdir(dirname(target), { recursive: true })
    await copyFile(join(BUILTIN_BLUEPRINTS, n), target)
    copied.push(n)
  }
  return { dir, copied, unchanged }
}

const isBuiltinDir = (configDir: string): boolean =>
  resolve(configDir, USER_BLUEPRINTS_DIR) === resolve(BUILTIN_BLUEPRINTS)

function matches(candidate: string, name: string): boolean {
  const wanted = name.replace(/\\/g, '/').replace(/^\.?\/+|\/+$/g, '')
  const file = candidate.split('/').at(-1) ?? candidate
  return (
    candidate === wanted ||
    candidate.startsWith(`${wanted}/`) ||
    file === wanted ||
    file.replace(/\.[^.]+$/, '') === wanted ||
    file.replace(/\.hbs$/, '') === wanted
  )
}

async function builtinNames(): Promise<string[]> {
  const entries = await readdir(BUILTIN_BLUEPRINTS, { recursive: true, withFileTypes: true })
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(BUILTIN_BLUEPRINTS, join(entry.parentPath, entry.name)).split('\\').join('/'))
    .sort(byCodePoint)
}

async function readOrUndefined(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}
