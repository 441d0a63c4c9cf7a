/**
 * The `function new` command module (src/cli/commands/function-new.ts), run in-process under a stub root through
 * the CLI's own runner: what it prints for each config syntax, --json, and its usage errors. The `function`
 * command that mounts it belongs to function.ts; cli.test.ts runs the real `sparkbaas function new`.
 */
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { defineCommand } from 'citty'
import { describe, expect, test, vi } from 'vitest'
import { runCli } from '../../src/cli/run.js'
import functionNew from '../../src/cli/commands/function-new.js'
import { readTree, tempDir } from './_helpers.js'

const root = defineCommand({ meta: { name: 'sparkbaas' }, subCommands: { new: functionNew } })

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true))
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true))
  try {
    const code = await runCli(root, argv)
    return { code, stdout, stderr }
  } finally {
    out.mockRestore()
    err.mockRestore()
  }
}

function project(file: string, contents: string): { dir: string; config: string } {
  const dir = tempDir()
  writeFileSync(path.join(dir, file), contents)
  return { dir, config: path.join(dir, file) }
}

const ADDED_TS = "export default {\n  project: 'demo',\n}\n"

describe('function new: the config file edited', () => {
  test('a .ts config: the function and its route added, said in one line', async () => {
    const { dir, config } = project('sparkbaas.config.ts', ADDED_TS)
    const result = await run(['new', 'report', '--config', config])
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(result.stdout.replaceAll(dir, '<dir>')).toBe(
      [
        '✔ Created <dir>/functions/report/index.ts',
        '✔ Added it to `functions` in <dir>/sparkbaas.config.ts, with a route at api.<domain>/fn/report (no auth).',
        'Then run `npx sparkbaas generate`.',
        '',
      ].join('\n'),
    )
    expect(readTree(dir)['sparkbaas.config.ts']).toBe(
      [
        'export default {',
        "  project: 'demo',",
        '  functions: [',
        "    { name: 'report', source: './functions/report' },",
        '  ],',
        '  routes: [',
        "    { host: 'api', path: '/fn/report', to: { function: 'report' }, stripPrefix: true },",
        '  ],',
        '}',
        '',
      ].join('\n'),
    )
  })

  test('--no-route: the function alone', async () => {
    const { dir, config } = project('sparkbaas.config.ts', ADDED_TS)
    const result = await run(['new', 'report', '--config', config, '--no-route'])
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(result.stdout.replaceAll(dir, '<dir>').split('\n')[1]).toBe(
      '✔ Added it to `functions` in <dir>/sparkbaas.config.ts, without a route: `sparkbaas function invoke report` reaches it.',
    )
    expect(readTree(dir)['sparkbaas.config.ts']).not.toContain('routes')
  })

  test('a route already reaching it: only the function added', async () => {
    const { dir, config } = project('sparkbaas.config.json', JSON.stringify({ project: 'demo', routes: [{ host: 'fn', to: { function: 'report' } }] }, null, 2))
    const result = await run(['new', 'report', '--config', config])
    expect(result.stdout.replaceAll(dir, '<dir>').split('\n')[1]).toBe('✔ Added it to `functions` in <dir>/sparkbaas.config.json; a route already reaches it.')
    expect(JSON.parse(readTree(dir)['sparkbaas.config.json']!)).toEqual({
      project: 'demo',
      routes: [{ host: 'fn', to: { function: 'report' } }],
      functions: [{ name: 'report', source: './functions/report' }],
    })
  })

  test('package.json, under its "sparkbaas" key', async () => {
    const { dir, config } = project('package.json', '{"name":"x","sparkbaas":{"project":"demo"}}')
    const result = await run(['new', 'report', '--config', config])
    expect(result.stdout.replaceAll(dir, '<dir>').split('\n')[1]).toBe('✔ Added it to `functions` in <dir>/package.json, with a route at api.<domain>/fn/report (no auth).')
    expect(JSON.parse(readTree(dir)['package.json']!)).toMatchObject({ name: 'x', sparkbaas: { functions: [{ name: 'report' }], routes: [{ path: '/fn/report' }] } })
  })

  test('--json: edited', async () => {
    const { dir, config } = project('sparkbaas.config.json', '{"project":"demo"}')
    const result = await run(['new', 'report', '--config', config, '--json'])
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual({
      ok: true,
      name: 'report',
      file: path.join(dir, 'functions/report/index.ts'),
      configFile: config,
      entry: { name: 'report', source: './functions/report' },
      route: { host: 'api', path: '/fn/report', to: { function: 'report' }, stripPrefix: true },
      inConfig: false,
      routed: false,
      edited: true,
    })
  })
})

