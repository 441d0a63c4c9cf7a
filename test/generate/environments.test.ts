/**
 * Environments end to end: the golden output of a base and two overlays (test/golden/environments/<env>/), each in
 * its own folder with its own .env, and no environment's write touching another's files.
 * Update the goldens with `npx vitest run test/generate/environments.test.ts -u` and read the diff.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { generate } from '../../src/generate.js'
import { parseDotenv, dotenvValues } from '../../src/write/dotenv.js'
import config from '../fixtures/environments/config.js'
import { readTree, ROOT, tempDir, writeConfig } from './helpers.js'
import { FIXTURE_CONFIG_FILE } from '../fixtures/configs/index.js'

const GOLDEN = join(ROOT, 'test/golden/environments')
const VERBATIM = new Set(['functions/server.mjs', 'keycloak/sync.mjs', 'verifier/verifier.mjs'])

describe.each([['default', undefined], ['staging', 'staging'], ['prod', 'prod']] as const)('environment %s', (name, env) => {
  test('matches the golden tree', async () => {
    const outDir = tempDir()
    await generate({ config, configFile: FIXTURE_CONFIG_FILE, outDir, ...(env === undefined ? {} : { env }) })
    const tree = readTree(outDir)
    // The runtime and the other verbatim blueprints are the same in every environment (golden.test.ts checks them).
    const committed = [...tree.keys()].filter((path) => path !== '.env' && !VERBATIM.has(path) && !path.startsWith('functions/')).sort()
    await expect(`${[...tree.keys()].filter((p) => p !== '.env').sort().join('\n')}\n`).toMatchFileSnapshot(join(GOLDEN, `${name}.files.txt`))
    for (const path of committed) await expect(tree.get(path)!.contents.toString('utf8')).toMatchFileSnapshot(join(GOLDEN, name, path))
  })
})

/** A project folder holding the fixture config as JSON, its function folders beside it. */
function project(): string {
  const dir = tempDir()
  const functions = join(ROOT, 'test/fixtures/functions')
  const json = structuredClone(config) as unknown as { functions: { source: string }[] }
  for (const fn of json.functions) fn.source = join(functions, fn.source.replace('./functions/', ''))
  writeConfig(dir, json)
  return dir
}

const secrets = (dir: string) => dotenvValues(parseDotenv(readFileSync(join(dir, '.env'), 'utf8')))

test('each environment writes its own folder beside generated/, with its own project and its own secrets', async () => {
  const dir = project()
  const base = await generate({ cwd: dir })
  const staging = await generate({ cwd: dir, env: 'staging' })
  const prod = await generate({ cwd: dir, env: 'prod' })
  expect([base.outDir, staging.outDir, prod.outDir]).toEqual([join(dir, 'generated'), join(dir, 'generated.staging'), join(dir, 'generated.prod')])
  const compose = (out: string) => readFileSync(join(out, 'docker-compose.yml'), 'utf8')
  expect(compose(base.outDir)).toMatch(/^name: "shop"$/m)
  expect(compose(staging.outDir)).toMatch(/^name: "shop-staging"$/m)
  expect(compose(prod.outDir)).toMatch(/^name: "shop-live"$/m)
  // Not one secret shared: every value of one .env differs from the same key's value in the others.
  const [a, b, c] = [secrets(base.outDir), secrets(staging.outDir), secrets(prod.outDir)]
  const shared = [...a.keys()].filter((key) => /PASSWORD|SECRET|KEY/.test(key) && (a.get(key) === b.get(key) || a.get(key) === c.get(key)))
  expect(shared).toEqual([])
})

test("generating one environment never touches another's files", async () => {
  const dir = project()
  await generate({ cwd: dir })
  await generate({ cwd: dir, env: 'staging' })
  const before = { base: readTree(join(dir, 'generated')), staging: readTree(join(dir, 'generated.staging')) }
  // prod's first write, then a change to prod only, regenerated.
  await generate({ cwd: dir, env: 'prod' })
  const file = join(dir, 'sparkbaas.config.json')
  const changed = JSON.parse(readFileSync(file, 'utf8')) as { environments: { prod: { domain: string } } }
  changed.environments.prod.domain = 'shop.example.org'
  writeFileSync(file, JSON.stringify(changed))
  await generate({ cwd: dir, env: 'prod' })
  expect(readTree(join(dir, 'generated'))).toEqual(before.base)
  expect(readTree(join(dir, 'generated.staging'))).toEqual(before.staging)
  // Each folder's own drift check: the base and staging are unchanged by prod's edit, so both are still current.
  expect((await generate({ cwd: dir, check: true })).upToDate).toBe(true)
  expect((await generate({ cwd: dir, env: 'staging', check: true })).upToDate).toBe(true)
  expect((await generate({ cwd: dir, env: 'prod', check: true })).upToDate).toBe(true)
})

test("--out at another environment's folder is refused, and nothing in it changes", async () => {
  const dir = project()
  await generate({ cwd: dir })
  const before = readTree(join(dir, 'generated'))
  await expect(generate({ cwd: dir, env: 'prod', outDir: 'generated' })).rejects.toMatchObject({
    code: 'write_failed',
    message: `${join(dir, 'generated')} holds the stack of the default environment, not of environment "prod": environments never share an output folder (nor the secrets in its .env). Nothing was changed.`,
    hint: 'Leave out --out so environment "prod" gets its own folder, or pass a folder of its own.',
  })
  expect(readTree(join(dir, 'generated'))).toEqual(before)
  await generate({ cwd: dir, env: 'prod' })
  await expect(generate({ cwd: dir, env: 'staging', outDir: 'generated.prod' })).rejects.toMatchObject({
    message: expect.stringContaining('holds the stack of environment "prod", not of environment "staging"'),
  })
  await expect(generate({ cwd: dir, outDir: 'generated.prod' })).rejects.toMatchObject({
    message: expect.stringContaining('holds the stack of environment "prod", not of the default environment'),
  })
})
