/**
 * `<out>/.sparkbaas/build-cache.json`: the bundle of each function from the last build, with everything it depends
 * on (inputs.ts), so that `generate` and `generate --check` on a project whose functions did not change start no
 * esbuild process at all.
 *
 * - The whole cache is keyed on what decides every bundle's bytes beyond the files: esbuild's version, the build
 *   options, the config folder (esbuild's working folder), sparkbaas's version and the code of the build step
 *   itself. Each entry is keyed on its entry file and the name it is built under, and holds the hash of every path
 *   of inputs.ts with the state it had. An entry is reused only when every one of those paths is as recorded.
 * - A path modified less than {@link RACY_MS} before its build started is not trusted (it may have changed between
 *   esbuild's read and ours): that bundle is not cached, and the next run builds it again.
 * - It lives in the output's private folder (never committed, not part of the output: the manifest and the
 *   `--check` comparison never see it). A missing, unreadable or foreign cache is no cache. It is replaced by
 *   rename, and holds only the current functions' entries. `--check` and `--dry-run` read it but never write it.
 * - `SPARKBAAS_BUILD_CACHE=off` turns it off (nothing read or written).
 */
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { readFile, rename, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sha256 } from '../hash.js'
import { PRIVATE_DIR } from '../write/private-dir.js'
import type { FsStates } from './inputs.js'

export const CACHE_FILE = `${PRIVATE_DIR}/build-cache.json`
const FORMAT = 1
/** See the top of this file: covers filesystems whose timestamps are kept to the second or two. */
export const RACY_MS = 2_000

const require = createRequire(import.meta.url)

export interface CacheEntry {
  /** Path → hash of its state (inputs.ts). */
  readonly paths: Readonly<Record<string, string>>
  readonly bundle: string
}

export interface BuildCache {
  readonly key: string
  readonly entries: ReadonlyMap<string, CacheEntry>
}

/** Whether the cache is on: `SPARKBAAS_BUILD_CACHE=off` (or `0`, `false`) turns it off. */
export const cacheEnabled = (env: NodeJS.ProcessEnv = process.env): boolean =>
  !['off', '0', 'false'].includes((env.SPARKBAAS_BUILD_CACHE ?? '').trim().toLowerCase())

/**
 * The key of the whole cache. `code` lists the modules whose source decides the bundles (this step's own files,
 * as loaded: the built CLI's chunk, or the TypeScript under test).
 */
export function cacheKey(parts: { options: unknown; configDir: string; code: readonly string[]; esbuildVersion?: string }): string {
  const sparkbaas = (require('../../package.json') as { version: string }).version
  const code = [...new Set([...parts.code, import.meta.url])].map((url) => sha256(readFileSync(fileURLToPath(url))))
  return sha256(
    JSON.stringify({
      format: FORMAT,
      esbuild: parts.esbuildVersion ?? esbuildVersion(),
      sparkbaas,
      code,
      options: parts.options,
      configDir: parts.configDir,
      // Not Node's version: esbuild is its own binary, and its output does not depend on the Node that runs it.
      platform: process.platform,
    }),
  )
}

/** esbuild's version from its package.json: loading esbuild itself would cost ~15 ms, starting it far more. */
export const esbuildVersion = (): string => (require('esbuild/package.json') as { version: string }).version

/** The entry of the cache for an entry file built as the function `name`. */
export const entryKey = (relativeEntry: string, name: string): string => JSON.stringify([relativeEntry, name])

/** The cache in `outDir`, or an empty one when it is missing, unreadable or made with another key. */
export async function readCache(outDir: string, key: string): Promise<BuildCache> {
  const empty = { key, entries: new Map() }
  let parsed: unknown
  try {
    parsed = JSON.parse(await readFile(join(outDir, CACHE_FILE), 'utf8'))
  } catch {
    return empty
  }
  const file = parsed as { format?: unknown; key?: unknown; entries?: unknown }
  if (file?.format !== FORMAT || file.key !== key || typeof file.entries !== 'object' || file.entries === null) return empty
  const entries = new Map<string, CacheEntry>()
  for (const [name, value] of Object.entries(file.entries as Record<string, unknown>)) {
    const entry = value as Partial<CacheEntry> | null
    if (typeof entry?.bundle !== 'string' || typeof entry.paths !== 'object' || entry.paths === null) continue
    if (!Object.values(entry.paths).every((hash) => typeof hash === 'string')) continue
    entries.set(name, { paths: entry.paths, bundle: entry.bundle })
  }
  return { key, entries }
}

/** The bundle of a cached entry, when every path it depends on is as it was; `undefined` otherwise. */
export async function reuse(entry: CacheEntry | undefined, fs: FsStates): Promise<string | undefined> {
  if (entry === undefined) return undefined
  const paths = Object.keys(entry.paths)
  if (paths.length === 0) return undefined
  const states = await Promise.all(paths.map((path) => fs.state(path)))
  return states.every((state, i) => state.hash === entry.paths[paths[i]!]) ? entry.bundle : undefined
}

/**
 * The entry to keep for a bundle just built from `paths`, or `undefined` when one of them was modified too close to
 * the build's start (`startedAt`, ms since the epoch) to be trusted.
 */
export async function entryFor(paths: readonly string[], bundle: string, startedAt: number, fs: FsStates): Promise<CacheEntry | undefined> {
  const states = await Promise.all(paths.map((path) => fs.state(path)))
  if (states.some((state) => state.mtimeMs > startedAt - RACY_MS)) return undefined
  return { paths: Object.fromEntries(paths.map((path, i) => [path, states[i]!.hash])), bundle }
}

/** Replaces the cache by rename (the private folder exists: the run holds its lock). Failing to write is no error. */
export async function writeCache(outDir: string, cache: BuildCache): Promise<void> {
  const file = join(outDir, CACHE_FILE)
  const temp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}`
  const text = JSON.stringify({ format: FORMAT, key: cache.key, entries: Object.fromEntries(cache.entries) })
  try {
    await writeFile(temp, text, { mode: 0o600 })
    await rename(temp, file)
  } catch {
    await rm(temp, { force: true }).catch(() => undefined)
  }
}
