/**
 * Help and usage conventions of the built CLI: `sparkbaas help [command]`, the GLOBAL FLAGS section, 80 columns,
 * "(default: …)", usage lines, `-c`, "Did you mean …?" for unknown commands and options.
 */
import { rm } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ROOT, sparkbaas, tempDir, type CliResult } from '../helpers/cli.js'

/** The names in a help text's COMMANDS section (a row starts with two spaces and the name). */
const commandsIn = (help: string): string[] => {
  const section = help.split('\nCOMMANDS\n')[1]?.split('\n\n')[0] ?? ''
  return section
    .split('\n')
    .map((line) => /^ {2}([a-z][\w-]*)/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined && name !== 'help')
}

/** The text of one section (OPTIONS, GLOBAL FLAGS, …) of a help text. */
const sectionOf = (help: string, title: string): string => help.split(`\n${title}\n`)[1]?.split('\n\n')[0] ?? ''

/** Every command path (`['up']`, `['function', 'serve']`, …) with its help, found by walking the help itself. */
async function everyHelp(): Promise<Map<string, CliResult>> {
  const helps = new Map<string, CliResult>()
  const walk = async (names: string[]): Promise<void> => {
    const result = await sparkbaas(['help', ...names])
    helps.set(names.join(' '), result)
    await Promise.all(commandsIn(result.stdout).map((name) => walk([...names, name])))
  }
  await walk([])
  return helps
}

let helps: Map<string, CliResult>
beforeAll(async () => {
  helps = await everyHelp()
}, 60_000)

