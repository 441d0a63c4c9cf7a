/**
 * Function bundling and the functions folder: npm imports are bundled (CommonJS ones too), no absolute path
 * leaks into the committed bundle, build errors name the config path and file:line, and the generated folder
 * really runs under the runtime.
 */
import { mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, test } from 'vitest'
import { identifier } from '../../src/build/batch-names.js'
import { buildAlone, buildFunctions } from '../../src/build/functions.js'
import { configSchema } from '../../src/config/schema.js'
import { SparkbaasError } from '../../src/errors.js'
import { generate } from '../../src/generate.js'
import { resolveModel } from '../../src/model/resolve.js'
import { renderFunctions } from '../../src/render/functions.js'
import { startServer } from '../runtime/spawn-server.js'
import { BASE_CONFIG, makeProject, tempDir } from './helpers.js'

const modelOf = (config: object, dir: string) => resolveModel(configSchema.parse(config), { configFile: join(dir, 'sparkbaas.config.json') })

describe('buildFunctions', () => {
  test('bundles npm dependencies, including CommonJS ones that require Node built-ins, into one runnable ES module', async () => {
    const dir = makeProject()
    const lib = join(dir, 'node_modules', 'cjs-lib')
    mkdirSync(lib, { recursive: true })
    writeFileSync(join(lib, 'package.json'), JSON.stringify({ name: 'cjs-lib', version: '1.0.0', main: 'index.js' }))
    writeFileSync(join(lib, 'index.js'), "const os = require('node:os')\nexports.shout = (s) => `${s.toUpperCase()} on ${typeof os.platform()}`\n")
    writeFileSync(join(dir, 'functions', 'hello', 'index.ts'), "import { shout } from 'cjs-lib'\nexport default (_req: Request) => ({ said: shout('hi') })\n")

    const bundles = await buildFunctions(modelOf(BASE_CONFIG, dir))
    const code = bundles.get('hello')!
    expect(code).toContain('// node_modules/cjs-lib/index.js')
    expect(code).toContain('// functions/hello/index.ts')
    expect(code).not.toContain(dir)
    expect(code).not.toMatch(/from ["']cjs-lib["']/)

    const file = join(tempDir(), 'hello.mjs')
    writeFileSync(file, code)
    const mod = (await import(pathToFileURL(file).href)) as { default: (r: Request) => unknown }
    expect(mod.default(new Request('http://x/'))).toEqual({ said: 'HI on string' })
  })

  test('a function folder that is a symlink (a package shared in a monorepo) is bundled', async () => {
    // esbuild names entries by their real path; this was an internal error ("produced no bundle").
    const dir = makeProject()
    const shared = join(tempDir(), 'shared-hello')
    renameSync(join(dir, 'functions', 'hello'), shared)
    symlinkSync(shared, join(dir, 'functions', 'hello'))
    const bundles = await buildFunctions(modelOf(BASE_CONFIG, dir))
    const file = join(tempDir(), 'hello.mjs')
    writeFileSync(file, bundles.get('hello')!)
    const mod = (await import(pathToFileURL(file).href)) as { default: (r: Request) => unknown }
    expect(mod.default(new Request('http://x/?name=Ada'))).toEqual({ message: 'Hello, Ada!' })
    expect(bundles.get('hello')).not.toContain(dir)
  })

  test('the same sources give the same bytes', async () => {
    const dir = makeProject()
    const a = await buildFunctions(modelOf(BASE_CONFIG, dir))
    const b = await buildFunctions(modelOf(BASE_CONFIG, dir))
    expect(b.get('hello')).toBe(a.get('hello'))
  })

  test('bundles equal what a build of each function alone gives, whatever the default export and the folder layout', async () => {
    // The shared build names a few symbols after the function's folder where a build alone says "index"
    // (src/build/batch-names.ts): these sources provoke each such name, and the committed bytes must not move.
    const dir = tempDir()
    const sources: Record<string, string> = {
      'functions/named/index.ts': 'export default function named() { return 1 }\n',
      'functions/arrow/index.ts': 'export default () => 2\n',
      'functions/async-arrow/index.mjs': "export default async (request) => new Response('x')\n",
      'functions/anon-fn/index.ts': "export default function () { return 'f' }\n",
      'functions/anon-async/index.ts': "export default async function () { return 'f' }\n",
      'functions/generator/index.ts': 'export default function* () { yield 1 }\n',
      'functions/klass/index.ts': 'export default class { fetch() { return 3 } }\n',
      'functions/number/index.ts': 'export default 42\n',
      'functions/object/index.ts': 'export const x = 1\nexport default { fetch: () => x }\n',
      'functions/in-string/index.ts': "export default () => 'in_string_default'\n",
      'functions/uses-index/index.ts': 'const index_default = 5\nexport default () => index_default\n',
      'functions/uses-own/index.ts': 'const uses_own_default = 5\nexport default () => uses_own_default\n',
      'functions/self/index.ts': "import me from './index'\nexport default () => typeof me\n",
      'functions/a.b/index.ts': "export default () => 'dotted'\n",
      'functions/cjs/index.js': 'module.exports = () => 4\n',
      'functions/self-ns/index.ts': "import * as self from './index'\nexport const x = 5\nexport default function s() { return self.x }\n",
      'functions/clash/index.ts': 'const index_exports = 6\nexport default function c() { return index_exports }\n',
      'functions/clash-own/index.ts': 'const clash_own_exports = 7\nexport default function c() { return clash_own_exports }\n',
      'functions/parent/index.ts': "import { f } from '../index'\nexport default function p() { return f() }\n",
      'functions/index.ts': "export const f = () => 'up'\nexport default () => 0\n",
      'functions/nested/deep/index.mjs': "import u from '../../../lib/util/index.ts'\nexport default async () => u()\n",
      'more/index/index.ts': "export default () => 'folder called index'\n",
      'lib/util/index.ts': "export default () => 'util'\n",
      '../outside-fn/index.ts': "export default () => 'out'\n",
    }
    for (const [path, code] of Object.entries(sources)) {
      mkdirSync(join(dir, 'project', path, '..'), { recursive: true })
      writeFileSync(join(dir, 'project', path), code)
    }
    const folders = Object.keys(sources)
      .filter((path) => /\/index\.[mc]?[jt]s$/.test(path) && !path.startsWith('lib/') && path !== 'functions/index.ts')
      .map((path) => `./${path.slice(0, path.lastIndexOf('/'))}`)
    const functions = [...folders, './functions/arrow'].map((source, i) => ({ name: `fn${i}`, source }))
    const model = modelOf({ project: 'demo', functions }, join(dir, 'project'))
    const together = await buildFunctions(model)
    const esbuild = await import('esbuild')
    for (const fn of model.functions) expect(together.get(fn.name), fn.sourceDir).toBe(await buildAlone(esbuild, model, fn))
    expect(together.get('fn1')).toContain('index_default')
  })

  test("names a folder as esbuild does: letters, digits after the first, one '_' per gap; '_' when nothing is left", () => {
    expect(['my-fn', 'fn2', '2fa', 'a--b', '_x_', 'über-x', '9'].map(identifier)).toEqual(['my_fn', 'fn2', 'fa', 'a_b', 'x', 'ber_x', '_'])
  })

  test('a build error names the config path and the file:line:column, relative to the config', async () => {
    const dir = makeProject({ ...BASE_CONFIG, functions: [{ name: 'other', source: './functions/hello' }, { name: 'hello', source: './functions/broken' }] })
    mkdirSync(join(dir, 'functions', 'broken'))
    writeFileSync(join(dir, 'functions', 'broken', 'index.ts'), "export default () => {\n  return import('./nowhere.js') +\n}\n")
    const error = await generate({ cwd: dir }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SparkbaasError)
    expect((error as SparkbaasError).message).toBe(
      'functions[1].source: could not bundle function "hello":\n  functions/broken/index.ts:3:1: Unexpected "}"',
    )
  })

  test('an unresolvable import is reported the same way', async () => {
    const dir = makeProject()
    writeFileSync(join(dir, 'functions', 'hello', 'index.ts'), "import x from 'not-installed'\nexport default () => x\n")
    await expect(generate({ cwd: dir })).rejects.toThrow(
      'functions[0].source: could not bundle function "hello":\n  functions/hello/index.ts:1:15: Could not resolve "not-installed"',
    )
  })
})

describe('renderFunctions', () => {
  const ctx = (names: string[]) => ({ functionBundles: new Map(names.map((n) => [n, `export default () => ${JSON.stringify(n)}\n`])) })

  test('a sorted manifest with sorted env, one bundle per function with the header, and the runtime', () => {
    const dir = tempDir()
    const config = {
      project: 'demo',
      functions: [
        { name: 'zeta', source: './z', env: { B: '2', A: '1' } },
        { name: 'alpha', source: './a', timeoutMs: 500, memoryMb: 64 },
      ],
    }
    const files = renderFunctions(modelOf(config, dir), ctx(['zeta', 'alpha']))
    expect(files.map((f) => f.path)).toEqual(['functions/alpha.mjs', 'functions/zeta.mjs', 'functions/manifest.json', 'functions/server.mjs'])
    expect(files[0]!.contents).toBe(
      '// Generated by sparkbaas from sparkbaas.config.json. Do not edit: change the config and run `sparkbaas generate`.\nexport default () => "alpha"\n',
    )
    expect(files[2]!.contents).toBe(
      `${JSON.stringify(
        {
          functions: [
            { name: 'alpha', file: 'alpha.mjs', timeoutMs: 500, memoryMb: 64, env: {} },
            { name: 'zeta', file: 'zeta.mjs', timeoutMs: 10000, memoryMb: 256, env: { A: '1', B: '2' } },
          ],
        },
        null,
        2,
      )}\n`,
    )
    expect(files[3]!.contents).toContain('SparkBaaS functions runtime')
  })

  test('no functions and no auth: nothing; an auth route alone: only the verifier', () => {
    const dir = tempDir()
    expect(renderFunctions(modelOf({ project: 'demo' }, dir), ctx([]))).toEqual([])
    const auth = { project: 'demo', realms: [{ name: 'main' }], routes: [{ host: 'auth', to: 'keycloak', auth: { realm: 'main' } }] }
    const files = renderFunctions(modelOf(auth, dir), ctx([]))
    expect(files.map((f) => f.path)).toEqual(['verifier/verifier.mjs'])
    expect(files[0]!.contents).toContain('SparkBaaS token verifier')
  })

  test('a function called "server" would replace the runtime: refused', () => {
    const dir = tempDir()
    const model = modelOf({ project: 'demo', functions: [{ name: 'server', source: './s' }] }, dir)
    expect(() => renderFunctions(model, ctx(['server']))).toThrow('functions[0].name: "server" is taken by the functions runtime (functions/server.mjs).')
  })
})

describe('the generated functions folder', () => {
  test('runs under the runtime: the bundle answers with its env from the manifest', async () => {
    const dir = makeProject()
    await generate({ cwd: dir })
    const functionsDir = join(dir, 'generated', 'functions')
    expect(JSON.parse(readFileSync(join(functionsDir, 'manifest.json'), 'utf8'))).toEqual({
      functions: [{ name: 'hello', file: 'hello.mjs', timeoutMs: 10000, memoryMb: 256, env: { GREETING: 'Hi' } }],
    })
    const server = await startServer(join(functionsDir, 'server.mjs'), {})
    try {
      const res = await fetch(`${server.baseUrl}/hello?name=Ada`)
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ message: 'Hi, Ada!' })
    } finally {
      await server.kill()
    }
  })
})
