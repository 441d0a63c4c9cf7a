/**
 * Everything a function's bundle depends on in the filesystem: the paths to look at again before its cached bundle
 * (cache.ts) is reused. Not only the files esbuild bundled (its metafile's inputs) but also the ones that decided
 * how each import resolved, or would decide it differently if they appeared, changed or went away.
 *
 * esbuild's resolver (evanw/esbuild internal/resolver/resolver.go), for a file in folder D:
 * - reads, in D and in every folder above it (`dirInfoUncached`), `package.json` (type, sideEffects, browser,
 *   imports, exports, main, module), `tsconfig.json` or else `jsconfig.json` (paths, baseUrl, extends, and the
 *   settings that change the emitted code), and Yarn PnP's `.pnp.data.json` / `.pnp.cjs` / `.pnp.js`;
 * - resolves `./x` or `/x` by looking in x's folder for `x`, `x.<ext>` for each resolve extension (and `.ts` for
 *   `.js`), then in `x/` for `package.json` and `index.<ext>`: the names in that folder decide it;
 * - resolves a bare `pkg/sub` through tsconfig `paths` and `baseUrl` candidates first, then
 *   `<A>/node_modules/pkg` for D and every folder A above it, then the package's `package.json`;
 * - follows a tsconfig's `extends` (a path, or a package in `node_modules`).
 *
 * So the paths recorded for a bundle are: each input file; in every folder from an input up to `/`, those config
 * file names; for each import (the metafile lists every one, with the specifier as written, even one esbuild
 * could not resolve and left as it was), the folder its candidates are looked up in and the candidate itself, and
 * for a bare specifier `<A>/node_modules/<pkg>` (and its package.json) at every level plus the tsconfig
 * candidates. A folder's state is its list of names, so a file created where it would now win resolution changes
 * it; a file's state is its contents' hash; a missing path's state says so.
 */
import type { Dirent } from 'node:fs'
import { readdir, readFile, realpath, stat } from 'node:fs/promises'
import { basename, dirname, isAbsolute, join, resolve } from 'node:path'
import type { Metafile } from 'esbuild'
import { sha256 } from '../hash.js'

/** The config files esbuild reads in every folder above a file it resolves from. */
const PER_FOLDER = ['package.json', 'tsconfig.json', 'jsconfig.json', '.pnp.data.json', '.pnp.cjs', '.pnp.js']

/** This file: what it records decides whether a cached bundle is reused, so the cache keys on its source. */
export const INPUTS_MODULE = import.meta.url

/** A recorded key standing for the {@link PER_FOLDER} files of a folder: one entry in the cache, not six. */
const CONFIGS = 'configs:'
export const configsOf = (folder: string): string => `${CONFIGS}${folder}`

/** A reason a bundle is not cached: what it depends on could not be told for sure (an unreadable tsconfig). */
export class Uncacheable extends Error {}

/** The state of a path: `none`, a folder's names, a file's hash; with where it really is (symlinks). */
export interface PathState {
  readonly hash: string
  /** Last modification, ms (0 when missing): a path changed during the build is not trusted. */
  readonly mtimeMs: number
}

/**
 * Reads path states once per run: the same folders and files serve many functions. A path is found through its
 * folder's listing, read once, rather than asked for on its own: most recorded paths are missing ones (a
 * `package.json` in each folder upwards), and each miss would otherwise cost a system call and an error.
 */
export class FsStates {
  private readonly states = new Map<string, Promise<PathState>>()
  private readonly texts = new Map<string, Promise<string | undefined>>()
  private readonly listings = new Map<string, Promise<Map<string, Dirent> | undefined>>()
  private readonly reals = new Map<string, Promise<string | undefined>>()
  private readonly tsconfigs = new Map<string, Promise<Tsconfig>>()

  /** A tsconfig's `baseUrl` and `paths` with its `extends` chain followed, and every path that chain depends on. */
  tsconfig(file: string): Promise<Tsconfig> {
    return memo(this.tsconfigs, file, async () => {
      const paths = new Set<string>()
      const options = await compilerOptions(file, this, paths, new Set())
      return { options, paths: [...paths] }
    })
  }

