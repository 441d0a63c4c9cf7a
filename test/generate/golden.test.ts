/**
 * The whole output tree of each fixture config, kept as readable golden files under
 * test/golden/generate/<fixture>/ (the same paths as in generated/). `.env` is per-machine random: only its keys
 * are kept, in <fixture>.env-keys.txt. <fixture>.files.txt lists the tree, so an added or lost file shows up too.
 * The runtime, verifier and keycloak-sync are shipped verbatim from blueprints/ under a header, so instead of a golden copy per
 * fixture they are compared with the blueprint itself.
 * Update with `npx vitest run test/generate -u` and read the diff.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { generate } from '../../src/generate.js'
import { header } from '../../src/render/header.js'
import { FIXTURE_CONFIG_FILE, FIXTURE_CONFIGS } from '../fixtures/configs/index.js'
import { envKeys, readTree, ROOT, tempDir } from './helpers.js'

const GOLDEN = join(ROOT, 'test/golden/generate')

/** Output path → the blueprint it is a verbatim copy of. */
const VERBATIM: Readonly<Record<string, string>> = {
  'functions/server.mjs': 'blueprints/functions/server.mjs',
  'keycloak/sync.mjs': 'blueprints/keycloak/sync.mjs',
  'verifier/verifier.mjs': 'blueprints/verifier/verifier.mjs',
}

describe.each(Object.keys(FIXTURE_CONFIGS))('%s', (name) => {
  test('matches the golden tree', async () => {
    const outDir = tempDir()
    const result = await generate({ config: FIXTURE_CONFIGS[name], configFile: FIXTURE_CONFIG_FILE, outDir })
    const tree = readTree(outDir)
    const committed = [...tree.keys()].filter((path) => path !== '.env').sort()
    await expect(`${committed.join('\n')}\n`).toMatchFileSnapshot(join(GOLDEN, `${name}.files.txt`))
    for (const path of committed) {
      const contents = tree.get(path)!.contents.toString('utf8')
      const blueprint = VERBATIM[path]
      if (blueprint === undefined) await expect(contents).toMatchFileSnapshot(join(GOLDEN, name, path))
      else expect(contents).toBe(`${header('//', 'sparkbaas.config.ts')}${readFileSync(join(ROOT, blueprint), 'utf8')}`)
    }
    const env = readFileSync(join(outDir, '.env'), 'utf8')
    await expect(`${envKeys(env).join('\n')}\n`).toMatchFileSnapshot(join(GOLDEN, `${name}.env-keys.txt`))
    expect(result.envAdded).toEqual(envKeys(env))
    // What a second machine would see: the same bytes, whatever its .env holds.
    const again = await generate({ config: FIXTURE_CONFIGS[name], configFile: FIXTURE_CONFIG_FILE, outDir: tempDir() })
    expect(again.written.filter((p) => p !== '.env')).toEqual(committed)
    for (const path of committed) expect(readFileSync(join(again.outDir, path), 'utf8'), path).toBe(tree.get(path)!.contents.toString('utf8'))
  })
})

test('generate warns when nothing is routed, and only then', async () => {
  const nothing = await generate({ config: FIXTURE_CONFIGS['postgres-only'], configFile: FIXTURE_CONFIG_FILE, outDir: tempDir(), dryRun: true })
  expect(nothing.warnings).toEqual([
    'no routes: nothing is reachable from outside the stack — add api: {} and a route such as { host: "api", path: "/rest", to: "api" }',
  ])
  const routed = await generate({ config: FIXTURE_CONFIGS['anonymous-api'], configFile: FIXTURE_CONFIG_FILE, outDir: tempDir(), dryRun: true })
  expect(routed.warnings).toEqual([])
})