describe('function new: a config it cannot edit safely, left as it was; the entries printed in its syntax', () => {
  test('a .ts config whose default export is a function call', async () => {
    const text = "const make = () => ({ project: 'demo' })\nexport default make()\n"
    const { dir, config } = project('sparkbaas.config.ts', text)
    const result = await run(['new', 'report', '--config', config])
    expect(result.code).toBe(0)
    expect(result.stderr.replaceAll(dir, '<dir>')).toBe(
      '! Left <dir>/sparkbaas.config.ts as it is: its default export is a function call, not `defineConfig({ … })` or an object literal.\n',
    )
    expect(result.stdout.replaceAll(dir, '<dir>')).toBe(
      [
        '✔ Created <dir>/functions/report/index.ts',
        'Add it to `functions` in <dir>/sparkbaas.config.ts:',
        "  { name: 'report', source: './functions/report' },",
        'and, to serve it at api.<domain>/fn/report, add to `routes`:',
        "  { host: 'api', path: '/fn/report', to: { function: 'report' }, stripPrefix: true },",
        'Then run `npx sparkbaas generate`.',
        '',
      ].join('\n'),
    )
    expect(readTree(dir)).toEqual({ 'functions/report/index.ts': expect.any(String), 'sparkbaas.config.ts': text })
  })

  test('--no-route: no route printed either', async () => {
    const { dir, config } = project('sparkbaas.config.ts', "const make = () => ({ project: 'demo' })\nexport default make()\n")
    const result = await run(['new', 'report', '--config', config, '--no-route'])
    expect(result.stdout.replaceAll(dir, '<dir>').split('\n').slice(1)).toEqual([
      'Add it to `functions` in <dir>/sparkbaas.config.ts:',
      "  { name: 'report', source: './functions/report' },",
      'Then run `npx sparkbaas generate`.',
      '',
    ])
  })

  test('a YAML config laid out otherwise than the yaml package writes it: list items', async () => {
    const { dir, config } = project('sparkbaas.config.yaml', 'project:   demo\n')
    const result = await run(['new', 'report', '--config', config])
    expect(result.stderr.replaceAll(dir, '<dir>')).toBe(
      '! Left <dir>/sparkbaas.config.yaml as it is: the yaml package would lay it out differently, so writing it again would reformat more than the new entries.\n',
    )
    expect(result.stdout.replaceAll(dir, '<dir>').split('\n').slice(1, 5)).toEqual([
      'Add it to `functions` in <dir>/sparkbaas.config.yaml:',
      '  - { name: report, source: ./functions/report }',
      'and, to serve it at api.<domain>/fn/report, add to `routes`:',
      '  - { host: api, path: /fn/report, to: { function: report }, stripPrefix: true }',
    ])
  })

  test('package.json laid out otherwise than JSON.stringify writes it: JSON, under the "sparkbaas" key', async () => {
    const { dir, config } = project('package.json', '{ "name": "x", "sparkbaas": { "project": "demo" } }\n')
    const result = await run(['new', 'report', '--config', config])
    expect(result.stderr.replaceAll(dir, '<dir>')).toBe(
      '! Left <dir>/package.json as it is: its layout is not the one JSON.stringify writes, so writing it again would reformat the whole file.\n',
    )
    expect(result.stdout.replaceAll(dir, '<dir>').split('\n').slice(1, 5)).toEqual([
      'Add it to `sparkbaas.functions` in <dir>/package.json:',
      '  { "name": "report", "source": "./functions/report" }',
      'and, to serve it at api.<domain>/fn/report, add to `sparkbaas.routes`:',
      '  { "host": "api", "path": "/fn/report", "to": { "function": "report" }, "stripPrefix": true }',
    ])
  })

  test('already listed and routed: only generate is left, nothing to warn about', async () => {
    const { dir, config } = project(
      'sparkbaas.config.json',
      JSON.stringify({ project: 'demo', functions: [{ name: 'report', source: './functions/report' }], routes: [{ host: 'api', to: { function: 'report' } }] }),
    )
    const result = await run(['new', 'report', '--config', config])
    expect(result.stderr).toBe('')
    expect(result.stdout.replaceAll(dir, '<dir>')).toBe(
      ['✔ Created <dir>/functions/report/index.ts', 'It is already in `functions` of <dir>/sparkbaas.config.json.', 'Then run `npx sparkbaas generate`.', ''].join('\n'),
    )
  })

  test('listed, not routed: the route printed, and why the config was not edited', async () => {
    const { dir, config } = project('sparkbaas.config.json', JSON.stringify({ project: 'demo', functions: [{ name: 'report', source: './functions/report' }] }))
    const result = await run(['new', 'report', '--config', config])
    expect(result.stderr.replaceAll(dir, '<dir>')).toBe('! Left <dir>/sparkbaas.config.json as it is: it already lists the function, so the route is left for you to add.\n')
    expect(result.stdout.replaceAll(dir, '<dir>').split('\n').slice(1)).toEqual([
      'It is already in `functions` of <dir>/sparkbaas.config.json.',
      'To serve it at api.<domain>/fn/report, add to `routes`:',
      '  { "host": "api", "path": "/fn/report", "to": { "function": "report" }, "stripPrefix": true }',
      'Then run `npx sparkbaas generate`.',
      '',
    ])
  })

  test('--json: edited false and the reason', async () => {
    const { config } = project('sparkbaas.config.yaml', 'project:   demo\n')
    const result = await run(['new', 'report', '--config', config, '--json'])
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(JSON.parse(result.stdout)).toMatchObject({
      ok: true,
      inConfig: false,
      edited: false,
      reason: 'the yaml package would lay it out differently, so writing it again would reformat more than the new entries',
    })
  })
})

describe('function new: usage errors exit 2', () => {
  test('a bad name', async () => {
    const { dir, config } = project('sparkbaas.config.json', '{"project":"demo"}')
    const result = await run(['new', 'Bad Name', '--config', config])
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr:
        '✖ "Bad Name" is not a valid function name: expected lowercase letters, digits, "-" and "_", starting with a letter, at most 39 characters.\nhint: For example: `sparkbaas function new bad-name`.\n',
    })
    expect(Object.keys(readTree(dir))).toEqual(['sparkbaas.config.json'])
  })

  test('no name', async () => {
    const result = await run(['new'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^✖ Missing required positional argument: NAME\n/)
  })

  test('--json error', async () => {
    const { config } = project('sparkbaas.config.json', '{"project":"demo"}')
    const result = await run(['new', 'server', '--config', config, '--json'])
    expect(result.code).toBe(2)
    expect(JSON.parse(result.stdout)).toEqual({
      ok: false,
      problems: [{ path: '', code: 'usage', message: '"server" cannot name a function: the functions runtime uses functions/server.mjs itself.' }],
    })
  })
})