describe('sparkbaas help [command]', () => {
  test('is the same as --help, for the CLI, a command, an alias and a subcommand', async () => {
    for (const names of [[], ['up'], ['ps'], ['function'], ['function', 'serve'], ['migrate', 'up']]) {
      const viaHelp = await sparkbaas(['help', ...names])
      const viaFlag = await sparkbaas([...names, '--help'])
      expect(viaHelp.code, names.join(' ')).toBe(0)
      expect(viaHelp.stdout, names.join(' ')).toBe(viaFlag.stdout)
      expect(viaHelp.stderr).toBe('')
    }
    expect((await sparkbaas(['help', 'ps'])).stdout).toBe((await sparkbaas(['status', '--help'])).stdout)
    expect((await sparkbaas(['help', 'help'])).stdout).toBe(helps.get('')!.stdout)
  })

  test('the walk found every command and subcommand (so the checks below cover them)', () => {
    const names = [...helps.keys()]
    expect(names).toEqual(expect.arrayContaining(['', 'init', 'generate', 'up', 'exec', 'function', 'function serve', 'migrate', 'migrate new', 'k8s apply', 'k8s status', 'secrets check']))
    expect(names.length).toBeGreaterThanOrEqual(25)
  })

  test('the root help lists `help` among the commands', () => {
    expect(helps.get('')!.stdout).toMatch(/^ {2}help \[command\] +Show this help, or a command's: sparkbaas help up$/m)
  })

  test.each([
    [['help', 'genrate'], '✖ Unknown command "genrate". Did you mean "generate"?\nhint: Run `sparkbaas --help` to see the commands.\n'],
    [['help', 'function', 'lst'], '✖ Unknown command "lst" for `sparkbaas function`. Did you mean "list"?\nhint: Run `sparkbaas function --help` to see its commands.\n'],
    [['help', 'up', 'postgres'], '✖ Unexpected argument "postgres" for `sparkbaas help up`: up has no subcommands.\nhint: Run `sparkbaas help up` to see its usage.\n'],
    [['help', '--bogus'], '✖ Unknown option --bogus for `sparkbaas help`.\nhint: Run `sparkbaas help` to see the commands.\n'],
  ])('sparkbaas %j: exit 2', async (args, stderr) => {
    const result = await sparkbaas(args)
    expect(result).toMatchObject({ code: 2, stdout: '', stderr })
  })
})

describe('help output', () => {
  test('every line of every help fits in 80 columns, with no trailing spaces', () => {
    const tooWide: string[] = []
    for (const [name, result] of helps) {
      expect(result.code, name).toBe(0)
      for (const line of result.stdout.split('\n')) {
        if ([...line].length > 80 || line !== line.trimEnd()) tooWide.push(`${name}: ${JSON.stringify(line)}`)
      }
    }
    expect(tooWide).toEqual([])
  })

  test('the root help has a GLOBAL FLAGS section: -c/--config, --json, -h/--help, -v/--version', () => {
    const global = sectionOf(helps.get('')!.stdout, 'GLOBAL FLAGS')
    expect(global).toMatch(/^ {2}-c, --config=<path> +Config file to use \(default: search from the current$/m)
    expect(global).toMatch(/^ {2}--json +Print the result as JSON on stdout$/m)
    expect(global).toMatch(/^ {2}-h, --help +Show help; `sparkbaas help <command>` shows a command's$/m)
    expect(global).toMatch(/^ {2}-v, --version +Print the version of sparkbaas$/m)
  })

  test("each command's help puts the flags it shares with the others under GLOBAL FLAGS, its own under OPTIONS", () => {
    for (const [name, result] of helps) {
      if (name === '' || sectionOf(result.stdout, 'COMMANDS') !== '') continue
      const global = sectionOf(result.stdout, 'GLOBAL FLAGS')
      const own = sectionOf(result.stdout, 'OPTIONS')
      expect(global, name).toMatch(/^ {2}-h, --help +Show this help$/m)
      expect(own, name).not.toMatch(/--(config|json|help)\b/)
      // Every command that reads a config takes -c for it.
      if (/--config/.test(result.stdout)) expect(global, name).toMatch(/^ {2}-c, --config=<path> /m)
    }
    expect(sectionOf(helps.get('generate')!.stdout, 'OPTIONS')).toMatch(/^ {2}--check +Write nothing; exit 1/m)
  })

  test('a default is always written "(default: …)", at the end of the description', () => {
    const odd: string[] = []
    for (const [name, result] of helps) {
      // A description wraps, so it is read whole: its row and the lines continuing it.
      // The first paragraph (the command's description) ends with its title: `(sparkbaas up v0.1.0)`.
      const rows = result.stdout.replace(/\n {6,}(?=\S)/g, ' ').replace(/\n(?=\S)(?!USAGE|[A-Z]+\n)/, ' ').replace(/ \(sparkbaas [^()]*\)$/m, '')
      for (const line of rows.split('\n')) {
        if (/default/i.test(line) && !/\(default: [^()]*(\([^()]*\)[^()]*)*\)\.?$/.test(line)) odd.push(`${name}: ${line}`)
      }
    }
    expect(odd).toEqual([])
    // citty's own default values read the same way.
    expect(helps.get('schema')!.stdout).toMatch(/--out=<path> +Where to write it, relative to the current folder\s+\(default:\s+schema\/sparkbaas\.schema\.json\)/)
    expect(helps.get('up')!.stdout).toMatch(/^ {2}--generate +Regenerate the output first when it is out of date with\s+the config \(default: on\)$/m)
    expect(helps.get('up')!.stdout).toMatch(/^ {2}--no-generate +Refuse to start when the output is out of date$/m)
  })

  test.each([
    ['up', 'USAGE sparkbaas up [OPTIONS] [service…]'],
    ['logs', 'USAGE sparkbaas logs [OPTIONS] [service…]'],
    ['restart', 'USAGE sparkbaas restart [OPTIONS] [service…]'],
    ['exec', 'USAGE sparkbaas exec [OPTIONS] <service> -- <command…>'],
    ['init', 'USAGE sparkbaas init [OPTIONS] [dir]'],
    ['function logs', 'USAGE sparkbaas function logs [OPTIONS] <name>'],
    ['function', 'USAGE sparkbaas function new|list|logs|invoke|serve'],
    ['k8s', 'USAGE sparkbaas k8s apply|status'],
    ['secrets', 'USAGE sparkbaas secrets check'],
    ['k8s apply', 'USAGE sparkbaas k8s apply [OPTIONS]'],
    ['', 'USAGE sparkbaas <command> [OPTIONS]'],
  ])('usage line of %j', (name, usage) => {
    expect(helps.get(name)!.stdout.split('\n')).toContain(usage)
  })

  test('positionals are listed as the usage line names them', () => {
    expect(sectionOf(helps.get('up')!.stdout, 'ARGUMENTS')).toMatch(/^ {2}\[service…\] +Services to start, with what they depend on \(default:\s+all\)$/m)
    expect(sectionOf(helps.get('exec')!.stdout, 'ARGUMENTS')).toMatch(/^ {2}<command…> +The command to run in the container, after `--`/m)
  })
})

describe('-c is short for --config, and global flags also go before the command', () => {
  let dir: string
  const config = path.join(ROOT, 'sparkbaas.config.ts')
  beforeAll(async () => {
    dir = await tempDir()
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  test('validate -c FILE, -c=FILE and sparkbaas -c FILE validate / --json validate', async () => {
    const expected = await sparkbaas(['validate', '--config', config], { cwd: dir })
    expect(expected.code).toBe(0)
    for (const args of [
      ['validate', '-c', config],
      ['validate', `-c=${config}`],
      ['-c', config, 'validate'],
      ['--config', config, 'validate'],
      [`--config=${config}`, 'validate'],
    ]) {
      expect(await sparkbaas(args, { cwd: dir }), args.join(' ')).toMatchObject({ code: 0, stdout: expected.stdout, stderr: '' })
    }
    const json = await sparkbaas(['--json', '-c', config, 'validate'], { cwd: dir })
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, configFile: '<root>/sparkbaas.config.ts' })
  })

  test('a global flag before a command that does not take it is that command’s unknown option', async () => {
    expect(await sparkbaas(['-c', 'x.ts', 'init'], { cwd: dir })).toMatchObject({
      code: 2,
      stderr: '✖ Unknown option -c for `sparkbaas init`.\nhint: Run `sparkbaas init --help` to see its options.\n',
    })
    expect(await sparkbaas(['-c'], { cwd: dir })).toMatchObject({
      code: 2,
      stderr: '✖ Option -c needs a value: -c PATH.\nhint: Run `sparkbaas --help` to see its usage.\n',
    })
  })
})

describe('Did you mean …?', () => {
  test.each([
    [['genrate'], '✖ Unknown command "genrate". Did you mean "generate"?\nhint: Run `sparkbaas --help` to see the commands.\n'],
    [['function', 'lst'], '✖ Unknown command "lst" for `sparkbaas function`. Did you mean "list"?\nhint: Run `sparkbaas function --help` to see its commands.\n'],
    [['generate', '--chek'], '✖ Unknown option --chek for `sparkbaas generate`. Did you mean --check?\nhint: Run `sparkbaas generate --help` to see its options.\n'],
    [['generate', '--chek=1'], '✖ Unknown option --chek for `sparkbaas generate`. Did you mean --check?\nhint: Run `sparkbaas generate --help` to see its options.\n'],
    [['validate', '-json'], '✖ Unknown option -json for `sparkbaas validate`. Did you mean --json?\nhint: Run `sparkbaas validate --help` to see its options.\n'],
    [['validate', '-C', 'x.ts'], '✖ Unknown option -C for `sparkbaas validate`. Did you mean -c?\nhint: Run `sparkbaas validate --help` to see its options.\n'],
    [['up', 'postgres', 'traefik', '--no-generat'], '✖ Unknown option --no-generat for `sparkbaas up`. Did you mean --no-generate?\nhint: Run `sparkbaas up --help` to see its options.\n'],
    [['--jsn', 'validate'], '✖ Unknown option --jsn for `sparkbaas`. Did you mean --json?\nhint: Run `sparkbaas --help` to see its options.\n'],
    [['k8s', 'aply'], '✖ Unknown command "aply" for `sparkbaas k8s`. Did you mean "apply"?\nhint: Run `sparkbaas k8s --help` to see its commands.\n'],
    [['k8', 'status'], '✖ Unknown command "k8". Did you mean "k8s"?\nhint: Run `sparkbaas --help` to see the commands.\n'],
    [['secrets', 'chek'], '✖ Unknown command "chek" for `sparkbaas secrets`. Did you mean "check"?\nhint: Run `sparkbaas secrets --help` to see its commands.\n'],
    [['k8s', 'apply', '--dry-rn=server'], '✖ Unknown option --dry-rn for `sparkbaas k8s apply`. Did you mean --dry-run?\nhint: Run `sparkbaas k8s apply --help` to see its options.\n'],
    [['secrets', 'check', '--clustr'], '✖ Unknown option --clustr for `sparkbaas secrets check`. Did you mean --cluster?\nhint: Run `sparkbaas secrets check --help` to see its options.\n'],
    [['function', 'logs', 'hello', '--folow'], '✖ Unknown option --folow for `sparkbaas function logs`. Did you mean --follow?\nhint: Run `sparkbaas function logs --help` to see its options.\n'],
  ])('sparkbaas %j: exit 2', async (args, stderr) => {
    const result = await sparkbaas(args)
    expect(result).toMatchObject({ code: 2, stdout: '', stderr })
  })

  test('no guess when nothing is close', async () => {
    expect(await sparkbaas(['generate', '--bogus'])).toMatchObject({
      code: 2,
      stderr: '✖ Unknown option --bogus for `sparkbaas generate`.\nhint: Run `sparkbaas generate --help` to see its options.\n',
    })
    expect((await sparkbaas(['deploy'])).stderr).toMatch(/^✖ Unknown command "deploy"\.\nhint: The commands are: init, validate, /)
  })

  test('after `--` nothing is ours: exec passes --chek on to the command it runs', async () => {
    const dir = await tempDir()
    try {
      // No config here: the command gets as far as looking for one, so the option was not refused.
      const result = await sparkbaas(['exec', 'postgres', '--', 'psql', '--chek'], { cwd: dir })
      expect(result.stderr).not.toMatch(/Unknown option/)
      expect(result.stderr).toMatch(/^✖ No config found/)
      // -h after `--` is the command's too, not a request for exec's help.
      const help = await sparkbaas(['exec', 'postgres', '--', 'ls', '-h'], { cwd: dir })
      expect(help.stdout).toBe('')
      expect(help.stderr).toMatch(/^✖ No config found/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  test('the usage mistake in --json mode is JSON, and names the guess too', async () => {
    const result = await sparkbaas(['generate', '--chek', '--json'])
    expect(result.code).toBe(2)
    expect(JSON.parse(result.stdout)).toEqual({
      ok: false,
      problems: [{ path: '', code: 'usage', message: 'Unknown option --chek for `sparkbaas generate`. Did you mean --check?' }],
    })
  })
})

