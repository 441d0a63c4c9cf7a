/**
 * How each kind of config file becomes a value. cosmiconfig finds the file; these read it.
 *
 * - TypeScript and JavaScript go through jiti, not cosmiconfig's own loaders: cosmiconfig's `.ts` loader needs the
 *   TypeScript compiler API (typescript@7 has none), and its `.js` loader cannot import a config that itself
 *   imports `sparkbaas` when sparkbaas runs through npx or a global install.
 * - JSON and YAML are parsed here too, so every syntax error is reported the same way: file, line, message.
 *
 * Every failure becomes a `SparkbaasError`. That also stops cosmiconfig's search from treating an `ENOENT` thrown
 * *inside* a config (say, a readFileSync of a missing file) as "no config here" and silently moving on.
 */
import { accessSync, constants, mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { inspect } from 'node:util'
import type { Jiti } from 'jiti'
import { SparkbaasError } from '../errors.js'

const require = createRequire(import.meta.url)

/**
 * The package's own light entry point, which a config reaches as `import { defineConfig } from 'sparkbaas'`.
 * From dist/config/ that is dist/index.js; under vitest this module runs from src/ and the entry is src/index.ts.
 */
const SELF_ENTRY = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../index.ts' : '../index.js', import.meta.url))

let jiti: Jiti | undefined

/**
 * Created on first use: a JSON or YAML config never pays for loading jiti. Required, not imported: jiti's ES
 * entry imports its 190 kB CommonJS build, which Node then scans for export names (10–30 ms measured on
 * `validate`); its CommonJS entry is the same code without that.
 */
function getJiti(): Jiti {
  jiti ??= (require('jiti') as typeof import('jiti')).createJiti(import.meta.url, {
    interopDefault: true,
    // Transpiled output is cached on disk, keyed by content: a repeated run skips Babel entirely.
    fsCache: jitiCacheDir(),
    // No in-process module cache, so a long-running process (tests, a future watch mode) sees edits.
    moduleCache: false,
    alias: { sparkbaas: SELF_ENTRY },
  })
  return jiti
}

/**
 * jiti's own cache folder, `<os temp>/jiti` (it would use a node_modules beside this module, which the bundled CLI
 * never has), is shared by every user of the machine and writable only by the one who made it. jiti turns its cache
 * off where it cannot write, and then transpiles the config with Babel on every run: ~0.35–0.45 s of CPU more for
 * `generate --check` (measured as a second user). There the CLI gives it a folder of the user's own, as
 * bin/sparkbaas.mjs does for Node's compile cache. Where that cannot be written either, jiti runs without a cache.
 */
function jitiCacheDir(): true | string {
  const shared = join(tmpdir(), 'jiti')
  try {
    mkdirSync(shared, { recursive: true })
    accessSync(shared, constants.W_OK)
    return true // jiti's own choice, as before
  } catch {
    return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'sparkbaas', 'jiti')
  }
}

/** Loads `.ts`, `.mts`, `.js`, `.mjs` (and `.cts`, `.cjs` given with --config); returns the default export. */
export async function loadModule(filepath: string): Promise<unknown> {
  let mod: unknown
  try {
    mod = await getJiti().import(filepath)
  } catch (error) {
    throw moduleLoadError(filepath, error)
  }
  if (typeof mod !== 'object' || mod === null) return mod // `module.exports = 'text'` and the like
  // `module.exports = {...}` arrives as the object itself (jiti's interop); an ES module namespace without a
  // default export is tagged "Module" and would otherwise pass as a config made of its named exports.
  if ('default' in mod) return mod.default
  if (Object.prototype.toString.call(mod) === '[object Module]') {
    const names = Object.keys(mod)
    throw new SparkbaasError('config_not_object', `${filepath} has no default export${names.length > 0 ? ` (it exports ${names.join(', ')})` : ''}.`, {
      hint: "Export the config as the default export: `export default defineConfig({ project: 'acme' })`.",
    })
  }
  return mod
}

export function loadJson(filepath: string, contents: string): unknown {
  try {
    return JSON.parse(contents) as unknown
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    // V8 reports "… at position N"; turn the offset into the line and column an editor shows.
    const position = /at position (\d+)/.exec(message)?.[1]
    const where = position === undefined ? '' : lineColumn(contents, Number(position))
    // Drop V8's suffixes: the offset (now `where`) and the echo of the file's start ("…" is not valid JSON).
    const text = message.replace(/ in JSON at position \d+.*$/s, '').replace(/, ".*" is not valid JSON$/s, '')
    throw new SparkbaasError('config_load_failed', `Could not load ${filepath}${where}: SyntaxError: ${text}`)
  }
}

/**
 * YAML configs, through load-yaml.ts: loaded on first use, so a `.ts` config never loads the yaml package. That
 * module imports yaml statically; a dynamic `import('yaml')` of the CommonJS package would, in the bundled CLI
 * (scripts/bundle-cli.mjs), see only its default export.
 */
export async function loadYaml(filepath: string, contents: string): Promise<unknown> {
  return (await import('./load-yaml.js')).loadYamlText(filepath, contents)
}

function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n')
  return `:${before.length}:${(before.at(-1)?.length ?? 0) + 1}`
}

/**
 * A syntax error or an exception while running the config, reduced to what the user needs: where and what.
 * jiti reports Babel parse errors as `ParseError: <text>\n <file>:<line>:<col>`; a runtime error is located by
 * the first stack frame inside the config file (its line is exact, its column is the transpiled one, so omitted).
 */
function moduleLoadError(filepath: string, error: unknown): SparkbaasError {
  if (!(error instanceof Error)) {
    return new SparkbaasError('config_load_failed', `Could not load ${filepath}: it threw ${inspect(error)}`)
  }
  const parse = /^ParseError: (.*?)\s*\n\s*(.+):(\d+):(\d+)\s*$/s.exec(error.message)
  if (parse) {
    const [, text, file, line, column] = parse
    // The broken file may be one the config imports.
    const where = file === filepath ? `${filepath}:${line}:${column}` : `${filepath}: in ${file}:${line}:${column}`
    return new SparkbaasError('config_load_failed', `Could not load ${where}: SyntaxError: ${text}`)
  }
  const line = frameLine(filepath, error.stack ?? '')
  const name = error.name === 'Error' ? '' : `${error.name}: `
  // Node appends "Require stack:" and the importing files to a failed require; the first line is the point.
  const text = error.message.split('\n')[0] ?? ''
  const notFound = (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND'
  return new SparkbaasError('config_load_failed', `Could not load ${filepath}${line}: ${name}${text}`, {
    ...(notFound && { hint: 'Check the import path, or install the package in the folder of the config file.' }),
    cause: error,
  })
}

function frameLine(filepath: string, stack: string): string {
  for (const frame of stack.split('\n')) {
    const at = frame.lastIndexOf(`${filepath}:`)
    if (at === -1) continue
    const line = /^(\d+)/.exec(frame.slice(at + filepath.length + 1))?.[1]
    if (line !== undefined) return `:${line}`
  }
  return ''
}
