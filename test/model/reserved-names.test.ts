/**
 * A user's service may not take the name of one SparkBaaS adds: every service the model builds for a config with
 * everything in use (compose and Kubernetes targets), and the Kubernetes target's migrations Job, is reserved.
 */
import { expect, test } from 'vitest'
import { configSchema } from '../../src/config/schema.js'
import { RESERVED_SERVICE_NAMES } from '../../src/config/names.js'
import { MIGRATIONS_JOB } from '../../src/model/jobs.js'
import { resolveModel } from '../../src/model/resolve.js'
import { FIXTURE_CONFIG_FILE } from '../fixtures/configs/index.js'

const FULL = {
  project: 'demo',
  api: { realm: 'main' },
  realms: [{ name: 'main', clients: [{ id: 'web', type: 'public' }] }],
  functions: [{ name: 'hello', source: './functions/hello' }],
  workers: [{ name: 'etl' }],
  routes: [{ host: 'api', path: '/private', to: 'api', auth: { realm: 'main' } }],
}

test.each(['compose', 'kubernetes'] as const)('every service the model adds on the %s target has a reserved name', (target) => {
  const model = resolveModel(configSchema.parse({ ...FULL, target }), { configFile: FIXTURE_CONFIG_FILE })
  const added = model.services.map((s) => s.name).filter((name) => !name.startsWith('spark-') || name === 'spark-master')
  expect(added.length).toBeGreaterThan(5)
  for (const name of [...added, MIGRATIONS_JOB]) expect(RESERVED_SERVICE_NAMES).toContain(name)
})
