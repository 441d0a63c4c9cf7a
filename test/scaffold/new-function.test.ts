/**
 * `newFunction`, in-process: the folder lands beside the config wherever the command runs, the printed entry is
 * exactly what makes the config valid, and every refusal says why and writes nothing.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { parse as parseYaml } from 'yaml'
import { describe, expect, test } from 'vitest'
import { loadAndCheck } from '../../src/config/load-and-check.js'
import { isSparkbaasError, type SparkbaasError } from '../../src/errors.js'
import { initProject } from '../../src/scaffold/init.js'
import { checkFunctionName, formatValue, functionEntry, functionRoute, newFunction, syntaxOf } from '../../src/scaffold/new-function.js'
import { readTree, rejection, tempDir } from './_helpers.js'

function thrown(fn: () => void): SparkbaasError {
  try {
    fn()
  } catch (error) {
    if (isSparkbaasError(error)) return error
    throw error
  }
  throw new Error('expected a throw')
}

/** A project with a JSON config, which a test can edit as data. */
function jsonProject(config: object = { project: 'demo' }): string {
  const dir = tempDir()
  writeFileSync(path.join(dir, 'sparkbaas.config.json'), JSON.stringify(config))
  return dir
}

describe('newFunction', () => {
  test('writes functions/<name>/index.ts beside the config and adds it, with its route, to the config, which stays valid', async () => {
    const dir = jsonProject()
    const result = await newFunction({ name: 'report', cwd: dir })
    expect(result).toEqual({
      name: 'report',
      file: path.join(dir, 'functions/report/index.ts'),
      configFile: path.join(dir, 'sparkbaas.config.json'),
      syntax: 'json',
      entry: { name: 'report', source: './functions/report' },
      route: { host: 'api', path: '/fn/report', to: { function: 'report' }, stripPrefix: true },
      inConfig: false,
      routed: false,
      withRoute: true,
      edited: true,
    })
    const file = readTree(dir)['functions/report/index.ts']
    await expect(file).toMatchFileSnapshot('../golden/scaffold/functions/report/index.ts')

    expect(readTree(dir)['sparkbaas.config.json']).toBe(JSON.stringify({ project: 'demo', functions: [result.entry], routes: [result.route] }))
    const { config } = await loadAndCheck({ cwd: dir })
    expect(config.functions.map((fn) => fn.name)).toEqual(['report'])
    expect(config.routes.map((route) => route.path)).toEqual(['/fn/report'])
  })

  test('route: false adds the function alone', async () => {
    const dir = jsonProject({ project: 'demo', routes: [] })
    const result = await newFunction({ name: 'report', cwd: dir, route: false })
    expect(result).toMatchObject({ withRoute: false, edited: true })
    expect(JSON.parse(readTree(dir)['sparkbaas.config.json']!)).toEqual({ project: 'demo', routes: [], functions: [result.entry] })
  })

  test('a config it cannot edit safely is left as it was, with the reason; the folder is still written', async () => {
    const dir = tempDir()
    const text = 'project:   demo\n'
    writeFileSync(path.join(dir, 'sparkbaas.config.yaml'), text)
    const result = await newFunction({ name: 'report', cwd: dir })
    expect(result).toMatchObject({
      edited: false,
      reason: 'the yaml package would lay it out differently, so writing it again would reformat more than the new entries',
    })
    expect(readTree(dir)).toEqual({ 'functions/report/index.ts': expect.any(String), 'sparkbaas.config.yaml': text })
  })

  test('from a subfolder, it still lands beside the config', async () => {
    const dir = jsonProject()
    mkdirSync(path.join(dir, 'src/deep'), { recursive: true })
    const result = await newFunction({ name: 'deep-one', cwd: path.join(dir, 'src/deep') })
    expect(result.file).toBe(path.join(dir, 'functions/deep-one/index.ts'))
  })

  test('--config names the config file; its folder is used', async () => {
    const root = tempDir()
    mkdirSync(path.join(root, 'stack'))
    writeFileSync(path.join(root, 'stack', 'sparkbaas.config.yaml'), 'project: demo\n')
    const result = await newFunction({ name: 'x', cwd: root, configFile: 'stack/sparkbaas.config.yaml' })
    expect(result.file).toBe(path.join(root, 'stack/functions/x/index.ts'))
    expect(result.syntax).toBe('yaml')
  })

  test('next to the starter of init (a .ts config importing sparkbaas) it loads the config without the function in it', async () => {
    const dir = tempDir()
    await initProject({ cwd: dir })
    const before = readTree(dir)['sparkbaas.config.ts']!
    const result = await newFunction({ name: 'stats', cwd: dir })
    expect(result).toMatchObject({ syntax: 'ts', inConfig: false, routed: false, edited: true })
    expect(Object.keys(readTree(dir))).toContain('functions/stats/index.ts')
    const after = readTree(dir)['sparkbaas.config.ts']!
    expect(after).toBe(
      before
        .replace("{ GREETING: 'Hello' } },\n", "{ GREETING: 'Hello' } },\n    { name: 'stats', source: './functions/stats' },\n")
        .replace("roles: ['admin'] } },\n  ],", "roles: ['admin'] } },\n    { host: 'api', path: '/fn/stats', to: { function: 'stats' }, stripPrefix: true },\n  ],"),
    )
    await loadAndCheck({ cwd: dir })
  })

  test('a config that does not pass the checks still works: it is only loaded', async () => {
    const dir = jsonProject({ project: 'Not Valid', functions: [{ name: 'ghost', source: './nowhere' }] })
    expect(await newFunction({ name: 'ok', cwd: dir })).toMatchObject({ inConfig: false, edited: true })
  })

  test('a function the config already lists at functions/<name> (entry written first): scaffolded, and said so', async () => {
    const dir = jsonProject({
      project: 'demo',
      functions: [{ name: 'later', source: 'functions/later/' }],
      routes: [{ host: 'api', to: { function: 'later' } }],
    })
    const result = await newFunction({ name: 'later', cwd: dir })
    expect(result).toMatchObject({ inConfig: true, routed: true, withRoute: false, edited: false, reason: 'it already lists the function' })
    await loadAndCheck({ cwd: dir })
  })

  test('listed but not routed: the config is left for its author, the route returned to print', async () => {
    const config = { project: 'demo', functions: [{ name: 'later', source: './functions/later' }] }
    const dir = jsonProject(config)
    const result = await newFunction({ name: 'later', cwd: dir })
    expect(result).toMatchObject({ inConfig: true, routed: false, withRoute: true, edited: false, reason: 'it already lists the function, so the route is left for you to add' })
    expect(JSON.parse(readTree(dir)['sparkbaas.config.json']!)).toEqual(config)
  })
})

