/**
 * `sparkbaas validate` as a user runs it: the built CLI in a child process, in a fixture folder. Whole outputs are
 * asserted, ANSI stripped and absolute paths replaced (test/helpers/cli.ts).
 */
import { mkdir, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { FIXTURES, ROOT, STACK_LINE, sparkbaas, tempDir } from '../helpers/cli.js'

const fixture = (name: string) => path.join(FIXTURES, 'load', name)

describe('a valid config', () => {
  test('the example project: exit 0 and a one-line summary', async () => {
    const result = await sparkbaas(['validate'], { cwd: ROOT })
    expect(result).toMatchObject({ code: 0, stderr: '' })
    // postgres, keycloak, postgrest, functions, verifier, spark-master, spark-etl, spark-ml, mailpit, traefik.
    expect(result.stdout).toBe('✔ acme: 12 services, 6 routes (sparkbaas.config.ts)\n')
  })

  test.each([
    ['ts-config', '✔ from-ts: 5 services, 1 route (sparkbaas.config.ts)'],
    ['mjs', '✔ from-mjs: 5 services, 1 route (sparkbaas.config.mjs)'],
    ['json', '✔ from-json: 4 services, 1 route (sparkbaas.config.json)'],
    ['yaml', '✔ from-yaml: 6 services, 1 route (sparkbaas.config.yaml)'],
  ])('%s', async (dir, line) => {
    const result = await sparkbaas(['validate'], { cwd: fixture(dir) })
    expect(result).toMatchObject({ code: 0, stdout: `${line}\n`, stderr: '' })
  })

  // `{ project }` alone: Postgres and a Traefik with nothing to serve. Valid, with a warning that says what to add.
  const NOTHING_ROUTED = '! no routes: nothing is reachable from outside the stack — add api: {} and a route such as { host: "api", path: "/rest", to: "api" }\n'
  test.each([
    ['package-json', '✔ from-package-json: 3 services, 0 routes (package.json)'],
    ['nested/deeper', '✔ from-parent: 3 services, 0 routes (../sparkbaas.config.ts)'],
  ])('%s: nothing routed, so a warning on stderr', async (dir, line) => {
    const result = await sparkbaas(['validate'], { cwd: fixture(dir) })
    expect(result).toMatchObject({ code: 0, stdout: `${line}\n`, stderr: NOTHING_ROUTED })
  })

  test('--json lists the warnings', async () => {
    const result = await sparkbaas(['validate', '--json'], { cwd: fixture('package-json') })
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(JSON.parse(result.raw.stdout)).toMatchObject({ ok: true, routes: 0, warnings: [NOTHING_ROUTED.slice(2, -1)] })
  })

  test('--config takes a path relative to the working directory', async () => {
    const result = await sparkbaas(['validate', '--config', 'load/yaml/sparkbaas.config.yaml'], { cwd: FIXTURES })
    expect(result).toMatchObject({ code: 0, stdout: '✔ from-yaml: 6 services, 1 route (load/yaml/sparkbaas.config.yaml)\n' })
  })

  test('--json', async () => {
    const result = await sparkbaas(['validate', '--json'], { cwd: ROOT })
    expect(result.code).toBe(0)
    expect(JSON.parse(result.raw.stdout)).toEqual({
      ok: true,
      project: 'acme',
      services: 12,
      // spark-etl runs 2 replicas.
      containers: 13,
      routes: 6,
      configFile: path.join(ROOT, 'sparkbaas.config.ts'),
      // No --env: the config as written.
      environment: null,
      warnings: [],
    })
  })
})

describe('unpinned images: a warning per image on stderr, exit 0, stdout as without', () => {
  let dir: string
  const KEYCLOAK =
    'images.keycloak: "quay.io/keycloak/keycloak:latest" uses the tag latest, which changes with each release; ' +
    'pin a version tag such as "quay.io/keycloak/keycloak:26.4" or a digest "quay.io/keycloak/keycloak@sha256:…" so every `up`, on every machine, runs the same image'
  const CACHE =
    'services.cache.image: "registry:5000/redis" has no tag, so the engine pulls "registry:5000/redis:latest", which changes with each release; ' +
    'pin a version tag such as "registry:5000/redis:<version>" or a digest "registry:5000/redis@sha256:…" so every `up`, on every machine, runs the same image'
  beforeAll(async () => {
    dir = await tempDir()
    const config = {
      project: 'pins',
      images: { keycloak: 'quay.io/keycloak/keycloak:latest', traefik: 'traefik:v3' },
      services: { cache: { image: 'registry:5000/redis' }, mail: { image: 'registry:5000/mailpit:1.27', port: 8025 } },
      // A route, so the "no routes" note (src/config/notes.ts) does not join the warnings under test.
      routes: [{ host: 'mail', to: { service: 'mail' } }],
    }
    await writeFile(path.join(dir, 'sparkbaas.config.json'), JSON.stringify(config))
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  test('validate', async () => {
    const result = await sparkbaas(['validate'], { cwd: dir })
    expect(result).toMatchObject({ code: 0, stdout: '✔ pins: 5 services, 1 route (sparkbaas.config.json)\n' })
    expect(result.stderr).toBe(`! ${KEYCLOAK}\n! ${CACHE}\n`)
  })

  test('validate --json: the same lines in `warnings`, nothing on stderr', async () => {
    const result = await sparkbaas(['validate', '--json'], { cwd: dir })
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(JSON.parse(result.raw.stdout)).toMatchObject({ ok: true, project: 'pins', warnings: [KEYCLOAK, CACHE] })
  })
})

describe("a user's mistake: exit 1, a clean message, no stack", () => {
  let empty: string
  // cosmiconfig first reads its own settings from the folder sparkbaas runs in (package.json, .config/config.*).
  let brokenPackageJson: string
  let brokenMetaYaml: string
  let refusedMeta: string
  beforeAll(async () => {
    empty = await tempDir()
    brokenPackageJson = await tempDir()
    await writeFile(path.join(brokenPackageJson, 'package.json'), '{"name": "x",,}\n')
    await writeFile(path.join(brokenPackageJson, 'sparkbaas.config.json'), '{ "project": "x" }\n')
    brokenMetaYaml = await tempDir()
    await mkdir(path.join(brokenMetaYaml, '.config'))
    await writeFile(path.join(brokenMetaYaml, '.config/config.yaml'), 'cosmiconfig: [\n')
    await writeFile(path.join(brokenMetaYaml, 'sparkbaas.config.json'), '{ "project": "x" }\n')
    refusedMeta = await tempDir()
    await mkdir(path.join(refusedMeta, '.config'))
    await writeFile(path.join(refusedMeta, '.config/config.json'), '{ "cosmiconfig": { "loaders": 1 } }\n')
    await writeFile(path.join(refusedMeta, 'sparkbaas.config.json'), '{ "project": "x" }\n')
  })
  afterAll(async () => {
    for (const dir of [empty, brokenPackageJson, brokenMetaYaml, refusedMeta]) await rm(dir, { recursive: true, force: true })
  })

  const cases: [string, () => { cwd: string; args?: string[]; tmp?: string }, string][] = [
    [
      'no config anywhere above',
      () => ({ cwd: empty, tmp: empty }),
      '✖ No config found in <tmp> or any folder above it. Looked for sparkbaas.config.{ts,mts,js,mjs,json,yaml,yml}, ' +
        '.sparkbaasrc{,.json,.yaml,.yml,.js,.mjs,.ts,.mts} and a "sparkbaas" key in package.json.\n' +
        'hint: Run `sparkbaas init` to create sparkbaas.config.ts, or pass --config PATH.\n',
    ],
    [
      'a package.json that is not JSON, in the folder sparkbaas runs in',
      () => ({ cwd: brokenPackageJson, tmp: brokenPackageJson }),
      '✖ Could not load <tmp>/package.json:1:14: SyntaxError: Expected double-quoted property name\n' +
        'hint: Fix this file: cosmiconfig, which finds the sparkbaas config, reads it first for its own settings.\n',
    ],
    [
      "cosmiconfig's own settings file that is not YAML",
      () => ({ cwd: brokenMetaYaml, tmp: brokenMetaYaml }),
      '✖ Could not load <tmp>/.config/config.yaml:2:1: SyntaxError: Flow sequence in block collection must be sufficiently indented and end with a ]\n' +
        'hint: Fix this file: cosmiconfig, which finds the sparkbaas config, reads it first for its own settings.\n',
    ],
    [
      "cosmiconfig's own settings that cosmiconfig refuses",
      () => ({ cwd: refusedMeta, tmp: refusedMeta }),
      "✖ Could not read cosmiconfig's own settings in <tmp>: Can not specify loaders in meta config file\n" +
        'hint: cosmiconfig, which finds the sparkbaas config, reads them from a "cosmiconfig" key in package.json or from .config/config.* in this folder: fix or remove them.\n',
    ],
    [
      '--config names a missing file',
      () => ({ cwd: FIXTURES, args: ['--config', 'nope/sparkbaas.config.ts'] }),
      '✖ Config file <fixtures>/nope/sparkbaas.config.ts does not exist.\n' +
        'hint: Check the path given to --config; a relative path starts from <fixtures>.\n',
    ],
    [
      'a syntax error',
      () => ({ cwd: fixture('syntax-error') }),
      '✖ Could not load <fixtures>/load/syntax-error/sparkbaas.config.mjs:5:2: SyntaxError: Unexpected token, expected ","\n',
    ],
    [
      'an exception while the config runs',
      () => ({ cwd: fixture('throws') }),
      "✖ Could not load <fixtures>/load/throws/sparkbaas.config.ts:6: TypeError: Cannot read properties of undefined (reading 'toLowerCase')\n",
    ],
    [
      'a config function that returns no config object',
      () => ({ cwd: fixture('not-object') }),
      '✖ <fixtures>/load/not-object/sparkbaas.config.ts: its config function returned a function, not a config object.\n' +
        "hint: Return the config object: `export default defineConfig(({ env }) => ({ project: 'acme' }))`.\n",
    ],
    [
      'no default export',
      () => ({ cwd: fixture('no-default') }),
      '✖ <fixtures>/load/no-default/sparkbaas.config.mjs has no default export (it exports config).\n' +
        "hint: Export the config as the default export: `export default defineConfig({ project: 'acme' })`.\n",
    ],
    [
      'an empty file',
      () => ({ cwd: fixture('empty-file') }),
      '✖ <fixtures>/load/empty-file/sparkbaas.config.ts is empty.\n' +
        "hint: Export the config object: `export default defineConfig({ project: 'acme' })`.\n",
    ],
    [
      'an invalid config: every problem, one line each',
      () => ({ cwd: fixture('invalid') }),
      '✖ <fixtures>/load/invalid/sparkbaas.config.ts is not a valid config (3 problems):\n' +
        '  project: expected lowercase letters, digits and "-", starting with a letter, at most 39 characters, received "Acme Corp"\n' +
        '  postgres.version: expected number, received string "17" — write 17 without quotes\n' +
        '  extra: unknown key "extra" — allowed keys: project, production, target, kubernetes, domain, tls, ports, images, postgres, api, keycloak, workers, realms, functions, services, routes, resources, environments\n',
    ],
    [
      'shape and cross-reference mistakes together, in the order they appear',
      () => ({ cwd: fixture('shape-and-reference') }),
      '✖ <fixtures>/load/shape-and-reference/sparkbaas.config.ts is not a valid config (3 problems):\n' +
        '  workers[0].cores: expected number, received string "2" — write 2 without quotes\n' +
        '  routes[0].to: "api" routes to PostgREST, which only runs when api is set — add api: {} (anonymous requests only) or api: { realm: "<realm name>" } (that realm\'s tokens too), or remove this route\n' +
        '  routes[1].stripPrefix: expected boolean, received string "yes"\n',
    ],
  ]

  test.each(cases)('%s', async (_name, setup, stderr) => {
    const { cwd, args = [], tmp } = setup()
    const result = await sparkbaas(['validate', ...args], { cwd, ...(tmp !== undefined && { tmp }) })
    expect(result.stderr).toBe(stderr)
    expect(result.stdout).toBe('')
    expect(result.code).toBe(1)
    expect(result.raw.stderr).not.toMatch(STACK_LINE)
  })

  test('--json: the problems on stdout, nothing on stderr', async () => {
    const result = await sparkbaas(['validate', '--json'], { cwd: fixture('invalid') })
    expect(result.code).toBe(1)
    expect(result.stderr).toBe('')
    const output: unknown = JSON.parse(result.raw.stdout)
    expect(output).toMatchObject({
      ok: false,
      problems: [
        { path: 'project', code: 'invalid_format' },
        { path: 'postgres.version', code: 'invalid_type' },
        { path: 'extra', code: 'unknown_key' },
      ],
    })
    // Every problem has exactly these keys, in this order.
    for (const problem of (output as { problems: object[] }).problems) expect(Object.keys(problem)).toEqual(['path', 'message', 'code'])
  })

  test('--json: an error that is not about a config key is one problem at path ""', async () => {
    const result = await sparkbaas(['validate', '--json'], { cwd: fixture('throws') })
    expect(result.code).toBe(1)
    expect(JSON.parse(result.stdout)).toEqual({
      ok: false,
      problems: [
        {
          path: '',
          message: "Could not load <fixtures>/load/throws/sparkbaas.config.ts:6: TypeError: Cannot read properties of undefined (reading 'toLowerCase')",
          code: 'config_load_failed',
        },
      ],
    })
  })
})
