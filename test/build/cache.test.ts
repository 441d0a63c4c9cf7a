/**
 * The build cache (src/build/cache.ts, inputs.ts): an unchanged project starts no esbuild build, and a cached bundle
 * is never reused once anything esbuild read, or would read differently, has changed.
 *
 * What decides resolution, from esbuild's resolver (evanw/esbuild internal/resolver/resolver.go): `dirInfoUncached`
 * reads package.json and tsconfig.json (else jsconfig.json) in every folder above a file; `loadAsFileOrDirectory`
 * tries `x`, then `x` + each resolve extension (.tsx, .ts, .jsx, .js, .css, .json by default), then `x/` as a folder
 * (its package.json `main`, then `index.*`); `loadNodeModules` tries tsconfig `paths` / `baseUrl` first, then
 * `node_modules/<pkg>` in each folder upwards, where the package's package.json `exports` or `main` decides the file.
 * Each test below changes one of those and fails if the cache ignored it: the rebuilt bundle differs from the
 * cached one and equals what a build without the cache gives.
 */
import { lutimesSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, test } from 'vitest'
import { CACHE_FILE, cacheKey, readCache } from '../../src/build/cache.js'
import { buildFunctions, esbuildBuilds } from '../../src/build/functions.js'
import { parseJsonc } from '../../src/build/inputs.js'
import { configSchema } from '../../src/config/schema.js'
import { generate } from '../../src/generate.js'
import { resolveModel } from '../../src/model/resolve.js'
import { BASE_CONFIG, makeProject, ROOT } from '../generate/helpers.js'

const SPAWN_LOG_HOOK = fileURLToPath(new URL('../helpers/spawn-log.cjs', import.meta.url))

const modelOf = (config: object, dir: string) => resolveModel(configSchema.parse(config), { configFile: join(dir, 'sparkbaas.config.json') })

afterEach(() => {
  delete process.env.SPARKBAAS_BUILD_CACHE
})

/** Sets every mtime under `dir` an hour back: the cache trusts no path modified just before its build (RACY_MS). */
function age(dir: string): void {
  const past = new Date(Date.now() - 3_600_000)
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name)
      if (entry.isDirectory()) walk(path)
      if (entry.isSymbolicLink()) lutimesSync(path, past, past)
      else utimesSync(path, past, past)
    }
  }
  walk(dir)
  utimesSync(dir, past, past)
}

function write(dir: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), text)
  }
}

/** A project whose one function `hello` is `index` (entry) plus `files`; its output folder's private dir made. */
function project(files: Record<string, string>, index: string, config: object = BASE_CONFIG): string {
  const dir = makeProject(config)
  write(dir, { 'functions/hello/index.ts': index, ...files })
  mkdirSync(join(dir, 'generated', '.sparkbaas'), { recursive: true })
  age(dir)
  return dir
}

const cached = (dir: string, config: object = BASE_CONFIG, writeBack = true) =>
  buildFunctions(modelOf(config, dir), { cache: { outDir: join(dir, 'generated'), write: writeBack } })

/** Builds with the cache, then again (no esbuild build), then changes the project: it must be built again. */
async function expectRebuiltAfter(dir: string, change: (dir: string) => object | void): Promise<void> {
  const first = (await cached(dir)).get('hello')
  const count = esbuildBuilds()
  expect((await cached(dir)).get('hello')).toBe(first)
  expect(esbuildBuilds()).toBe(count)

  const config = change(dir) ?? BASE_CONFIG
  age(dir)
  const after = (await cached(dir, config)).get('hello')
  expect(esbuildBuilds()).toBeGreaterThan(count)
  expect(after).not.toBe(first)
  expect(after).toBe((await buildFunctions(modelOf(config, dir))).get('hello'))
  // And that new bundle is cached in turn.
  const again = esbuildBuilds()
  expect((await cached(dir, config)).get('hello')).toBe(after)
  expect(esbuildBuilds()).toBe(again)
}

