/**
 * loadConfig in-process, from src/ (under vitest the `sparkbaas` alias points at src/index.ts). The exact texts
 * users see are asserted in test/cli/validate.test.ts against the built CLI; here: what is found, what is loaded,
 * and which error code comes back.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { loadConfig } from '../../src/config/load.js'
import { SparkbaasError } from '../../src/errors.js'
import { FIXTURES, ROOT, tempDir } from '../helpers/cli.js'

const load = path.join(FIXTURES, 'load')

describe('finds and loads each file type', () => {
  test.each([
    ['ts-config', 'sparkbaas.config.ts', 'from-ts'],
    ['mjs', 'sparkbaas.config.mjs', 'from-mjs'],
    ['json', 'sparkbaas.config.json', 'from-json'],
    ['yaml', 'sparkbaas.config.yaml', 'from-yaml'],
    ['package-json', 'package.json', 'from-package-json'],
  ])('%s', async (dir, file, project) => {
    const result = await loadConfig({ cwd: path.join(load, dir) })
    expect(result.filepath).toBe(path.join(load, dir, file))
    expect(result.configDir).toBe(path.join(load, dir))
    expect(result.config).toMatchObject({ project })
  })

  test('searches the folders above the working directory', async () => {
    const result = await loadConfig({ cwd: path.join(load, 'nested/deeper') })
    expect(result.filepath).toBe(path.join(load, 'nested/sparkbaas.config.ts'))
    expect(result.configDir).toBe(path.join(load, 'nested'))
  })

  test('a configFile is resolved from cwd and used without searching', async () => {
    const result = await loadConfig({ cwd: load, configFile: 'yaml/sparkbaas.config.yaml' })
    expect(result.filepath).toBe(path.join(load, 'yaml/sparkbaas.config.yaml'))
  })

  test('drops the $schema key a JSON config names for editors, and keeps everything else', async () => {
    const { config } = await loadConfig({ cwd: path.join(load, 'json') })
    expect(config).toEqual({
      project: 'from-json',
      services: { cache: { image: 'redis:7-alpine', port: 6379 } },
      routes: [{ host: 'cache', to: { service: 'cache' } }],
    })
  })

  test('the example project loads, including its import of sparkbaas', async () => {
    const { config } = await loadConfig({ cwd: ROOT })
    expect(config).toMatchObject({ project: 'acme', domain: 'localhost' })
  })
})

describe('in a folder of our own', () => {
  let dir: string
  beforeAll(async () => {
    dir = await tempDir()
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  /** Writes `files` into a new subfolder and loads from there. */
  async function loadFrom(name: string, files: Record<string, string>, configFile?: string) {
    const folder = path.join(dir, name)
    await mkdir(folder, { recursive: true })
    for (const [file, contents] of Object.entries(files)) await writeFile(path.join(folder, file), contents)
    return loadConfig({ cwd: folder, ...(configFile !== undefined && { configFile }) })
  }

  async function failure(promise: Promise<unknown>): Promise<SparkbaasError> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(SparkbaasError)
    return error as SparkbaasError
  }

  test('accepts module.exports from a .js file', async () => {
    const { config } = await loadFrom('cjs', { 'sparkbaas.config.js': "module.exports = { project: 'cjs' }\n" })
    expect(config).toEqual({ project: 'cjs' })
  })

  test('prefers package.json#sparkbaas, then .sparkbaasrc, then sparkbaas.config.* within one folder', async () => {
    const files = {
      'sparkbaas.config.json': '{ "project": "from-config" }',
      '.sparkbaasrc': 'project: from-rc',
    }
    expect((await loadFrom('order', files)).config).toEqual({ project: 'from-rc' })
    const withPackage = { ...files, 'package.json': '{ "sparkbaas": { "project": "from-package" } }' }
    expect((await loadFrom('order-pkg', withPackage)).config).toEqual({ project: 'from-package' })
  })

  /** Runs `fn` with a valid config in the temp folder itself, above every test's own subfolder. */
  async function withOuterConfig(fn: () => Promise<void>) {
    const outer = path.join(dir, 'sparkbaas.config.json')
    await writeFile(outer, '{ "project": "outer" }')
    try {
      await fn()
    } finally {
      await rm(outer)
    }
  }

  test('a package.json without a sparkbaas key does not stop the search', () =>
    withOuterConfig(async () => {
      const result = await loadFrom('inner/pkg', { 'package.json': '{ "name": "x" }' })
      expect(result.config).toEqual({ project: 'outer' })
    }))

  test('a TypeScript syntax error gives the line and column', async () => {
    const error = await failure(loadFrom('ts-syntax', { 'sparkbaas.config.ts': 'export default {\n  project: "x" as,\n}\n' }))
    expect(error.code).toBe('config_load_failed')
    expect(error.message).toMatch(new RegExp(`^Could not load ${dir}/ts-syntax/sparkbaas.config.ts:2:\\d+: SyntaxError: `))
  })

  test('a syntax error in a file the config imports names that file', async () => {
    const files = {
      'sparkbaas.config.ts': "import { name } from './helper'\nexport default { project: name }\n",
      'helper.ts': "export const name = 'x' +\n",
    }
    const error = await failure(loadFrom('helper-syntax', files))
    expect(error.message).toMatch(new RegExp(`^Could not load ${dir}/helper-syntax/sparkbaas.config.ts: in ${dir}/helper-syntax/helper.ts:\\d+:\\d+: SyntaxError: `))
  })

  test('a thrown value that is not an Error is shown as it is', async () => {
    const error = await failure(loadFrom('throw-string', { 'sparkbaas.config.mjs': "throw 'no config today'\n" }))
    expect(error.message).toBe(`Could not load ${dir}/throw-string/sparkbaas.config.mjs: it threw 'no config today'`)
  })

  test('an ENOENT thrown inside a config is reported, not mistaken for "no config here"', () =>
    // cosmiconfig skips a search place whose loader fails with ENOENT; the config above must not be found instead.
    withOuterConfig(async () => {
      const source = "import { readFileSync } from 'node:fs'\nexport default JSON.parse(readFileSync('missing.json', 'utf8'))\n"
      const error = await failure(loadFrom('inner/enoent', { 'sparkbaas.config.ts': source }))
      expect(error.code).toBe('config_load_failed')
      expect(error.message).toContain("sparkbaas.config.ts:2: ENOENT: no such file or directory, open 'missing.json'")
    }))

  test('an empty config file is reported rather than skipped in favour of one above', () =>
    withOuterConfig(async () => {
      const error = await failure(loadFrom('inner/empty', { 'sparkbaas.config.yaml': '\n' }))
      expect(error.code).toBe('config_not_object')
      expect(error.message).toBe(`${dir}/inner/empty/sparkbaas.config.yaml is empty.`)
    }))

  test.each([
    ['[1, 2]', 'an array'],
    ['"acme"', 'a string ("acme")'],
    ['42', 'a number (42)'],
    ['null', 'null'],
  ])('a JSON file holding %s is rejected as %s', async (json, what) => {
    const error = await failure(loadFrom(`json-${json.replace(/\W/g, '')}`, { 'sparkbaas.config.json': json }))
    expect(error.code).toBe('config_not_object')
    expect(error.message).toContain(`Its top-level value is ${what}.`)
  })

  test('a class instance is named by its class', async () => {
    const error = await failure(loadFrom('instance', { 'sparkbaas.config.mjs': 'export default new Map()\n' }))
    expect(error.message).toContain('Its default export is an instance of Map.')
  })

  test('a JSON syntax error gives the line and column', async () => {
    const error = await failure(loadFrom('json-syntax', { 'sparkbaas.config.json': '{\n  "project": "x",\n}\n' }))
    expect(error.message).toBe(`Could not load ${dir}/json-syntax/sparkbaas.config.json:3:1: SyntaxError: Expected double-quoted property name`)
  })

  test('a YAML syntax error gives the line and column', async () => {
    const error = await failure(loadFrom('yaml-syntax', { 'sparkbaas.config.yml': 'project: x\nproject: y\n' }))
    expect(error.message).toBe(`Could not load ${dir}/yaml-syntax/sparkbaas.config.yml:2:1: SyntaxError: Map keys must be unique`)
  })

  test('a configFile of an unsupported type is refused before reading it', async () => {
    const error = await failure(loadFrom('toml', {}, 'sparkbaas.toml'))
    expect(error.message).toBe(`Cannot load ${dir}/toml/sparkbaas.toml: ".toml" is not a config file type sparkbaas reads.`)
  })
})
