import { describe, expect, it } from 'vitest'
import { header } from '../../src/render/header.js'
import { renderEnvExample } from '../../src/render/env.js'
import { parseDotenv } from '../../src/write/dotenv.js'
import { ensureEnv } from '../../src/write/secrets.js'
import { example, many, modelOf, noWorkers, postgresOnly } from './_fixtures.js'

const ctx = { functionBundles: new Map<string, string>() }

describe('renderEnvExample', () => {
  it('renders the example project (golden file)', async () => {
    const files = renderEnvExample(modelOf(example), ctx)
    expect(files.map((f) => [f.path, f.format, f.artifact, f.mode])).toEqual([['.env.example', 'env', '.env.example', undefined]])
    await expect(files[0]!.contents).toMatchFileSnapshot('../golden/env/example/.env.example')
  })

  it('renders the many fixture (golden file)', async () => {
    await expect(renderEnvExample(modelOf(many), ctx)[0]!.contents).toMatchFileSnapshot('../golden/env/many/.env.example')
  })

  it('lists every key of the model in order, its comment just above, settings with their value and secrets empty', () => {
    for (const config of [example, many, noWorkers, postgresOnly]) {
      const model = modelOf(config)
      const text = renderEnvExample(model, ctx)[0]!.contents
      expect(text.startsWith(header('#', 'sparkbaas.config.ts'))).toBe(true)

      const entries = parseDotenv(text)
      expect(entries.map((e) => e.key)).toEqual(model.env.map((v) => v.key))
      const lines = text.split('\n')
      for (const [i, v] of model.env.entries()) {
        const entry = entries[i]!
        expect(lines[entry.line - 2], v.key).toBe(`# ${v.comment}`)
        expect(entry.value, v.key).toBe(v.generate.kind === 'setting' ? v.generate.value : '')
      }
    }
  })

  it('contains no value of the generated .env that is a secret', () => {
    for (const config of [example, many]) {
      const model = modelOf(config)
      const text = renderEnvExample(model, ctx)[0]!.contents
      const { values } = ensureEnv(model.env, undefined)
      const secrets = model.env.filter((v) => v.generate.kind !== 'setting')
      expect(secrets.length).toBeGreaterThan(5)
      for (const v of secrets) {
        expect(values[v.key]!.length, v.key).toBeGreaterThanOrEqual(32)
        expect(text.includes(values[v.key]!), v.key).toBe(false)
      }
      // Both files hold the same keys.
      expect(Object.keys(values)).toEqual(parseDotenv(text).map((e) => e.key))
    }
  })

  it('is deterministic', () => {
    expect(renderEnvExample(modelOf(many), ctx)).toEqual(renderEnvExample(modelOf(many), ctx))
  })
})
