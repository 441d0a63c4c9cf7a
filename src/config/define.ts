import type { SparkbaasConfig } from './types.js'

/** What a config function receives. */
export interface ConfigEnv {
  /** The environment asked for with `--env` or `SPARKBAAS_ENV`; `undefined` for the default one. */
  env: string | undefined
}

/** A config written as a function of the environment; it may be async. */
export type SparkbaasConfigFn = (context: ConfigEnv) => SparkbaasConfig | Promise<SparkbaasConfig>

/** What `sparkbaas.config.ts` default-exports: a config, or a function of the environment that returns one. */
export type SparkbaasConfigExport = SparkbaasConfig | SparkbaasConfigFn

/**
 * Gives `sparkbaas.config.ts` editor completion and type checking. It returns its argument unchanged: a config
 * object, or a function of the environment (as Vite's `defineConfig(({ mode }) => …)`), called when the config is
 * loaded; `environments` overlays still apply to what it returns. One signature, not an overload per form, so a
 * misspelt key is flagged at the key itself rather than as "no overload matches this call".
 *
 * @example
 * import { defineConfig } from 'sparkbaas'
 * export default defineConfig({ project: 'acme', realms: [{ name: 'acme' }] })
 * @example
 * export default defineConfig(({ env }) => ({ project: 'acme', domain: env === 'prod' ? 'example.com' : 'localhost' }))
 */
export function defineConfig(config: SparkbaasConfigExport): SparkbaasConfigExport {
  return config
}
