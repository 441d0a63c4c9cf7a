/**
 * Issue 13 item 3 through `generate()`: a `{ secret }` env value and a function's `database` become `.env` keys
 * (generated once, kept), reach the compose file only as `${KEY}` references, and the functions manifest only
 * names where the runtime finds them. No committed file ever holds a value of `.env`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { parse } from 'yaml'
import { generate } from '../../src/generate.js'
import { dotenvValues, formatEnvEntry, parseDotenv } from '../../src/write/dotenv.js'
import { contentsOf, readTree, tempDir, writeConfig } from './helpers.js'

const FN = 'export default () => ({ env: process.env })\n'

export const SECRETS_CONFIG = {
  project: 'shop',
  postgres: { databases: ['app', 'analytics'] },
  functions: [
    { name: 'payer', source: './functions/payer', env: { STRIPE_KEY: { secret: 'STRIPE_KEY' }, PRICE: 'costs $5 ${X}' }, database: true },
    { name: 'peer', source: './functions/peer', env: { GREETING: 'hi' } },
  ],
  services: { redis: { image: 'redis:7-alpine', env: { TOKEN: { secret: 'SHARED_TOKEN' }, MODE: 'a$b' } } },
}

function project(config: object = SECRETS_CONFIG): string {
  const dir = tempDir()
  for (const name of ['payer', 'peer']) {
    mkdirSync(join(dir, 'functions', name), { recursive: true })
    writeFileSync(join(dir, 'functions', name, 'index.mjs'), FN)
  }
  writeConfig(dir, config)
  return dir
}

const out = (dir: string) => join(dir, 'generated')
const envOf = (dir: string) => dotenvValues(parseDotenv(readFileSync(join(out(dir), '.env'), 'utf8')))
const composeOf = (dir: string) =>
  parse(readFileSync(join(out(dir), 'docker-compose.yml'), 'utf8')) as {
    services: Record<string, { environment?: Record<string, string>; networks?: string[] | Record<string, unknown> }>
  }
const networksOf = (dir: string, service: string) => {
  const networks = composeOf(dir).services[service]?.networks ?? []
  return Array.isArray(networks) ? networks : Object.keys(networks)
}

describe('.env', () => {
  test('gets a random value for each secret and database role, kept across runs and user edits', async () => {
    const dir = project()
    const first = await generate({ cwd: dir })
    expect(first.envAdded).toEqual(expect.arrayContaining(['STRIPE_KEY', 'SHARED_TOKEN', 'FUNCTION_PAYER_DATABASE_PASSWORD']))
    const values = envOf(dir)
    for (const key of ['STRIPE_KEY', 'SHARED_TOKEN', 'FUNCTION_PAYER_DATABASE_PASSWORD']) expect(values.get(key)).toMatch(/^[A-Za-z0-9_-]{32}$/)
    // No key for the function that asked for nothing.
    expect([...values.keys()].filter((key) => key.includes('PEER'))).toEqual([])

    // The user puts the real key in; regenerating keeps it and every other value.
    const file = join(out(dir), '.env')
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^STRIPE_KEY=.*$/m, 'STRIPE_KEY=sk_live_real'))
    const second = await generate({ cwd: dir })
    expect(second.envAdded).toEqual([])
    expect(envOf(dir)).toEqual(new Map([...values, ['STRIPE_KEY', 'sk_live_real']]))
  })

  test('.env.example names each secret, who reads it, and no value', async () => {
    const dir = project()
    await generate({ cwd: dir })
    const example = readFileSync(join(out(dir), '.env.example'), 'utf8')
    expect(example).toContain('# Secret read by function payer (STRIPE_KEY); generated at random, replace it with the real value\nSTRIPE_KEY=\n')
    expect(example).toContain('# Secret read by service redis (TOKEN); generated at random, replace it with the real value\nSHARED_TOKEN=\n')
    expect(example).toContain("# Password of function payer's database role (fn_payer)\nFUNCTION_PAYER_DATABASE_PASSWORD=\n")
  })
})

describe('docker-compose.yml and the functions manifest', () => {
  test('refer to .env keys by name; plain values keep their $ escaped', async () => {
    const dir = project()
    await generate({ cwd: dir })
    const { services } = composeOf(dir)
    expect(services.functions!.environment).toMatchObject({
      SPARKBAAS_SECRET_STRIPE_KEY: '${STRIPE_KEY:?not set in .env, run sparkbaas generate}',
      SPARKBAAS_SECRET_FUNCTION_PAYER_DATABASE_PASSWORD: '${FUNCTION_PAYER_DATABASE_PASSWORD:?not set in .env, run sparkbaas generate}',
    })
    expect(services.redis!.environment).toEqual({ MODE: 'a$$b', TOKEN: '${SHARED_TOKEN:?not set in .env, run sparkbaas generate}' })
    expect(services['postgres-init']!.environment).toMatchObject({
      FUNCTION_PAYER_DATABASE_PASSWORD: '${FUNCTION_PAYER_DATABASE_PASSWORD:?not set in .env, run sparkbaas generate}',
    })

    const manifest = JSON.parse(readFileSync(join(out(dir), 'functions', 'manifest.json'), 'utf8')) as { functions: Record<string, unknown>[] }
    expect(manifest.functions).toEqual([
      {
        name: 'payer',
        file: 'payer.mjs',
        timeoutMs: 10000,
        memoryMb: 256,
        env: { PRICE: 'costs $5 ${X}' },
        envFrom: { STRIPE_KEY: 'SPARKBAAS_SECRET_STRIPE_KEY' },
        database: { host: 'postgres', port: 5432, name: 'app', user: 'fn_payer', passwordFrom: 'SPARKBAAS_SECRET_FUNCTION_PAYER_DATABASE_PASSWORD' },
      },
      { name: 'peer', file: 'peer.mjs', timeoutMs: 10000, memoryMb: 256, env: { GREETING: 'hi' } },
    ])
  })

  test('the functions container joins the database network only when a function asks for the database', async () => {
    const withDb = project()
    await generate({ cwd: withDb })
    expect(networksOf(withDb, 'functions').sort()).toEqual(['backend', 'edge'])

    const without = project({ ...SECRETS_CONFIG, functions: SECRETS_CONFIG.functions.map(({ database: _, ...fn }) => fn) })
    await generate({ cwd: without })
    expect(networksOf(without, 'functions')).toEqual(['edge'])
  })
})

// A value a user may paste into .env: quotes, `$`, `${…}`, backticks, a line break, unicode. A marker keeps it
// long enough that finding it anywhere cannot be chance.
const hostile = fc
  .array(fc.constantFrom('"', "'", '$', '${X}', '`', '\\', '\n', '#', ' ', 'ü', '\u2028', ':', '{', '}', 'a', '0'), { minLength: 1, maxLength: 12 })
  .map((parts) => `Zq9-secret-${parts.join('')}`)

test('no committed file ever holds a value of .env, whatever it is (property)', async () => {
  await fc.assert(
    fc.asyncProperty(hostile, hostile, hostile, async (stripe, token, password) => {
      const dir = project()
      mkdirSync(out(dir))
      const entries: [string, string][] = [
        ['STRIPE_KEY', stripe],
        ['SHARED_TOKEN', token],
        ['FUNCTION_PAYER_DATABASE_PASSWORD', password],
      ]
      writeFileSync(join(out(dir), '.env'), entries.map(([key, value]) => formatEnvEntry(key, 'user value', value)).join('\n'))
      await generate({ cwd: dir })
      const values = envOf(dir)
      for (const [key, value] of entries) expect(values.get(key)).toBe(value)
      const tree = contentsOf(readTree(out(dir)))
      delete tree['.env']
      const committed = Object.values(tree).map((file) => file.text).join('\n')
      for (const [, value] of entries) expect(committed).not.toContain(value)
    }),
    { numRuns: 12 },
  )
}, 120_000)
