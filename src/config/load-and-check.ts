/**
 * Load and check in one call: what every command that needs a valid config starts with.
 */
import { SparkbaasError, type Problem } from '../errors.js'
import { checkConfig } from './check.js'
import { applyEnvironment } from './environments.js'
import { loadConfig, type LoadOptions } from './load.js'
import type { ParsedConfig } from './schema.js'

export interface CheckedConfig {
  /** The config with every default filled in. */
  config: ParsedConfig
  /** Absolute path of the config file. */
  filepath: string
  /** The config file's folder. */
  configDir: string
  /** What the config may do but probably should not (an unpinned image): printed, never refused. */
  warnings: readonly Problem[]
  /** The environment whose overlay was applied; `undefined` for the default one (the config as written). */
  environment: string | undefined
}

/**
 * Finds, loads and checks the config. Throws `SparkbaasError` with code `config_invalid` and every problem at once
 * when the config is loaded but wrong, and the errors of {@link loadConfig} when it cannot be loaded.
 */
export async function loadAndCheck(options: LoadOptions = {}): Promise<CheckedConfig> {
  const { config, filepath, configDir } = await loadConfig(options)
  return checkLoaded(config, filepath, configDir, options.env)
}

/**
 * Checks a config value taken to live at `filepath`; throws `config_invalid` with every problem. With `env`, the
 * config as written (the default environment, every overlay's shape) must be valid, and then that environment's
 * overlay laid over it; a problem at a value the overlay set is reported at the overlay's path
 * (`environments.prod.routes[0].to`). An unknown `env` is a usage error naming the environments there are.
 */
export function checkLoaded(config: unknown, filepath: string, configDir: string, env?: string): CheckedConfig {
  const applied = env !== undefined && isObject(config) ? applyEnvironment(config, env) : undefined
  const base = checkConfig(config, { configDir })
  if (!base.ok) throw invalid(filepath, base.problems)
  if (applied === undefined) return { config: base.config, filepath, configDir, warnings: base.warnings, environment: undefined }
  const at = (problem: Problem): Problem => ({ ...problem, path: applied.sourcePath(problem.path) })
  const merged = checkConfig(applied.config, { configDir })
  if (!merged.ok) throw invalid(filepath, merged.problems.map(at), env)
  return { config: merged.config, filepath, configDir, warnings: merged.warnings.map(at), environment: env }
}

function invalid(filepath: string, problems: readonly Problem[], env?: string): SparkbaasError {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`
  const which = env === undefined ? '' : ` for environment ${JSON.stringify(env)}`
  return new SparkbaasError('config_invalid', `${filepath} is not a valid config${which} (${count}):`, { problems })
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)