describe('the build cache reuses a bundle only while nothing it depends on changed', () => {
  test('the entry file', async () => {
    const dir = project({}, 'export default () => 1\n')
    await expectRebuiltAfter(dir, (d) => write(d, { 'functions/hello/index.ts': 'export default () => 2\n' }))
  })

  test('an imported relative file', async () => {
    const dir = project({ 'functions/hello/lib.ts': 'export const x = 1\n' }, "import { x } from './lib'\nexport default () => x\n")
    await expectRebuiltAfter(dir, (d) => write(d, { 'functions/hello/lib.ts': 'export const x = 2\n' }))
  })

  test('a new file that now wins resolution: ./lib.ts beside ./lib/index.ts', async () => {
    const dir = project({ 'functions/hello/lib/index.ts': 'export const x = "folder"\n' }, "import { x } from './lib'\nexport default () => x\n")
    await expectRebuiltAfter(dir, (d) => write(d, { 'functions/hello/lib.ts': 'export const x = "file"\n' }))
  })

  test('a new file that now wins resolution: x.ts before x.js', async () => {
    const dir = project({ 'functions/hello/x.js': 'export const x = "js"\n' }, "import { x } from './x'\nexport default () => x\n")
    await expectRebuiltAfter(dir, (d) => write(d, { 'functions/hello/x.ts': 'export const x = "ts"\n' }))
  })

  test('a deleted input (x.ts gone, x.js takes over)', async () => {
    const dir = project(
      { 'functions/hello/x.js': 'export const x = "js"\n', 'functions/hello/x.ts': 'export const x = "ts"\n' },
      "import { x } from './x'\nexport default () => x\n",
    )
    await expectRebuiltAfter(dir, (d) => rmSync(join(d, 'functions/hello/x.ts')))
  })

  const dep = {
    'node_modules/dep/a.js': 'export const which = "a"\n',
    'node_modules/dep/b.js': 'export const which = "b"\n',
  }
  const usesDep = "import { which } from 'dep'\nexport default () => which\n"

  test("a dependency's package.json exports", async () => {
    const dir = project({ ...dep, 'node_modules/dep/package.json': JSON.stringify({ name: 'dep', exports: { '.': './a.js' } }) }, usesDep)
    await expectRebuiltAfter(dir, (d) => write(d, { 'node_modules/dep/package.json': JSON.stringify({ name: 'dep', exports: { '.': './b.js' } }) }))
  })

  test("a dependency's package.json main", async () => {
    const dir = project({ ...dep, 'node_modules/dep/package.json': JSON.stringify({ name: 'dep', main: 'a.js' }) }, usesDep)
    await expectRebuiltAfter(dir, (d) => write(d, { 'node_modules/dep/package.json': JSON.stringify({ name: 'dep', main: 'b.js' }) }))
  })

  test('a bundled file in node_modules', async () => {
    const dir = project({ ...dep, 'node_modules/dep/package.json': JSON.stringify({ name: 'dep', main: 'a.js' }) }, usesDep)
    await expectRebuiltAfter(dir, (d) => write(d, { 'node_modules/dep/a.js': 'export const which = "a, edited"\n' }))
  })

  test('a closer node_modules that now holds the package', async () => {
    const dir = project({ ...dep, 'node_modules/dep/package.json': JSON.stringify({ name: 'dep', main: 'a.js' }) }, usesDep)
    await expectRebuiltAfter(dir, (d) =>
      write(d, {
        'functions/hello/node_modules/dep/package.json': JSON.stringify({ name: 'dep', main: 'index.js' }),
        'functions/hello/node_modules/dep/index.js': 'export const which = "closer"\n',
      }),
    )
  })

  const paths = (target: string) =>
    `{\n  // comments and trailing commas, as tsconfig files have\n  "compilerOptions": { "paths": { "@lib/*": [${target}], }, },\n}\n`
  const usesLib = "import { v } from '@lib/v'\nexport default () => v\n"
  const libs = { 'src/a/v.ts': 'export const v = "a"\n', 'src/b/v.ts': 'export const v = "b"\n' }

  test('tsconfig.json paths', async () => {
    const dir = project({ ...libs, 'tsconfig.json': paths('"./src/a/*"') }, usesLib)
    await expectRebuiltAfter(dir, (d) => write(d, { 'tsconfig.json': paths('"./src/b/*"') }))
  })

  test('a new file in an earlier tsconfig paths candidate', async () => {
    const dir = project({ 'src/b/v.ts': 'export const v = "b"\n', 'tsconfig.json': paths('"./src/a/*", "./src/b/*"') }, usesLib)
    await expectRebuiltAfter(dir, (d) => write(d, { 'src/a/v.ts': 'export const v = "a"\n' }))
  })

  test('a tsconfig.json that extends another, whose paths change', async () => {
    const dir = project(
      { ...libs, 'tsconfig.json': '{ "extends": "./config/base.json" }\n', 'config/base.json': paths('"../src/a/*"') },
      usesLib,
    )
    await expectRebuiltAfter(dir, (d) => write(d, { 'config/base.json': paths('"../src/b/*"') }))
  })

  test('a tsconfig.json created above the function, whose paths now win over node_modules', async () => {
    const dir = project({ ...dep, 'node_modules/dep/package.json': JSON.stringify({ name: 'dep', main: 'a.js' }), 'src/dep.ts': 'export const which = "paths"\n' }, usesDep)
    await expectRebuiltAfter(dir, (d) => write(d, { 'tsconfig.json': '{ "compilerOptions": { "paths": { "dep": ["./src/dep.ts"] } } }\n' }))
  })

  test('tsconfig.json settings that change the emitted code, not resolution', async () => {
    const dir = project({ 'functions/tsconfig.json': '{ "compilerOptions": { "useDefineForClassFields": true } }\n' }, 'class A { x = 1 }\nexport default () => new A()\n')
    await expectRebuiltAfter(dir, (d) => write(d, { 'functions/tsconfig.json': '{ "compilerOptions": { "useDefineForClassFields": false } }\n' }))
  })

  test('a function folder that is a symbolic link, pointed elsewhere', async () => {
    // The same code in both: only the real path, which esbuild prints in the bundle's `// path` comment, differs.
    const dir = project({ 'shared/one/index.ts': 'export default () => 1\n', 'shared/two/index.ts': 'export default () => 1\n' }, '')
    rmSync(join(dir, 'functions/hello'), { recursive: true })
    symlinkSync(join(dir, 'shared/one'), join(dir, 'functions/hello'))
    age(dir)
    await expectRebuiltAfter(dir, (d) => {
      rmSync(join(d, 'functions/hello'))
      symlinkSync(join(d, 'shared/two'), join(d, 'functions/hello'))
    })
  })

  test('a file a tsconfig.json extends, whose settings change the emitted code', async () => {
    const dir = project(
      { 'tsconfig.json': '{ "extends": "./base" }\n', 'base.json': '{ "compilerOptions": { "useDefineForClassFields": true } }\n' },
      'class A { x = 1 }\nexport default () => new A()\n',
    )
    await expectRebuiltAfter(dir, (d) => write(d, { 'base.json': '{ "compilerOptions": { "useDefineForClassFields": false } }\n' }))
  })

  test('a tsconfig.json extending a package with `exports` is not cached (not followed), so always built', async () => {
    const dir = project(
      {
        'tsconfig.json': '{ "extends": "cfg/base" }\n',
        'node_modules/cfg/package.json': JSON.stringify({ name: 'cfg', exports: { './base': './b.json' } }),
        'node_modules/cfg/b.json': '{}\n',
      },
      'export default () => 1\n',
    )
    await cached(dir)
    const count = esbuildBuilds()
    await cached(dir)
    expect(esbuildBuilds()).toBeGreaterThan(count)
  })

  test("the function's entry moves to another folder", async () => {
    const dir = project({ 'functions/other/index.ts': 'export default () => "other"\n' }, 'export default () => "hello"\n')
    await expectRebuiltAfter(dir, () => ({ ...BASE_CONFIG, functions: [{ ...BASE_CONFIG.functions[0]!, source: './functions/other' }] }))
  })

  test("the function's name: built again under its new name", async () => {
    const dir = project({}, 'export default () => 1\n')
    await cached(dir)
    const renamed = { ...BASE_CONFIG, functions: [{ ...BASE_CONFIG.functions[0]!, name: 'renamed' }], routes: [BASE_CONFIG.routes[1]!] }
    const count = esbuildBuilds()
    await cached(dir, renamed)
    expect(esbuildBuilds()).toBeGreaterThan(count)
  })

  test("esbuild's version, the options, the config folder and sparkbaas's own code are in the key", () => {
    const base = { options: { target: 'node20' }, configDir: '/p', code: [import.meta.url], esbuildVersion: '0.28.2' }
    const key = cacheKey(base)
    expect(cacheKey({ ...base })).toBe(key)
    expect(cacheKey({ ...base, esbuildVersion: '0.28.3' })).not.toBe(key)
    expect(cacheKey({ ...base, options: { target: 'node22' } })).not.toBe(key)
    expect(cacheKey({ ...base, configDir: '/q' })).not.toBe(key)
    expect(cacheKey({ ...base, code: [] })).not.toBe(key)
  })

  test('a cache written under another key (another esbuild version) is not read', async () => {
    const dir = project({}, 'export default () => 1\n')
    await cached(dir)
    const out = join(dir, 'generated')
    const key = (JSON.parse(readFileSync(join(out, CACHE_FILE), 'utf8')) as { key: string }).key
    expect((await readCache(out, key)).entries.size).toBe(1)
    expect((await readCache(out, cacheKey({ options: {}, configDir: dir, code: [], esbuildVersion: '0.0.0' }))).entries.size).toBe(0)
  })
})