describe('refusals: a usage error, nothing written', () => {
  test.each([
    ['My Fn', '"My Fn" is not a valid function name: expected lowercase letters, digits, "-" and "_", starting with a letter, at most 39 characters.', 'For example: `sparkbaas function new my-fn`.'],
    ['../evil', '"../evil" is not a valid function name: expected lowercase letters, digits, "-" and "_", starting with a letter, at most 39 characters.', 'For example: `sparkbaas function new evil`.'],
    ['', '"" is not a valid function name: expected lowercase letters, digits, "-" and "_", starting with a letter, at most 39 characters.', 'For example: `sparkbaas function new my-name`.'],
    ['9lives', '"9lives" is not a valid function name: expected lowercase letters, digits, "-" and "_", starting with a letter, at most 39 characters.', 'For example: `sparkbaas function new app-9lives`.'],
    ['a\nb"c', '"a\\nb\\"c" is not a valid function name: expected lowercase letters, digits, "-" and "_", starting with a letter, at most 39 characters.', 'For example: `sparkbaas function new a-b-c`.'],
    ['日本', '"日本" is not a valid function name: expected lowercase letters, digits, "-" and "_", starting with a letter, at most 39 characters.', 'For example: `sparkbaas function new my-name`.'],
    ['Server', '"Server" is not a valid function name: expected lowercase letters, digits, "-" and "_", starting with a letter, at most 39 characters.', 'For example: `sparkbaas function new my-name`.'],
    ['server', '"server" cannot name a function: the functions runtime uses functions/server.mjs itself.', 'Choose another name, e.g. `sparkbaas function new my-server`.'],
  ])('name %j', async (name, message, hint) => {
    const dir = jsonProject()
    const error = await rejection(newFunction({ name, cwd: dir }))
    expect({ code: error.code, exitCode: error.exitCode, message: error.message, hint: error.hint }).toEqual({ code: 'usage', exitCode: 2, message, hint })
    expect(Object.keys(readTree(dir))).toEqual(['sparkbaas.config.json'])
  })

  test('the folder exists: no --force, it never overwrites', async () => {
    const dir = jsonProject()
    mkdirSync(path.join(dir, 'functions/taken'), { recursive: true })
    writeFileSync(path.join(dir, 'functions/taken/main.js'), 'x')
    const error = await rejection(newFunction({ name: 'taken', cwd: dir }))
    expect([error.code, error.exitCode, error.message, error.hint]).toEqual([
      'usage',
      2,
      `${path.join(dir, 'functions/taken')} already exists.`,
      '`function new` never overwrites a folder (it has no --force): choose another name, or remove the folder first.',
    ])
    expect(Object.keys(readTree(dir))).toEqual(['functions/taken/main.js', 'sparkbaas.config.json'])
  })

  test('the config has a function of that name elsewhere', async () => {
    const dir = jsonProject({ project: 'demo', functions: [{ name: 'dup', source: './lib/dup' }] })
    const error = await rejection(newFunction({ name: 'dup', cwd: dir }))
    expect([error.code, error.message, error.hint]).toEqual([
      'usage',
      `${path.join(dir, 'sparkbaas.config.json')} already has a function named "dup", with source "./lib/dup".`,
      'Function names are unique: choose another name.',
    ])
    expect(Object.keys(readTree(dir))).toEqual(['sparkbaas.config.json'])
  })

  test('no config anywhere: the loader\'s own error, pointing at init', async () => {
    const dir = tempDir()
    const error = await rejection(newFunction({ name: 'x', cwd: dir }))
    expect([error.code, error.hint]).toEqual(['config_not_found', 'Run `sparkbaas init` to create sparkbaas.config.ts, or pass --config PATH.'])
    expect(readTree(dir)).toEqual({})
  })

  test('checkFunctionName accepts the identifier rule', () => {
    for (const name of ['a', 'hello', 'my_fn', 'my-fn-2', 'x'.repeat(39)]) expect(() => checkFunctionName(name)).not.toThrow()
    expect(thrown(() => checkFunctionName('x'.repeat(40))).code).toBe('usage')
  })
})

