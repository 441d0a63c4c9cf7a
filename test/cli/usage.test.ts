/**
 * The CLI's own surface: --version, --help, usage mistakes (exit 2), colour, and what start-up loads.
 */
import { readFileSync } from 'node:fs'
import { readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ROOT, STACK_LINE, sparkbaas, tempDir } from '../helpers/cli.js'

const { version } = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }

test('--version prints the package version', async () => {
  for (const flag of ['--version', '-v']) {
    const result = await sparkbaas([flag])
    expect(result).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' })
  }
})

test('--help lists every command with its description', async () => {
  const result = await sparkbaas(['--help'])
  expect(result.code).toBe(0)
  expect(result.stdout).toContain(`(sparkbaas v${version})`)
  // Descriptions wrap at 80 columns (test/cli/help.test.ts).
  expect(result.stdout).toMatch(/^\s+validate\s+Check the config and print a one-line summary of the\s+stack\.$/m)
  expect(result.stdout).toMatch(/^\s+schema\s+Write the JSON Schema for sparkbaas\.config\.json \/ \.yaml\s+\(editor completion\)\.$/m)
})

test('<command> --help shows that command’s options', async () => {
  const result = await sparkbaas(['validate', '--help'])
  expect(result.code).toBe(0)
  expect(result.stdout).toContain('USAGE sparkbaas validate [OPTIONS]')
  expect(result.stdout).toMatch(/--config=<path>\s+Config file to use/)
  expect(result.stdout).toMatch(/--json\s+Print the result as JSON on stdout/)
})

describe('--help loads no command module and no heavy dependency', () => {
  let dir: string
  beforeAll(async () => {
    dir = await tempDir()
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  // The trace hook records each module the process resolves (test/helpers/import-trace.mjs).
  const traced = async (args: string[]) => {
    const trace = path.join(dir, `${args.join('_')}.txt`)
    const hook = path.join(ROOT, 'test/helpers/import-trace.mjs')
    const result = await sparkbaas(args, { env: { IMPORT_TRACE_FILE: trace, NODE_OPTIONS: `--import ${hook}` } })
    return { result, modules: (await readFile(trace, 'utf8')).split('\n') }
  }
  const heavy = /\/(zod|cosmiconfig|jiti|yaml)\/|\/dist\/(cli\/commands|config|model|render)\//
  /**
   * The modules a loaded file stands for. The CLI runs bundled (dist/bin/, scripts/bundle-cli.mjs): a chunk is
   * read for the `// <path>` line esbuild writes above each module it holds.
   */
  const sources = (url: string): string[] =>
    url.includes('/dist/bin/')
      ? [...readFileSync(fileURLToPath(url), 'utf8').matchAll(/^\/\/ ((?:node_modules|dist)\/\S+)$/gm)].map((m) => `/${m[1]}`)
      : [url]
  const heavyIn = (modules: string[]) => modules.flatMap(sources).filter((source) => heavy.test(source))

  test.each([['--help'], ['help']])('sparkbaas %s', async (flag) => {
    const { result, modules } = await traced([flag])
    expect(result.code).toBe(0)
    expect(heavyIn(modules)).toEqual([])
  })

  test('the trace sees them when a command runs (so the check above can fail)', async () => {
    const { result, modules } = await traced(['validate'])
    expect(result.code).toBe(0)
    expect(heavyIn(modules).filter((source) => /\/zod\/|\/dist\/config\//.test(source))).not.toEqual([])
  })
})

describe('usage mistakes exit 2 with the culprit named and no stack', () => {
  test.each([
    [['validate', '--bogus'], '✖ Unknown option --bogus for `sparkbaas validate`.\nhint: Run `sparkbaas validate --help` to see its options.\n'],
    [['validate', '--bogus=1'], '✖ Unknown option --bogus for `sparkbaas validate`.\nhint: Run `sparkbaas validate --help` to see its options.\n'],
    [['--bogus', 'validate'], '✖ Unknown option --bogus for `sparkbaas`.\nhint: Run `sparkbaas --help` to see its options.\n'],
    [['validate', '--config'], '✖ Option --config needs a value: --config PATH.\nhint: Run `sparkbaas validate --help` to see its usage.\n'],
    [['validate', '--config', '--json'], null],
    [['schema', '--out'], '✖ Option --out needs a value: --out PATH.\nhint: Run `sparkbaas schema --help` to see its usage.\n'],
    [['validate', 'extra'], '✖ Unexpected argument "extra" for `sparkbaas validate`.\nhint: Run `sparkbaas validate --help` to see its usage.\n'],
  ])('sparkbaas %j', async (args, stderr) => {
    const result = await sparkbaas(args)
    expect(result.code).toBe(2)
    expect(result.raw.stderr).not.toMatch(STACK_LINE)
    if (stderr === null) {
      // With --json the same mistake is reported as JSON on stdout.
      expect(JSON.parse(result.stdout)).toEqual({
        ok: false,
        problems: [{ path: '', message: 'Option --config needs a value: --config PATH.', code: 'usage' }],
      })
    } else {
      expect(result.stderr).toBe(stderr)
      expect(result.stdout).toBe('')
    }
  })

  test('an unknown command too far from any for a guess: the commands there are', async () => {
    const result = await sparkbaas(['frobnicate'])
    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
    // The list grows with the CLI; validate and schema are two of them.
    expect(result.stderr).toMatch(/^✖ Unknown command "frobnicate"\.\nhint: The commands are: (\w+, )*validate, (\w+, )*schema(, \w+)*\. Run `sparkbaas --help` for more\.\n$/)
  })

  test('no command: the usage, then the error', async () => {
    const result = await sparkbaas([])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^USAGE sparkbaas <command> \[OPTIONS\]$/m)
    expect(result.stderr).toMatch(/^ {2}validate +Check the config/m)
    expect(result.stderr).toMatch(/\n✖ No command given\.\nhint: Run `sparkbaas <command>`, e.g\. `sparkbaas validate`\.\n$/)
  })
})

describe('colour', () => {
  const ansi = /\x1b\[/
  test('none when stdout and stderr are pipes', async () => {
    const ok = await sparkbaas(['validate'])
    const failed = await sparkbaas(['validate', '--config', 'missing.ts'])
    const help = await sparkbaas(['--help'], { env: { TEST: undefined, CI: undefined } })
    expect([ok.raw.stdout, failed.raw.stderr, help.raw.stdout].filter((text) => ansi.test(text))).toEqual([])
  })

  test('FORCE_COLOR turns it on, and NO_COLOR wins over it', async () => {
    const forced = await sparkbaas(['validate'], { env: { FORCE_COLOR: '1' } })
    expect(forced.raw.stdout).toBe('\x1b[32m✔\x1b[39m acme: 12 services, 6 routes (sparkbaas.config.ts)\n')
    const both = await sparkbaas(['validate', '--config', 'missing.ts'], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } })
    expect(both.raw.stderr).not.toMatch(ansi)
  })
})