  /** The state of a path, or of the config files in a folder for a {@link configsOf} key. */
  state(path: string): Promise<PathState> {
    return memo(this.states, path, () => (path.startsWith(CONFIGS) ? this.configsState(path.slice(CONFIGS.length)) : this.readState(path)))
  }

  /** The states of the {@link PER_FOLDER} files of a folder, as one. */
  private async configsState(folder: string): Promise<PathState> {
    const states = await Promise.all(PER_FOLDER.map((name) => this.state(join(folder, name))))
    return { hash: sha256(states.map((state) => state.hash).join('\0')), mtimeMs: Math.max(...states.map((state) => state.mtimeMs)) }
  }

  /** A file's text, or `undefined` when it is not a readable file. */
  text(path: string): Promise<string | undefined> {
    return memo(this.texts, path, async () => {
      const real = await this.real(path)
      return real === undefined ? undefined : readFile(real, 'utf8').catch(() => undefined)
    })
  }

  /** A folder's entries by name, or `undefined` when it is not a readable folder. */
  private listing(dir: string): Promise<Map<string, Dirent> | undefined> {
    return memo(this.listings, dir, async () => {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => undefined)
      return entries === undefined ? undefined : new Map(entries.map((entry) => [entry.name, entry]))
    })
  }

  /** Where `path` (absolute, normalized) really is, symbolic links followed; `undefined` when nothing is there. */
  private real(path: string): Promise<string | undefined> {
    return memo(this.reals, path, async () => {
      const parent = dirname(path)
      if (parent === path) return path
      const parentReal = await this.real(parent)
      const entry = parentReal === undefined ? undefined : (await this.listing(parentReal))?.get(basename(path))
      if (entry === undefined) return undefined
      return entry.isSymbolicLink() ? realpath(path).catch(() => undefined) : join(parentReal!, entry.name)
    })
  }

  private async readState(path: string): Promise<PathState> {
    const real = await this.real(path)
    const info = real === undefined ? undefined : await stat(real).catch(() => undefined)
    if (real === undefined || info === undefined) return { hash: 'none', mtimeMs: 0 }
    if (info.isDirectory()) {
      const entries = [...((await this.listing(real))?.values() ?? [])]
      const names = entries.map((entry) => `${entry.isDirectory() ? 'd' : entry.isSymbolicLink() ? 'l' : 'f'}${entry.name}`).sort()
      return { hash: sha256(`dir\0${real}\0${names.join('\0')}`), mtimeMs: info.mtimeMs }
    }
    if (info.isFile()) return { hash: sha256(`file\0${real}\0${sha256(await readFile(real))}`), mtimeMs: info.mtimeMs }
    return { hash: sha256(`other\0${real}`), mtimeMs: info.mtimeMs }
  }
}

