/**
 * Step one of the pipeline: find the config file and turn it into a plain object. Nothing here checks its shape;
 * that is check.ts. The result is `unknown` on purpose.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { cosmiconfig, type CosmiconfigResult, type Loader, type Loaders } from 'cosmiconfig'
import { SparkbaasError } from '../errors.js'
import { loadJson, loadModule, loadYaml } from './loaders.js'

const CONFIG_EXTENSIONS = ['ts', 'mts', 'js', 'mjs', 'json', 'yaml', 'yml']
const RC_EXTENSIONS = ['json', 'yaml', 'yml', 'js', 'mjs', 'ts', 'mts']

/** File names looked for in each folder, first match wins (package.json only counts with a `sparkbaas` key). */
export const SEARCH_PLACES: readonly string[] = [
  'package.json',
  '.sparkbaasrc',
  ...RC_EXTENSIONS.map((ext) => `.sparkbaasrc.${ext}`),
  ...CONFIG_EXTENSIONS.map((ext) => `sparkbaas.config.${ext}`),
]

const LOOKED_FOR = `sparkbaas.config.{${CONFIG_EXTENSIONS.join(',')}}, .sparkbaasrc{,.${RC_EXTENSIONS.join(',.')}} and a "sparkbaas" key in package.json`

const MODULE_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'])

/**
 * cosmiconfig takes a loader's `null` to mean "no config in this file" and searches on, which is right only for a
 * package.json without a `sparkbaas` key; a config file that holds null is reported as such.
 */
const notNull =
  (loader: (filepath: string, contents: string) => unknown): Loader =>
  async (filepath, contents) => {
    const value = await loader(filepath, contents)
    if (value === null && path.basename(filepath) !== 'package.json') throw notAnObject(filepath, value)
    return value
  }

const LOADERS: Loaders = {
  ...Object.fromEntries([...MODULE_EXTENSIONS].map((ext) => [ext, notNull(loadModule)])),
  '.json': notNull(loadJson),
  '.yaml': notNull(loadYaml),
  '.yml': notNull(loadYaml),
  // `.sparkbaasrc` without an extension: YAML, which also reads JSON.
  noExt: notNull(loadYaml),
}

export interface LoadOptions {
  /** Where the search starts and relative `configFile` paths begin. @default process.cwd() */
  cwd?: string
  /** Load this file instead of searching. */
  configFile?: string
  /**
   * The environment asked for, passed to a config written as a function (`defineConfig(({ env }) => …)`). Its
   * overlay is not applied here: that is environments.ts, after loading.
   */
  env?: string
}

export interface LoadedConfig {
  /** The file's value, a plain object, not yet checked. */
  config: unknown
  /** Absolute path of the file it came from. */
  filepath: string
  /** Its folder: relative paths in the config (function sources, out dir) start here. */
  configDir: string
}

/**
 * Finds and loads the config: `configFile` if given, else the first match of {@link SEARCH_PLACES} in `cwd` or the
 * nearest folder above it, up to the filesystem root. Throws `SparkbaasError` for a missing file, a file that does
 * not load, and a value that is not a plain object.
 */
export async function loadConfig(options: LoadOptions = {}): Promise<LoadedConfig> {
  const cwd = path.resolve(options.cwd ?? process.cwd())
  const explorer = await createExplorer()

  let result: CosmiconfigResult
  if (options.configFile === undefined) {
    result = await searchUpward(cwd, (dir) => explorer.search(dir))
    if (result === null) {
      throw new SparkbaasError('config_not_found', `No config found in ${cwd} or any folder above it. Looked for ${LOOKED_FOR}.`, {
        hint: 'Run `sparkbaas init` to create sparkbaas.config.ts, or pass --config PATH.',
      })
    }
  } else {
    const filepath = path.resolve(cwd, options.configFile)
    result = await loadExplicit(filepath, cwd, () => explorer.load(filepath))
    if (result === null) {
      throw new SparkbaasError('config_not_object', `${filepath} has no "sparkbaas" key.`, {
        hint: 'Add the config under "sparkbaas" in package.json, or pass a sparkbaas.config.* file.',
      })
    }
  }
  const called = await callConfigFunction(result, options.env)
  return { config: checkIsObject(called), filepath: result.filepath, configDir: path.dirname(result.filepath) }
}

/** A module config may export a function of the environment; it is called here, and awaited when it is async. */
async function callConfigFunction(result: NonNullable<CosmiconfigResult>, env: string | undefined): Promise<NonNullable<CosmiconfigResult>> {
  if (typeof result.config !== 'function' || !MODULE_EXTENSIONS.has(path.extname(result.filepath))) return result
  let config: unknown
  try {
    config = await (result.config as (context: { env: string | undefined }) => unknown)({ env })
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error)
    throw new SparkbaasError('config_load_failed', `${result.filepath}: its config function threw: ${detail}`, {
      hint: 'Fix the function your config exports; it is called with { env } (the --env name, or undefined).',
      cause: error,
    })
  }
  if (typeof config === 'function') {
    throw new SparkbaasError('config_not_object', `${result.filepath}: its config function returned a function, not a config object.`, {
      hint: "Return the config object: `export default defineConfig(({ env }) => ({ project: 'acme' }))`.",
    })
  }
  return { ...result, config, isEmpty: false }
}

