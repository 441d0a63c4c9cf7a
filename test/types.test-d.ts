/**
 * Type tests (vitest typecheck): what a user's editor enforces in sparkbaas.config.ts.
 */
import { describe, expectTypeOf, test } from 'vitest'
import example from '../sparkbaas.config.js'
import type { z } from 'zod'
import type { ConfigInput, environmentSchema } from '../src/config/schema.js'
import type { SparkbaasConfigExport } from '../src/config/define.js'
import type { EnvironmentConfig, SparkbaasConfig } from '../src/config/types.js'
import { defineConfig } from '../src/index.js'

test('the example project type-checks as a SparkbaasConfig', () => {
  // Importing it puts sparkbaas.config.ts in this program: a key or value defineConfig refuses fails the run.
  expectTypeOf(example).toEqualTypeOf<SparkbaasConfigExport>()
})

describe('defineConfig refuses', () => {
  test('a misspelt key', () => {
    defineConfig({
      project: 'acme',
      // @ts-expect-error: `realm` is not a key; `realms` is
      realm: [{ name: 'acme' }],
    })
    defineConfig({
      project: 'acme',
      // @ts-expect-error: `replica` is not a key of a worker; `replicas` is
      workers: [{ name: 'etl', replica: 2 }],
    })
  })

  test('a value of the wrong type', () => {
    defineConfig({
      project: 'acme',
      // @ts-expect-error: the Postgres version is a number
      postgres: { version: '17' },
    })
    defineConfig({
      project: 'acme',
      // @ts-expect-error: not a route target
      routes: [{ host: 'api', to: 'redis' }],
    })
  })

  test('a missing project', () => {
    // @ts-expect-error: `project` is required
    defineConfig({ domain: 'localhost' })
  })
})

test('the hand-written SparkbaasConfig and the zod input type accept the same configs', () => {
  expectTypeOf<SparkbaasConfig>().toExtend<ConfigInput>()
  expectTypeOf<ConfigInput>().toExtend<SparkbaasConfig>()
})

test('an environment overlay: the hand-written type and the zod input type accept the same overlays', () => {
  expectTypeOf<EnvironmentConfig>().toExtend<z.input<typeof environmentSchema>>()
  expectTypeOf<z.input<typeof environmentSchema>>().toExtend<EnvironmentConfig>()
})

describe('an environment overlay', () => {
  test('may leave out what the base has, but not the key of a named entry', () => {
    defineConfig({
      project: 'acme',
      workers: [{ name: 'etl' }],
      routes: [{ host: 'api', to: 'api' }],
      environments: {
        prod: { production: true, postgres: { exposePort: false }, workers: [{ name: 'etl', replicas: 4 }], routes: [{ host: 'api', stripPrefix: true }] },
        staging: { production: { allowSeedUsers: true }, services: { mail: { port: 1025 } } },
      },
    })
    defineConfig({
      project: 'acme',
      // @ts-expect-error: a worker in an overlay needs its name, the key it merges on
      environments: { prod: { workers: [{ replicas: 4 }] } },
    })
    defineConfig({
      project: 'acme',
      // @ts-expect-error: environments do not nest
      environments: { prod: { environments: {} } },
    })
  })
})

test('defineConfig takes a function of the environment', () => {
  const config = defineConfig(({ env }) => {
    expectTypeOf(env).toEqualTypeOf<string | undefined>()
    return { project: env === 'prod' ? 'acme' : 'acme-dev' }
  })
  expectTypeOf(config).toEqualTypeOf<SparkbaasConfigExport>()
})