function memo<T>(cache: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> {
  let value = cache.get(key)
  if (value === undefined) {
    value = make()
    cache.set(key, value)
  }
  return value
}

/**
 * The paths whose states decide the bundle of `entry` (absolute), from the metafile of a build that included it
 * (its inputs are relative to `configDir`, the build's working folder). Sorted.
 */
export async function pathsToRecord(metafile: Metafile, configDir: string, entry: string, fs: FsStates): Promise<string[]> {
  const paths = new Set<string>([entry])
  const folders = new Set<string>()
  // The inputs reachable from the entry: in a build of many functions, only this function's.
  const byPath = inputsByPath(metafile, configDir)
  const queue = [byPath.has(entry) ? entry : await realpath(entry).catch(() => entry)]
  const seen = new Set(queue)
  while (queue.length > 0) {
    const file = queue.pop()!
    paths.add(file)
    const input = byPath.get(file)
    if (input === undefined) continue
    folders.add(dirname(file))
    for (const imported of input.imports) {
      const specifier = imported.original ?? imported.path
      await addImport(paths, file, specifier, fs)
      if (imported.external) continue
      const target = resolve(configDir, imported.path)
      if (byPath.has(target) && !seen.has(target)) {
        seen.add(target)
        queue.push(target)
      }
    }
  }
  for (const folder of new Set([...folders, dirname(entry)])) {
    for (const above of upward(folder)) paths.add(configsOf(above))
    // The tsconfig that applies to the folder's files decides their emitted code too (useDefineForClassFields,
    // jsx, …), with every file its `extends` chain reads.
    const tsconfig = await enclosingTsconfig(folder, fs)
    if (tsconfig !== undefined) for (const path of (await fs.tsconfig(tsconfig)).paths) paths.add(path)
  }
  return [...paths].sort()
}

const byPathOf = new WeakMap<Metafile, Map<string, Metafile['inputs'][string]>>()
/** The metafile's inputs by absolute path; one metafile serves every function of a shared build. */
function inputsByPath(metafile: Metafile, configDir: string): Map<string, Metafile['inputs'][string]> {
  let byPath = byPathOf.get(metafile)
  if (byPath === undefined) {
    byPath = new Map(Object.entries(metafile.inputs).map(([key, input]) => [resolve(configDir, key), input]))
    byPathOf.set(metafile, byPath)
  }
  return byPath
}

/** The paths that decide how `specifier`, imported from `file`, resolves. */
async function addImport(paths: Set<string>, file: string, specifier: string, fs: FsStates): Promise<void> {
  if (specifier.startsWith('data:') || specifier.startsWith('node:')) return
  const from = dirname(file)
  if (isRelative(specifier) || isAbsolute(specifier)) {
    addCandidate(paths, resolve(from, specifier))
    return
  }
  if (specifier.startsWith('#')) return // package.json `imports`: the enclosing package.json is recorded
  const pkg = packageName(specifier)
  for (const above of upward(from)) {
    addCandidate(paths, join(above, 'node_modules', pkg))
    if (pkg !== specifier) addCandidate(paths, join(above, 'node_modules', specifier))
  }
  const tsconfig = await enclosingTsconfig(from, fs)
  if (tsconfig === undefined) return
  const { options } = await fs.tsconfig(tsconfig)
  if (options.baseUrl !== undefined) addCandidate(paths, resolve(options.baseUrl, specifier))
  if (options.paths === undefined) return
  for (const [pattern, targets] of Object.entries(options.paths.map)) {
    const star = pattern.indexOf('*')
    const matches =
      star < 0 ? pattern === specifier : specifier.startsWith(pattern.slice(0, star)) && specifier.endsWith(pattern.slice(star + 1))
    if (!matches || !Array.isArray(targets)) continue
    const middle = star < 0 ? '' : specifier.slice(star, specifier.length - (pattern.length - star - 1))
    for (const target of targets) {
      if (typeof target !== 'string') continue
      for (const base of options.paths.bases) addCandidate(paths, resolve(base, target.replace('*', middle)))
    }
  }
}

/** A candidate is decided by the names in its folder (x, x.ts, x.js, …) and, as a folder, by its own. */
function addCandidate(paths: Set<string>, candidate: string): void {
  paths.add(dirname(candidate))
  paths.add(candidate)
  paths.add(join(candidate, 'package.json'))
}

const isRelative = (specifier: string): boolean =>
  specifier === '.' || specifier === '..' || specifier.startsWith('./') || specifier.startsWith('../')

const packageName = (specifier: string): string => {
  const parts = specifier.split('/')
  return specifier.startsWith('@') && parts.length > 1 ? `${parts[0]}/${parts[1]}` : parts[0]!
}

/** `folder` and every folder above it, up to the root. */
export function upward(folder: string): string[] {
  const folders = [folder]
  for (let at = folder, up = dirname(at); up !== at; at = up, up = dirname(at)) folders.push(up)
  return folders
}

/** The tsconfig.json (or else jsconfig.json) esbuild applies to files in `folder`: the nearest one above. */
async function enclosingTsconfig(folder: string, fs: FsStates): Promise<string | undefined> {
  for (const above of upward(folder)) {
    for (const name of ['tsconfig.json', 'jsconfig.json']) {
      const path = join(above, name)
      if ((await fs.text(path)) !== undefined) return path
    }
  }
  return undefined
}

interface Tsconfig {
  readonly options: ResolutionOptions
  readonly paths: readonly string[]
}

interface ResolutionOptions {
  baseUrl?: string
  /** `paths`, and every folder its targets may be relative to (the tsconfig's own, each `baseUrl` on the way). */
  paths?: { map: Record<string, unknown>; bases: string[] }
}

/** `baseUrl` and `paths` of a tsconfig, its `extends` chain followed (each file it reads is recorded). */
async function compilerOptions(file: string, fs: FsStates, paths: Set<string>, visiting: Set<string>): Promise<ResolutionOptions> {
  if (visiting.has(file)) return {}
  visiting.add(file)
  paths.add(file)
  const text = await fs.text(file)
  if (text === undefined) return {}
  const json = parseJsonc(text)
  if (json === undefined) throw new Uncacheable(`cannot read ${file}`)
  const folder = dirname(file)
  let options: ResolutionOptions = {}
  const extended = typeof json.extends === 'string' ? [json.extends] : Array.isArray(json.extends) ? json.extends : []
  for (const target of extended) {
    if (typeof target !== 'string') throw new Uncacheable(`${file}: extends`)
    const found = await extendedFile(target, folder, fs, paths)
    if (found !== undefined) options = { ...options, ...(await compilerOptions(found, fs, paths, visiting)) }
  }
  const own = (typeof json.compilerOptions === 'object' && json.compilerOptions !== null ? json.compilerOptions : {}) as Record<string, unknown>
  if (typeof own.baseUrl === 'string') options.baseUrl = resolve(folder, own.baseUrl)
  // More bases than esbuild would use are harmless: each only adds a path to watch.
  if (typeof own.paths === 'object' && own.paths !== null) {
    options.paths = { map: own.paths as Record<string, unknown>, bases: [folder, ...(options.baseUrl === undefined ? [] : [options.baseUrl])] }
  } else if (options.paths !== undefined && options.baseUrl !== undefined) {
    options.paths = { ...options.paths, bases: [...options.paths.bases, options.baseUrl] }
  }
  return options
}

/** The file a tsconfig's `extends` names; every place it may be looked for is recorded. */
async function extendedFile(target: string, folder: string, fs: FsStates, paths: Set<string>): Promise<string | undefined> {
  const bases = isRelative(target) || isAbsolute(target) ? [resolve(folder, target)] : upward(folder).map((above) => join(above, 'node_modules', target))
  if (!isRelative(target) && !isAbsolute(target)) {
    for (const above of upward(folder)) {
      const pkg = join(above, 'node_modules', packageName(target))
      addCandidate(paths, pkg)
      // Its `exports` could name any file: not followed here, so not cached.
      const manifest = await fs.text(join(pkg, 'package.json'))
      if (manifest !== undefined && parseJsonc(manifest)?.exports !== undefined) throw new Uncacheable(`${pkg}: exports`)
    }
  }
  let found: string | undefined
  for (const base of bases) {
    for (const candidate of [base, `${base}.json`, join(base, 'tsconfig.json')]) {
      addCandidate(paths, candidate)
      if (found === undefined && (await fs.text(candidate)) !== undefined) found = candidate
    }
  }
  return found
}

/** JSON with comments and trailing commas, as tsconfig files are; `undefined` if it is not an object. */
export function parseJsonc(text: string): Record<string, unknown> | undefined {
  let out = ''
  // Where the last comma outside a string was written, while only blanks followed it.
  let comma = -1
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!
    if (char === '"') {
      const end = stringEnd(text, i)
      out += text.slice(i, end)
      i = end - 1
      comma = -1
    } else if (char === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++
      out += '\n'
    } else if (char === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2)
      i = end < 0 ? text.length : end + 1
      out += ' '
    } else if ((char === '}' || char === ']') && comma >= 0) {
      out = `${out.slice(0, comma)} ${out.slice(comma + 1)}${char}`
      comma = -1
    } else {
      if (char === ',') comma = out.length
      else if (!/\s/.test(char)) comma = -1
      out += char
    }
  }
  try {
    const parsed: unknown = JSON.parse(out)
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** The index just after the string literal starting at `start`. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++
    else if (text[i] === '"') return i + 1
  }
  return text.length
}