describe('the printed entry, in the syntax of the config file', () => {
  const entry = functionEntry('my-fn')
  const route = functionRoute('my-fn')

  test('TypeScript: the literal the task promises, and it evaluates to the entry', () => {
    expect(formatValue(entry, 'ts')).toBe("{ name: 'my-fn', source: './functions/my-fn' }")
    expect(formatValue(route, 'ts')).toBe("{ host: 'api', path: '/fn/my-fn', to: { function: 'my-fn' }, stripPrefix: true }")
    expect(new Function(`return ${formatValue(route, 'ts')}`)()).toEqual(route)
  })

  test('JSON and YAML parse back to the same values', () => {
    for (const value of [entry, route]) {
      expect(JSON.parse(formatValue(value, 'json'))).toEqual(value)
      expect(parseYaml(formatValue(value, 'yaml'))).toEqual(value)
    }
  })

  test.each([
    ['/p/sparkbaas.config.ts', 'ts'],
    ['/p/sparkbaas.config.mjs', 'ts'],
    ['/p/.sparkbaasrc.js', 'ts'],
    ['/p/sparkbaas.config.json', 'json'],
    ['/p/package.json', 'json'],
    ['/p/.sparkbaasrc', 'yaml'],
    ['/p/sparkbaas.config.yml', 'yaml'],
  ])('%s → %s', (file, syntax) => {
    expect(syntaxOf(file)).toBe(syntax)
  })
})
