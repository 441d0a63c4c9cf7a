/**
 * The JSON Schema editors use for sparkbaas.config.json / .yaml: the committed copy is current, it accepts the
 * example project, and it agrees with the zod schema it is generated from on what is valid.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { beforeAll, describe, expect, test } from 'vitest'
import { buildJsonSchema, renderJsonSchema } from '../../src/config/json-schema.js'
import { loadConfig } from '../../src/config/load.js'
import { configSchema } from '../../src/config/schema.js'
import { ROOT } from '../helpers/cli.js'

const schema = buildJsonSchema()

test('the committed schema/sparkbaas.schema.json is what the code generates', async () => {
  const committed = await readFile(path.join(ROOT, 'schema/sparkbaas.schema.json'), 'utf8')
  // `npx sparkbaas schema` only works where sparkbaas is installed; inside this repository npx looks it up on npm.
  expect(committed, 'schema/sparkbaas.schema.json is stale: run `npm run schema` (node bin/sparkbaas.mjs schema) and commit it').toBe(
    renderJsonSchema(),
  )
})

test('zod emits draft 2020-12, which is what the Ajv class below checks', () => {
  expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema')
})

describe('validated with Ajv', () => {
  // The email pattern zod emits alongside `format: email` does the checking; Ajv's strict mode needs the format known.
  const validate = new Ajv2020({ allErrors: true, strict: true, formats: { email: true } }).compile(schema)
  let example: Record<string, unknown>

  beforeAll(async () => {
    // The example project itself, loaded from sparkbaas.config.ts, so this fixture cannot drift from it.
    example = (await loadConfig({ cwd: ROOT })).config as Record<string, unknown>
  })

  const errors = (value: unknown) => (validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.keyword}`))

  test('accepts the example project', () => {
    expect(errors(example)).toEqual([])
  })

  test('accepts the example with a $schema key, which JSON and YAML configs use to name it', () => {
    expect(errors({ $schema: './node_modules/sparkbaas/schema/sparkbaas.schema.json', ...example })).toEqual([])
  })

  test.each<[string, (config: Record<string, unknown>) => Record<string, unknown>, string]>([
    ['a wrong type', (c) => ({ ...c, postgres: { version: '17' } }), '/postgres/version type'],
    ['an unknown key', (c) => ({ ...c, extra: true }), ' additionalProperties'],
    ['a bad project name', (c) => ({ ...c, project: 'Acme Corp' }), '/project pattern'],
    ['a missing project', ({ project: _, ...c }) => c, ' required'],
    ['an unknown route target', (c) => ({ ...c, routes: [{ host: 'x', to: 'redis' }] }), '/routes/0/to anyOf'],
  ])('rejects %s', (_name, mutate, expected) => {
    expect(errors(mutate(example))).toContain(expected)
  })

  /**
   * Editors and sparkbaas must agree on what is valid. Each variant changes one value of the example; the JSON
   * Schema and zod must both accept it or both reject it. (The cross-field rules of validate.ts are not in the
   * JSON Schema, so only the shape is compared.)
   */
  test.each<[string, unknown]>([
    ['project', 'a'],
    ['project', 'a'.repeat(40)],
    ['project', '1acme'],
    ['domain', 'Example.com'],
    ['domain', 'example.com'],
    ['tls', 'on'],
    ['tls', { acme: { email: 'not-an-email' } }],
    ['tls', { acme: { email: 'ops@acme.test', staging: true } }],
    ['postgres', { version: 14 }],
    ['postgres', { version: 17.5 }],
    ['postgres', { exposePort: 0 }],
    ['postgres', { exposePort: 65535 }],
    ['postgres', { exposePort: true }],
    ['postgres', { databases: [] }],
    ['workers', [{ name: 'etl', memory: '2G' }]],
    ['workers', [{ name: 'etl', memory: '2gb' }]],
    ['workers', [{ name: 'etl', replicas: 0 }]],
    ['services', { 'Bad Name': { image: 'x' } }],
    ['services', { cache: { image: 'redis', command: ['a', 'b'] } }],
    ['routes', [{ host: 'api', path: '/a b', to: 'api' }]],
    ['routes', [{ host: '-api', to: 'api' }]],
  ])('%s: %j — zod and the JSON Schema agree', (key, value) => {
    const variant = { ...example, [key]: value }
    expect(validate(variant), `JSON Schema ${validate(variant) ? 'accepts' : 'rejects'}, zod does not`).toBe(
      configSchema.safeParse(variant).success,
    )
  })
})
