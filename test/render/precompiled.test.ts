/**
 * The built CLI renders the built-in blueprints from templates precompiled by `npm run build`
 * (src/render/precompile.ts); the sources compile them at run time. Both must give the same files. Needs
 * `npm run build` first, as test/entry.test.ts does.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, relative, sep } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, test } from 'vitest'
import { configSchema } from '../../src/config/schema.js'
import { resolveModel } from '../../src/model/resolve.js'
import { BUILTIN_BLUEPRINTS, sha256, type Precompiled } from '../../src/render/blueprints.js'
import { renderAll } from '../../src/render/index.js'
import { FIXTURE_CONFIG_FILE, FIXTURE_CONFIGS } from '../fixtures/configs/index.js'
import { ROOT } from '../helpers/cli.js'

const hbsFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? hbsFiles(join(dir, e.name)) : e.name.endsWith('.hbs') ? [relative(BUILTIN_BLUEPRINTS, join(dir, e.name)).split(sep).join('/')] : [],
  )

test('dist holds every built-in blueprint precompiled, from its current text', () => {
  const precompiled = createRequire(import.meta.url)(join(ROOT, 'dist/render/blueprints.precompiled.cjs')) as Precompiled
  const names = hbsFiles(BUILTIN_BLUEPRINTS).sort()
  expect(Object.keys(precompiled).sort()).toEqual(names)
  for (const name of names) expect(precompiled[name]!.sha256, name).toBe(sha256(readFileSync(join(BUILTIN_BLUEPRINTS, name), 'utf8')))
})

describe.each(Object.keys(FIXTURE_CONFIGS))('%s', (name) => {
  test('precompiled blueprints render the same files as compiled ones', async () => {
    const dist = (await import(pathToFileURL(join(ROOT, 'dist/render/index.js')).href)) as { renderAll: typeof renderAll }
    const model = resolveModel(configSchema.parse(FIXTURE_CONFIGS[name]), { configFile: FIXTURE_CONFIG_FILE })
    const ctx = { functionBundles: new Map(model.functions.map((fn) => [fn.name, `export default () => ${JSON.stringify(fn.name)}\n`])) }
    expect(dist.renderAll(model, ctx)).toEqual(renderAll(model, ctx))
  })
})
