/**
 * Type tests (vitest typecheck): what a user's editor enforces in sparkbaas.config.ts.
 */
import { describe, expectTypeOf, test } from 'vitest'
import example from '../sparkbaas.config.js'
import type { ConfigInput } from '../src/config/schema.js'
import type { SparkbaasConfig } from '../src/config/types.js'
import { defineConfig } from '../src/index.js'

test('the example project type-checks as a SparkbaasConfig', () => {
  // Importing it puts sparkbaas.config.ts in this program: a key or value defineConfig refuses fails the run.
  expectTypeOf(example).toEqualTypeOf<SparkbaasConfig>()
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
