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

describe('function new: the entry to add, in the config file\'s syntax', () => {
  test('a .ts config', async () => {
    const { dir, config } = project('sparkbaas.config.ts', "export default { project: 'demo' }\n")
    const result = await run(['new', 'report', '--config', config])
    expect(result).toMatchObject({ code: 0, stderr: '' })
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
    expect(Object.keys(readTree(dir))).toEqual(['functions/report/index.ts', 'sparkbaas.config.ts'])
  })

  test('a YAML config: list items', async () => {
    const { dir, config } = project('sparkbaas.config.yaml', 'project: demo\n')
    const result = await run(['new', 'report', '--config', config])
    expect(result.stdout.replaceAll(dir, '<dir>').split('\n').slice(1, 5)).toEqual([
      'Add it to `functions` in <dir>/sparkbaas.config.yaml:',
      '  - { name: report, source: ./functions/report }',
      'and, to serve it at api.<domain>/fn/report, add to `routes`:',
      '  - { host: api, path: /fn/report, to: { function: report }, stripPrefix: true }',
    ])
  })

  test('package.json: JSON, under the "sparkbaas" key', async () => {
    const { dir, config } = project('package.json', '{"name":"x","sparkbaas":{"project":"demo"}}')
    const result = await run(['new', 'report', '--config', config])
    expect(result.stdout.replaceAll(dir, '<dir>').split('\n').slice(1, 5)).toEqual([
      'Add it to `sparkbaas.functions` in <dir>/package.json:',
      '  { "name": "report", "source": "./functions/report" }',
      'and, to serve it at api.<domain>/fn/report, add to `sparkbaas.routes`:',
      '  { "host": "api", "path": "/fn/report", "to": { "function": "report" }, "stripPrefix": true }',
    ])
  })

  test('already listed and routed: only generate is left', async () => {
    const { dir, config } = project(
      'sparkbaas.config.json',
      JSON.stringify({ project: 'demo', functions: [{ name: 'report', source: './functions/report' }], routes: [{ host: 'api', to: { function: 'report' } }] }),
    )
    const result = await run(['new', 'report', '--config', config])
    expect(result.stdout.replaceAll(dir, '<dir>')).toBe(
      ['✔ Created <dir>/functions/report/index.ts', 'It is already in `functions` of <dir>/sparkbaas.config.json.', 'Then run `npx sparkbaas generate`.', ''].join('\n'),
    )
  })

  test('--json', async () => {
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
