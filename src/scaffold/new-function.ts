/**
 * `sparkbaas function new <name>`: a function folder beside the config file, and its entry (and a route) added to
 * the config file itself (edit-config.ts), or returned to print when the file cannot be edited safely. The config
 * is only loaded (to find its folder and see what it already lists), not checked: it need not be valid, and it
 * will not mention the new function yet.
 */
import { existsSync } from 'node:fs'
import path from 'node:path'
import { FUNCTIONS_DIR } from '../config/defaults.js'
import { loadConfig, type LoadedConfig } from '../config/load.js'
import { NAMES, RESERVED_FUNCTION_NAMES } from '../config/names.js'
import { SparkbaasError } from '../errors.js'
import type { EditOutcome } from './edit-config.js'
import type { ListAdditions } from './edit-refused.js'
import { write } from './files.js'
import { sanitizeProjectName } from './project-name.js'
import { functionTemplate } from './templates.js'

/** Where new functions go, relative to the config file's folder. */
export { FUNCTIONS_DIR }

export interface NewFunctionOptions {
  readonly name: string
  /** Where the config search starts. @default process.cwd() */
  readonly cwd?: string
  /** Use this config file instead of searching. */
  readonly configFile?: string
  /** Also route http://api.<domain>/fn/<name> to it (unless a route already reaches it). @default true */
  readonly route?: boolean
}

/** The syntax the config file is written in, which the printed entry follows. */
export type ConfigSyntax = 'ts' | 'json' | 'yaml'

export interface FunctionEntry {
  readonly name: string
  readonly source: string
}

export interface FunctionRoute {
  readonly host: string
  readonly path: string
  readonly to: { readonly function: string }
  readonly stripPrefix: boolean
}

export interface NewFunctionResult {
  readonly name: string
  /** Absolute path of the written index.ts. */
  readonly file: string
  readonly configFile: string
  readonly syntax: ConfigSyntax
  /** What to add to `functions`, and a route to reach it. */
  readonly entry: FunctionEntry
  readonly route: FunctionRoute
  /** The config already lists a function of this name with this source (added before scaffolding it). */
  readonly inConfig: boolean
  /** The config already routes to it. */
  readonly routed: boolean
  /** The route is wanted (not `route: false`) and missing: added to the config, or to be added by hand. */
  readonly withRoute: boolean
  /** The config file now lists the function (and the route, with `withRoute`). */
  readonly edited: boolean
  /** Why the config file was left as it was, when not `edited`. */
  readonly reason?: string
}

/** Throws a usage error unless `name` can name a function. */
export function checkFunctionName(name: string): void {
  if ((RESERVED_FUNCTION_NAMES as readonly string[]).includes(name)) {
    throw new SparkbaasError('usage', `"${name}" cannot name a function: the functions runtime uses functions/${name}.mjs itself.`, {
      hint: `Choose another name, e.g. \`sparkbaas function new my-${name}\`.`,
    })
  }
  if (NAMES.identifier.pattern.test(name)) return
  // The project-name slug (lowercase, "-" for the rest) is also a valid function name, unless it is reserved.
  const suggestion = sanitizeProjectName(name)
  const usable = suggestion !== undefined && !(RESERVED_FUNCTION_NAMES as readonly string[]).includes(suggestion)
  const example = usable ? suggestion : NAMES.identifier.example
  throw new SparkbaasError('usage', `${JSON.stringify(name)} is not a valid function name: expected ${NAMES.identifier.expected}.`, {
    hint: `For example: \`sparkbaas function new ${example}\`.`,
  })
}

export const functionEntry = (name: string): FunctionEntry => ({ name, source: `./${FUNCTIONS_DIR}/${name}` })

/** The route `init` uses for hello, for the new function: http://api.<domain>/fn/<name>. */
export const functionRoute = (name: string): FunctionRoute => ({ host: 'api', path: `/fn/${name}`, to: { function: name }, stripPrefix: true })

