/**
 * Bundles each function folder into one self-contained ES module the functions runtime imports. Runs before
 * rendering (renderers stay pure): the bundles reach `renderFunctions` through `RenderContext.functionBundles`.
 *
 * esbuild, because it resolves npm imports, strips TypeScript and bundles in one fast, deterministic step with
 * no install script (its platform package carries the binary). Options that decide the output's bytes live here:
 * - `absWorkingDir` = the config's folder, so the `// path` comments esbuild writes are relative and the
 *   committed bundle does not depend on where the project is checked out;
 * - no sourcemap, no minification: the committed file is for reading and diffing;
 * - `target: node20`: the runtime image's Node;
 * - a `require` made with `createRequire`: a bundled CommonJS dependency that `require`s a Node built-in would
 *   otherwise throw "Dynamic require of … is not supported" in an ES module (esbuild renames a user's own
 *   top-level `require` out of the way).
 *
 * The committed bundle is what a build of that one function gives. Functions are built together, in a few
 * shared builds (one build per function cost ~4 ms each: 2,000 functions, 9 s), and each shared-build bundle is
 * checked against what a build alone would give (batch-names.ts); the few that cannot be told are built alone.
 *
 * A function whose inputs, and everything that decided how its imports resolved, are as they were at the last
 * build reuses that build's bundle from the output's private folder (cache.ts, inputs.ts): on an unchanged project
 * esbuild is not even loaded.
 */
import { realpathSync } from 'node:fs'
import { createRequire } from 'node:module'
import { relative, resolve } from 'node:path'
import type { BuildFailure, BuildOptions, Message, Metafile } from 'esbuild'
import { SparkbaasError } from '../errors.js'
import type { FunctionModel, StackModel } from '../model/types.js'
import { mapConcurrently } from '../concurrent.js'
import { asBuiltAlone, BATCH_NAMES_MODULE } from './batch-names.js'
import { cacheEnabled, cacheKey, entryFor, entryKey, readCache, reuse, writeCache, type CacheEntry } from './cache.js'
import { FsStates, INPUTS_MODULE, pathsToRecord, Uncacheable } from './inputs.js'

const require = createRequire(import.meta.url)

const REQUIRE_SHIM =
  "import { createRequire as __sparkbaasCreateRequire } from 'node:module';\nconst require = __sparkbaasCreateRequire(import.meta.url);"

export interface BuildFunctionsOptions {
  /**
   * Reuse the bundles of the last build whose inputs did not change, from `<outDir>/.sparkbaas` (cache.ts); `write`:
   * keep this build's there (not for `--check` or `--dry-run`, which write nothing).
   */
  readonly cache?: { readonly outDir: string; readonly write: boolean }
}

/** Bundles every function of the model; the map is keyed by function name. */
export async function buildFunctions(model: StackModel, options: BuildFunctionsOptions = {}): Promise<Map<string, string>> {
  const bundles = new Map<string, string>()
  if (model.functions.length === 0) return bundles
  // Functions sharing an entry file share its bundle.
  const entries = new Map<string, FunctionModel>()
  for (const fn of model.functions) if (!entries.has(fn.entry)) entries.set(fn.entry, fn)
  const keyOf = (entry: string) => entryKey(toPosix(relative(model.configDir, entry)), entries.get(entry)!.name)

  const cacheAt = options.cache !== undefined && cacheEnabled() ? options.cache : undefined
  const key = cacheAt === undefined ? '' : cacheKey({ options: OPTIONS, configDir: model.configDir, code: BUILD_MODULES })
  const cache = cacheAt === undefined ? undefined : await readCache(cacheAt.outDir, key)
  const texts = new Map<string, string>()
  if (cache !== undefined) {
    const before = new FsStates()
    const reused = await mapConcurrently([...entries.keys()], CHECK_CONCURRENCY, (entry) => reuse(cache.entries.get(keyOf(entry)), before))
    for (const [i, entry] of [...entries.keys()].entries()) if (reused[i] !== undefined) texts.set(entry, reused[i])
  }
  const toBuild = [...entries.keys()].filter((entry) => !texts.has(entry))
  if (toBuild.length > 0) {
    const startedAt = Date.now()
    const built = await bundle(model, toBuild, entries)
    for (const [entry, text] of built.texts) texts.set(entry, text)
    if (cache !== undefined && cacheAt?.write) {
      // States read after the build: a path modified since it started is caught by entryFor.
      const after = new FsStates()
      const kept = new Map<string, CacheEntry>()
      for (const entry of entries.keys()) {
        const old = cache.entries.get(keyOf(entry))
        if (!built.texts.has(entry) && old !== undefined) kept.set(keyOf(entry), old)
      }
      await mapConcurrently(toBuild, CHECK_CONCURRENCY, async (entry) => {
        const recorded = await recordedEntry(built.metafiles.get(entry), model.configDir, entry, built.texts.get(entry)!, startedAt, after)
        if (recorded !== undefined) kept.set(keyOf(entry), recorded)
      })
      await writeCache(cacheAt.outDir, { key, entries: kept })
    }
  } else if (cache !== undefined && cacheAt?.write && cache.entries.size > entries.size) {
    // Every bundle reused; entries of functions no longer in the config go.
    const keys = new Set([...entries.keys()].map(keyOf))
    await writeCache(cacheAt.outDir, { key, entries: new Map([...cache.entries].filter(([name]) => keys.has(name))) })
  }
  for (const fn of model.functions) bundles.set(fn.name, texts.get(fn.entry)!)
  return bundles
}

