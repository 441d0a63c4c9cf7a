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
 */
import { realpathSync } from 'node:fs'
import { createRequire } from 'node:module'
import { relative, resolve } from 'node:path'
import type { BuildFailure, BuildOptions, Message } from 'esbuild'
import { SparkbaasError } from '../errors.js'
import type { FunctionModel, StackModel } from '../model/types.js'
import { mapConcurrently } from '../concurrent.js'
import { asBuiltAlone } from './batch-names.js'

const require = createRequire(import.meta.url)

const REQUIRE_SHIM =
  "import { createRequire as __sparkbaasCreateRequire } from 'node:module';\nconst require = __sparkbaasCreateRequire(import.meta.url);"

/** Bundles every function of the model; the map is keyed by function name. */
export async function buildFunctions(model: StackModel): Promise<Map<string, string>> {
  const bundles = new Map<string, string>()
  if (model.functions.length === 0) return bundles
  // Loaded on demand: a stack without functions, and `validate`, never start esbuild's service. With require:
  // imported from ES modules, its 100 kB CommonJS file is scanned for export names first (~15 ms).
  const esbuild = require('esbuild') as Esbuild
  // Functions sharing an entry file share its bundle.
  const entries = new Map<string, FunctionModel>()
  for (const fn of model.functions) if (!entries.has(fn.entry)) entries.set(fn.entry, fn)

  const shared = await buildShared(esbuild, model, [...entries.keys()])
  const texts = new Map<string, string>()
  const alone: FunctionModel[] = []
  for (const [entry, fn] of entries) {
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
  for (const fn of model.functions) bundles.set(fn.name, texts.get(fn.entry)!)
  return bundles
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
async function buildTogether(esbuild: Esbuild, model: StackModel, entries: readonly string[]): Promise<Map<string, string>> {
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
  return byEntry
}

/** Every entry through {@link buildTogether}, in chunks; a failure is reported against the first broken function. */
async function buildShared(esbuild: Esbuild, model: StackModel, entries: readonly string[]): Promise<Map<string, string>> {
  const shared = new Map<string, string>()
  const chunks = chunked(entries, SHARED_CHUNK)
  const results = await mapConcurrently(chunks, SHARED_CONCURRENCY, (chunk) =>
    buildTogether(esbuild, model, chunk).catch((error: unknown) => ({ error })),
  )
  for (const [i, result] of results.entries()) {
    if (result instanceof Map) {
      for (const [entry, text] of result) shared.set(entry, text)
      continue
    }
    // Which function failed? esbuild's messages name files, and a file may belong to several functions: build
    // the first failing chunk's functions one by one (the slow way, only on failure) so the error names the
    // first broken function, as always. Chunks follow config order, so no earlier function is broken.
    const inChunk = new Set(chunks[i])
    throw await firstFailure(esbuild, model, model.functions.filter((fn) => inChunk.has(fn.entry)), result.error)
  }
  return shared
}

/** The build the committed output has always come from: one function, its folder as `outbase`. */
export async function buildAlone(esbuild: Esbuild, model: StackModel, fn: FunctionModel): Promise<string> {
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