/**
 * cosmiconfig, as it is created, reads its own settings from the current folder: a "cosmiconfig" key in
 * package.json, or .config/config.{json,yaml,…}. A file there it cannot read fails that step, before any sparkbaas
 * config is looked at; it is reported like a config that does not parse, with the same line and column.
 */
async function createExplorer() {
  try {
    return cosmiconfig('sparkbaas', {
      searchPlaces: [...SEARCH_PLACES],
      loaders: LOADERS,
      // We walk the folders ourselves (below): cosmiconfig's 'global' strategy stops at the home folder and then
      // reads ~/.config/sparkbaas/config.*, and a machine-wide stack definition is not something anyone expects.
      searchStrategy: 'none',
      // An empty sparkbaas.config.ts is a mistake to report, not a reason to keep searching in the folders above.
      ignoreEmptySearchPlaces: false,
      cache: false,
    })
  } catch (error) {
    throw await cosmiconfigSettingsError(error)
  }
}

async function cosmiconfigSettingsError(error: unknown): Promise<SparkbaasError> {
  const message = error instanceof Error ? error.message : String(error)
  const hint = 'Fix this file: cosmiconfig, which finds the sparkbaas config, reads it first for its own settings.'
  // cosmiconfig's loaders prefix "JSON Error in <file>:" or "YAML Error in <file>:"; read the file again here, so
  // the error is worded as for a config file.
  const [, kind, file] = /^(JSON|YAML) Error in (.+?):\n/.exec(message) ?? []
  if (file !== undefined) {
    try {
      const contents = await readFile(file, 'utf8')
      if (kind === 'JSON') loadJson(file, contents)
      else await loadYaml(file, contents)
    } catch (reread) {
      if (reread instanceof SparkbaasError) return new SparkbaasError(reread.code, reread.message, { hint })
    }
  }
  const text = message.split('\n').find((line) => line.trim() !== '') ?? message
  return new SparkbaasError('config_load_failed', `Could not read cosmiconfig's own settings in ${process.cwd()}: ${text}`, {
    hint: 'cosmiconfig, which finds the sparkbaas config, reads them from a "cosmiconfig" key in package.json or from .config/config.* in this folder: fix or remove them.',
  })
}

async function searchUpward(from: string, searchIn: (dir: string) => Promise<CosmiconfigResult>): Promise<CosmiconfigResult> {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const found = await searchIn(dir)
    if (found !== null) return found
    if (path.dirname(dir) === dir) return null
  }
}

async function loadExplicit(filepath: string, cwd: string, load: () => Promise<CosmiconfigResult>): Promise<CosmiconfigResult> {
  const ext = path.extname(filepath)
  if (ext !== '' && !(ext in LOADERS)) {
    throw new SparkbaasError('config_load_failed', `Cannot load ${filepath}: "${ext}" is not a config file type sparkbaas reads.`, {
      hint: `Use one of: ${Object.keys(LOADERS).filter((key) => key !== 'noExt').join(', ')}.`,
    })
  }
  try {
    return await load()
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') {
      throw new SparkbaasError('config_not_found', `Config file ${filepath} does not exist.`, {
        hint: `Check the path given to --config; a relative path starts from ${cwd}.`,
      })
    }
    if (code === 'EISDIR') {
      throw new SparkbaasError('config_not_found', `Config file ${filepath} is a folder.`, {
        hint: `Pass the file itself, e.g. ${path.join(filepath, 'sparkbaas.config.ts')}.`,
      })
    }
    throw error
  }
}

function checkIsObject(result: NonNullable<CosmiconfigResult>): Record<string, unknown> {
  const { filepath, config } = result
  if (result.isEmpty === true) {
    throw new SparkbaasError('config_not_object', `${filepath} is empty.`, { hint: exampleHint(filepath) })
  }
  if (!isPlainObject(config)) throw notAnObject(filepath, config)
  if (MODULE_EXTENSIONS.has(path.extname(filepath))) return config
  // JSON and YAML files may name their schema for editor completion; it is not part of the config.
  const { $schema: _schema, ...rest } = config
  return rest
}

function notAnObject(filepath: string, value: unknown): SparkbaasError {
  const what = MODULE_EXTENSIONS.has(path.extname(filepath)) ? 'Its default export' : 'Its top-level value'
  return new SparkbaasError('config_not_object', `${filepath} does not hold a config object. ${what} is ${describeValue(value)}.`, {
    hint: exampleHint(filepath),
  })
}

const exampleHint = (filepath: string) =>
  MODULE_EXTENSIONS.has(path.extname(filepath))
    ? "Export the config object: `export default defineConfig({ project: 'acme' })`."
    : 'Write the config as an object at the top level, e.g. { "project": "acme" }.'

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** Names what a config file produced when it is not an object, for the error message. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (value === undefined) return 'undefined'
  if (Array.isArray(value)) return 'an array'
  switch (typeof value) {
    case 'function':
      return 'a function (export the object itself, not a function that returns it)'
    case 'string': {
      const text = value.length > 40 ? `${value.slice(0, 40)}…` : value
      return `a string (${JSON.stringify(text)})`
    }
    case 'object': {
      if (value instanceof Promise) return 'a Promise (export the object itself, not the result of an async function)'
      const name = (Object.getPrototypeOf(value) as { constructor?: { name?: string } }).constructor?.name
      return name ? `an instance of ${name}` : 'an object with a custom prototype'
    }
    default:
      return `a ${typeof value} (${String(value)})`
  }
}