export async function newFunction(options: NewFunctionOptions): Promise<NewFunctionResult> {
  const { name } = options
  checkFunctionName(name)
  const loaded = await loadConfig({
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.configFile === undefined ? {} : { configFile: options.configFile }),
  })
  const folder = path.join(loaded.configDir, FUNCTIONS_DIR, name)
  const entry = functionEntry(name)
  const listed = listedFunction(loaded.config, name)
  if (listed !== undefined && path.resolve(loaded.configDir, listed) !== folder) {
    throw new SparkbaasError('usage', `${loaded.filepath} already has a function named "${name}", with source ${JSON.stringify(listed)}.`, {
      hint: 'Function names are unique: choose another name.',
    })
  }
  if (existsSync(folder)) {
    throw new SparkbaasError('usage', `${folder} already exists.`, {
      hint: '`function new` never overwrites a folder (it has no --force): choose another name, or remove the folder first.',
    })
  }
  const file = path.join(folder, 'index.ts')
  await write(file, functionTemplate(name), 'wx')
  const route = functionRoute(name)
  const inConfig = listed !== undefined
  const routed = routesTo(loaded.config, name)
  const withRoute = options.route !== false && !routed
  const outcome = await editConfig(loaded, { functions: inConfig ? [] : [entry], routes: withRoute ? [route] : [] }, inConfig)
  return { name, file, configFile: loaded.filepath, syntax: syntaxOf(loaded.filepath), entry, route, inConfig, routed, withRoute, ...outcome }
}

async function editConfig(loaded: LoadedConfig, additions: ListAdditions, inConfig: boolean): Promise<EditOutcome> {
  const nothing = Object.values(additions).every((values) => values.length === 0)
  if (nothing) return { edited: false, reason: 'it already lists the function' }
  // Adding a route alone would be safe too, but a function listed before it was scaffolded is a config being
  // written by hand: the route is printed, for its author to place.
  if (inConfig) return { edited: false, reason: 'it already lists the function, so the route is left for you to add' }
  const { addToConfig } = await import('./edit-config.js')
  return addToConfig(loaded, additions)
}

/** The `source` of the config's function named `name`, if the (unchecked) config lists one. */
function listedFunction(config: unknown, name: string): string | undefined {
  const functions = (config as { functions?: unknown }).functions
  if (!Array.isArray(functions)) return undefined
  for (const fn of functions as unknown[]) {
    const { name: n, source } = (fn ?? {}) as { name?: unknown; source?: unknown }
    if (n === name) return typeof source === 'string' ? source : ''
  }
  return undefined
}

function routesTo(config: unknown, name: string): boolean {
  const routes = (config as { routes?: unknown }).routes
  if (!Array.isArray(routes)) return false
  return (routes as unknown[]).some((route) => {
    const to = (route as { to?: unknown } | null)?.to
    return typeof to === 'object' && to !== null && (to as { function?: unknown }).function === name
  })
}

export function syntaxOf(configFile: string): ConfigSyntax {
  const base = path.basename(configFile)
  if (base === 'package.json' || base.endsWith('.json')) return 'json'
  if (base === '.sparkbaasrc' || base.endsWith('.yaml') || base.endsWith('.yml')) return 'yaml'
  return 'ts'
}

/**
 * A config value written the way the config file writes it, on one line: a TypeScript object literal, JSON, or a
 * YAML flow mapping. Only for the plain values above (checked names, simple paths), which none of the three
 * needs to escape beyond the quotes.
 */
export function formatValue(value: unknown, syntax: ConfigSyntax): string {
  if (typeof value === 'string') return syntax === 'ts' ? `'${value}'` : syntax === 'json' ? JSON.stringify(value) : value
  if (typeof value !== 'object' || value === null) return String(value)
  const key = (k: string) => (syntax === 'json' ? JSON.stringify(k) : k)
  const fields = Object.entries(value).map(([k, v]) => `${key(k)}: ${formatValue(v, syntax)}`)
  return `{ ${fields.join(', ')} }`
}