/** The files whose source decides the bundles (cache.ts keys on them). */
const BUILD_MODULES = [import.meta.url, BATCH_NAMES_MODULE, INPUTS_MODULE]
/** Cache checks in flight at once: each is a few file reads. */
const CHECK_CONCURRENCY = 32

async function recordedEntry(
  metafile: Metafile | undefined,
  configDir: string,
  entry: string,
  text: string,
  startedAt: number,
  fs: FsStates,
): Promise<CacheEntry | undefined> {
  if (metafile === undefined) return undefined
  try {
    return await entryFor(await pathsToRecord(metafile, configDir, entry, fs), text, startedAt, fs)
  } catch (error) {
    if (error instanceof Uncacheable) return undefined
    throw error
  }
}

/** The number of esbuild builds this process started (a test counts them: a cache hit starts none). @internal */
export const esbuildBuilds = (): number => builds
let builds = 0

/** Bundles `toBuild` (entry files): the shared builds, then alone the few they cannot tell (see the top). */
async function bundle(
  model: StackModel,
  toBuild: readonly string[],
  entries: ReadonlyMap<string, FunctionModel>,
): Promise<{ texts: Map<string, string>; metafiles: Map<string, Metafile> }> {
  // Loaded on demand: a stack without functions, `validate`, and a build cache hit never start esbuild's service.
  // With require: imported from ES modules, its 100 kB CommonJS file is scanned for export names first (~15 ms).
  const esbuild = require('esbuild') as Esbuild
  const { texts: shared, metafiles } = await buildShared(esbuild, model, toBuild)
  const texts = new Map<string, string>()
  const alone: FunctionModel[] = []
  for (const entry of toBuild) {
    const fn = entries.get(entry)!
    const text = shared.get(entry)
    if (text === undefined) throw new Error(`internal: esbuild produced no bundle for function "${fn.name}"`)
    const asAlone = asBuiltAlone(text, model.configDir, entry)
    if (asAlone === undefined) alone.push(fn)
    else texts.set(entry, asAlone)
  }
  // Concurrent: one esbuild service runs them side by side.
  await mapConcurrently(alone, ALONE_CONCURRENCY, async (fn) => {
    try {
      texts.set(fn.entry, await buildAlone(esbuild, model, fn))
    } catch (error) {
      throw buildError(model.functions.indexOf(fn), fn.name, model.configDir, error)
    }
  })
  return { texts, metafiles }
}

type Esbuild = typeof import('esbuild')

/** The options that decide a bundle's bytes (see the top of this file). */
const OPTIONS = {
  write: false,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: false,
  minify: false,
  legalComments: 'eof',
  banner: { js: REQUIRE_SHIM },
  logLevel: 'silent',
} satisfies BuildOptions

/**
 * Entries per shared build. esbuild's linking grows with entries × files (each file tracks which entries reach
 * it): 5,000 entries in one build took 4.5 s, in chunks of 250 (two at once) 1.7 s. Chunks do not change the
 * bundles: `outbase` is fixed, and each entry is linked on its own anyway.
 */
const SHARED_CHUNK = 250
/** Shared builds at once: esbuild uses every core inside a build; a second one overlaps the round trips. */
const SHARED_CONCURRENCY = 2

const chunked = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size))

/** Builds in flight at once: enough to keep esbuild's service busy (measured: 32 beats 8 and 128). */
const ALONE_CONCURRENCY = 32

/**
 * One build for every entry, bundle by entry path. esbuild links each entry point into its own self-contained
 * file (no splitting), and parses a shared dependency once: ~0.7 ms a function against ~4 ms for a build each.
 * Its bundles can differ from a build of one function in a few generated names (batch-names.ts); `outbase` is
 * fixed to the config folder so which names those are does not depend on the other functions.
 */