describe('the build cache on an unchanged project', () => {
  test('starts no esbuild build, with or without --check, and gives the bytes a build gives', async () => {
    const dir = project({ 'functions/hello/lib.ts': 'export const x = 1\n' }, "import { x } from './lib'\nexport default () => x\n")
    await generate({ cwd: dir })
    age(dir)
    await generate({ cwd: dir })
    const count = esbuildBuilds()
    expect((await generate({ cwd: dir })).upToDate).toBe(true)
    expect((await generate({ cwd: dir, check: true })).upToDate).toBe(true)
    expect(esbuildBuilds()).toBe(count)
    // Without the cache: the same committed bytes, from a real build.
    process.env.SPARKBAAS_BUILD_CACHE = 'off'
    expect((await generate({ cwd: dir, check: true })).upToDate).toBe(true)
    expect(esbuildBuilds()).toBeGreaterThan(count)
  })

  test('the CLI: `generate --check` on an unchanged project starts no esbuild process', () => {
    const dir = project({ 'functions/hello/lib.ts': 'export const x = 1\n' }, "import { x } from './lib'\nexport default () => x\n")
    const log = join(dir, 'spawned.log')
    const cli = (args: string[], env: Record<string, string> = {}) => {
      writeFileSync(log, '')
      const result = spawnSync(process.execPath, [join(ROOT, 'bin/sparkbaas.mjs'), ...args], {
        cwd: dir,
        env: { ...process.env, NODE_OPTIONS: `--require=${SPAWN_LOG_HOOK}`, SPAWN_LOG: log, ...env },
        encoding: 'utf8',
      })
      expect(result.status, result.stderr).toBe(0)
      return readFileSync(log, 'utf8').split('\n').filter((line) => line.includes('esbuild'))
    }
    cli(['generate'])
    age(dir)
    cli(['generate'])
    expect(cli(['generate', '--check'])).toEqual([])
    expect(cli(['generate'])).toEqual([])
    // The hook does see esbuild's process when a build runs.
    expect(cli(['generate', '--check'], { SPARKBAAS_BUILD_CACHE: 'off' })).toHaveLength(1)
  })

  test('bundles from the cache are byte for byte those of a build, over several projects', async () => {
    const projects: [Record<string, string>, string][] = [
      [{}, 'export default function hello() { return 1 }\n'],
      [{ 'functions/hello/lib/index.ts': 'export const x = 1\n' }, "import { x } from './lib'\nexport default () => x\n"],
      [
        { 'node_modules/cjs/package.json': '{"main":"i.js"}', 'node_modules/cjs/i.js': "exports.os = require('node:os').platform\n" },
        "#!/usr/bin/env node\nimport { os } from 'cjs'\nexport default () => os()\n",
      ],
      [{ 'tsconfig.json': '{"compilerOptions":{"baseUrl":"."}}', 'shared/v.ts': 'export const v = 2\n' }, "import { v } from 'shared/v'\nexport default () => v\n"],
    ]
    for (const [files, index] of projects) {
      const dir = project(files, index)
      const built = await cached(dir)
      const count = esbuildBuilds()
      const fromCache = await cached(dir)
      expect(esbuildBuilds()).toBe(count)
      expect(fromCache).toEqual(built)
      expect(fromCache).toEqual(await buildFunctions(modelOf(BASE_CONFIG, dir)))
    }
  })

  test('a corrupt or unreadable cache is no cache: the build runs and the cache is written again', async () => {
    const dir = project({}, 'export default () => 1\n')
    const built = await cached(dir)
    for (const junk of ['{', '{"format":1,"key":"x","entries":null}', 'null', '[]']) {
      writeFileSync(join(dir, 'generated', CACHE_FILE), junk)
      const count = esbuildBuilds()
      expect(await cached(dir)).toEqual(built)
      expect(esbuildBuilds()).toBeGreaterThan(count)
    }
    const count = esbuildBuilds()
    expect(await cached(dir)).toEqual(built)
    expect(esbuildBuilds()).toBe(count)
  })

  test('holds only the current functions, and is private', async () => {
    const two = { ...BASE_CONFIG, functions: [...BASE_CONFIG.functions, { name: 'other', source: './functions/other' }] }
    const dir = project({ 'functions/other/index.ts': 'export default () => 2\n' }, 'export default () => 1\n', two)
    await cached(dir, two)
    const out = join(dir, 'generated')
    const entries = () => Object.keys((JSON.parse(readFileSync(join(out, CACHE_FILE), 'utf8')) as { entries: object }).entries)
    expect(entries()).toHaveLength(2)
    await cached(dir, BASE_CONFIG)
    expect(entries()).toHaveLength(1)
    expect(statSync(join(out, CACHE_FILE)).mode & 0o777).toBe(0o600)
  })

  test('--check and --dry-run write no cache; SPARKBAAS_BUILD_CACHE=off neither reads nor writes one', async () => {
    const dir = project({}, 'export default () => 1\n')
    await cached(dir, BASE_CONFIG, false)
    expect(() => statSync(join(dir, 'generated', CACHE_FILE))).toThrow()
    process.env.SPARKBAAS_BUILD_CACHE = 'off'
    await cached(dir)
    expect(() => statSync(join(dir, 'generated', CACHE_FILE))).toThrow()
    delete process.env.SPARKBAAS_BUILD_CACHE
    await cached(dir)
    process.env.SPARKBAAS_BUILD_CACHE = 'off'
    const count = esbuildBuilds()
    await cached(dir)
    expect(esbuildBuilds()).toBeGreaterThan(count)
  })

  test('a file modified just before the build is not trusted: that bundle is not cached', async () => {
    const dir = project({}, 'export default () => 1\n')
    write(dir, { 'functions/hello/index.ts': 'export default () => 3\n' })
    await cached(dir)
    const count = esbuildBuilds()
    await cached(dir)
    expect(esbuildBuilds()).toBeGreaterThan(count)
  })
})

test('parseJsonc reads comments and trailing commas, and keeps them inside strings', () => {
  expect(parseJsonc('{ /* a */ "a": "x,}//y", // b\n "b": [1, 2,], }')).toEqual({ a: 'x,}//y', b: [1, 2] })
  expect(parseJsonc('{ "a": ')).toBeUndefined()
  expect(parseJsonc('[1]')).toBeUndefined()
})
