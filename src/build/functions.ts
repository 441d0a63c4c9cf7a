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
 */
import { relative } from 'node:path'
import type { BuildFailure, Message } from 'esbuild'
import { SparkbaasError } from '../errors.js'
import type { StackModel } from '../model/types.js'

const REQUIRE_SHIM =
  "import { createRequire as __sparkbaasCreateRequire } from 'node:module';\nconst require = __sparkbaasCreateRequire(import.meta.url);"

/** Bundles every function of the model; the map is keyed by function name. */
export async function buildFunctions(model: StackModel): Promise<Map<string, string>> {
  const bundles = new Map<string, string>()
  if (model.functions.length === 0) return bundles
  // Loaded on demand: a stack without functions, and `validate`, never start esbuild's service.
  const esbuild = await import('esbuild')
  // One at a time: esbuild parallelises inside a build, and sequential builds keep error order stable.
  for (const [index, fn] of model.functions.entries()) {
    const entry = toPosix(relative(model.configDir, fn.entry))
    let text: string
    try {
      const result = await esbuild.build({
        entryPoints: [entry],
        absWorkingDir: model.configDir,
        outfile: `${fn.name}.mjs`,
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
      })
      text = result.outputFiles[0]?.text ?? ''
    } catch (error) {
      throw buildError(index, fn.name, model.configDir, error)
    }
    bundles.set(fn.name, text)
  }
  return bundles
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
