/**
 * Load and check in one call: what every command that needs a valid config starts with.
 */
import { SparkbaasError, type Problem } from '../errors.js'
import { checkConfig } from './check.js'
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
}

/**
 * Finds, loads and checks the config. Throws `SparkbaasError` with code `config_invalid` and every problem at once
 * when the config is loaded but wrong, and the errors of {@link loadConfig} when it cannot be loaded.
 */
export async function loadAndCheck(options: LoadOptions = {}): Promise<CheckedConfig> {
  const { config, filepath, configDir } = await loadConfig(options)
  return checkLoaded(config, filepath, configDir)
}

/** Checks a config value taken to live at `filepath`; throws `config_invalid` with every problem. */
export function checkLoaded(config: unknown, filepath: string, configDir: string): CheckedConfig {
  const result = checkConfig(config, { configDir })
  if (!result.ok) {
    const count = result.problems.length === 1 ? '1 problem' : `${result.problems.length} problems`
    throw new SparkbaasError('config_invalid', `${filepath} is not a valid config (${count}):`, { problems: result.problems })
  }
  return { config: result.config, filepath, configDir, warnings: result.warnings }
}
