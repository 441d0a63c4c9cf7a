import type { SparkbaasConfig } from './types.js'

/**
 * Gives `sparkbaas.config.ts` editor completion and type checking. It returns its argument unchanged.
 *
 * @example
 * import { defineConfig } from 'sparkbaas'
 * export default defineConfig({ project: 'acme', realms: [{ name: 'acme' }] })
 */
export function defineConfig(config: SparkbaasConfig): SparkbaasConfig {
  return config
}