async function buildTogether(esbuild: Esbuild, model: StackModel, entries: readonly string[]): Promise<{ byEntry: Map<string, string>; metafile: Metafile }> {
  builds++
  const result = await esbuild.build({
    ...OPTIONS,
    entryPoints: entries.map((entry) => toPosix(relative(model.configDir, entry))),
    absWorkingDir: model.configDir,
    outbase: model.configDir,
    // Nothing is written: the output paths only tell the bundles apart, and the metafile maps them to entries.
    outdir: 'out',
    metafile: true,
  })
  const textByPath = new Map(result.outputFiles.map((file) => [file.path, file.text]))
  // esbuild names an entry by its real path: a function folder may be a symlink (a package shared in a monorepo).
  const byRealPath = new Map(entries.map((entry) => [realpathSync(entry), entry]))
  const byEntry = new Map<string, string>()
  for (const [path, output] of Object.entries(result.metafile.outputs)) {
    const text = textByPath.get(resolve(model.configDir, path))
    if (output.entryPoint === undefined || text === undefined) continue
    const entry = resolve(model.configDir, output.entryPoint)
    byEntry.set(byRealPath.get(entry) ?? entry, text)
  }
  return { byEntry, metafile: result.metafile }
}

/** Every entry through {@link buildTogether}, in chunks; a failure is reported against the first broken function. */
async function buildShared(
  esbuild: Esbuild,
  model: StackModel,
  entries: readonly string[],
): Promise<{ texts: Map<string, string>; metafiles: Map<string, Metafile> }> {
  const shared = new Map<string, string>()
  const metafiles = new Map<string, Metafile>()
  const chunks = chunked(entries, SHARED_CHUNK)
  const results = await mapConcurrently(chunks, SHARED_CONCURRENCY, (chunk) =>
    buildTogether(esbuild, model, chunk).catch((error: unknown) => ({ error })),
  )
  for (const [i, result] of results.entries()) {
    if (!('error' in result)) {
      for (const [entry, text] of result.byEntry) {
        shared.set(entry, text)
        metafiles.set(entry, result.metafile)
      }
      continue
    }
    // Which function failed? esbuild's messages name files, and a file may belong to several functions: build
    // the first failing chunk's functions one by one (the slow way, only on failure) so the error names the
    // first broken function, as always. Chunks follow config order, so no earlier function is broken.
    const inChunk = new Set(chunks[i])
    throw await firstFailure(esbuild, model, model.functions.filter((fn) => inChunk.has(fn.entry)), result.error)
  }
  return { texts: shared, metafiles }
}

/** The build the committed output has always come from: one function, its folder as `outbase`. */
export async function buildAlone(esbuild: Esbuild, model: StackModel, fn: FunctionModel): Promise<string> {
  builds++
  const result = await esbuild.build({
    ...OPTIONS,
    entryPoints: [toPosix(relative(model.configDir, fn.entry))],
    absWorkingDir: model.configDir,
    outfile: `${fn.name}.mjs`,
  })
  return result.outputFiles[0]?.text ?? ''
}

async function firstFailure(esbuild: Esbuild, model: StackModel, candidates: readonly FunctionModel[], sharedError: unknown): Promise<SparkbaasError> {
  for (const fn of candidates) {
    try {
      await buildAlone(esbuild, model, fn)
    } catch (error) {
      return buildError(model.functions.indexOf(fn), fn.name, model.configDir, error)
    }
  }
  // Only the shared build failed (should not happen): report it against its first function rather than lose it.
  const fn = candidates[0]!
  return buildError(model.functions.indexOf(fn), fn.name, model.configDir, sharedError)
}

function buildError(index: number, name: string, configDir: string, error: unknown): SparkbaasError {
  const errors = (error as Partial<BuildFailure>).errors
  if (!Array.isArray(errors) || errors.length === 0) {
    return new SparkbaasError('render_failed', `functions[${index}].source: could not bundle function "${name}": ${String(error)}`, {
      cause: error,
    })
  }
  const lines = errors.map((message) => `  ${formatMessage(message, configDir)}`)
  return new SparkbaasError(
    'render_failed',
    `functions[${index}].source: could not bundle function "${name}":\n${lines.join('\n')}`,
    {
      hint: 'Fix the function\'s code (its folder needs an index.ts, index.mts, index.js or index.mjs with a default export), then run `sparkbaas generate` again.',
      cause: error,
    },
  )
}

/** esbuild's message as `file:line:column: text`; esbuild reports `file` relative to `absWorkingDir`. */
function formatMessage(message: Message, configDir: string): string {
  const at = message.location
  if (!at) return message.text
  const file = toPosix(at.file.startsWith('/') ? relative(configDir, at.file) : at.file)
  return `${file}:${at.line}:${at.column + 1}: ${message.text}`
}

const toPosix = (path: string): string => path.split('\\').join('/')
