/**
 * Runs a citty command tree with the behaviour a script can rely on, which citty's own `runMain` does not give:
 * usage mistakes (unknown command or option, a missing value) exit 2 instead of 1 and say what was wrong, an
 * unknown option is an error rather than silently ignored (with a guess at what was meant), global flags may come
 * before the command, `help [command]` shows a command's help, and every error goes through report.ts.
 * Parsing stays citty's; the help pages are usage.ts's.
 */
import { stripVTControlCharacters } from 'node:util'
import { runCommand, type ArgsDef, type CommandDef, type CommandMeta } from 'citty'
import { SparkbaasError } from '../errors.js'
import { reportError, useColor, writeStyled } from './report.js'
import { closest, didYouMean } from '../suggest.js'
import { commandPage, formatHelp, groupPage, helpOf, isVariadic, type Row } from './usage.js'

type Resolvable<T> = T | Promise<T> | (() => T | Promise<T>)
const resolve = async <T>(value: Resolvable<T>): Promise<T> => (typeof value === 'function' ? (value as () => T | Promise<T>)() : value)

const HELP = ['--help', '-h']
const VERSION = ['--version', '-v']

export { passthrough, variadic } from './usage.js'

/** The module loader of each {@link lazyCommand}: a command group's subcommands live in its module. */
const LOADERS = new WeakMap<object, () => Promise<CommandDef<ArgsDef>>>()

/** A subcommand whose `meta` is known up front and whose module is imported only when it is run or its help shown. */
export function lazyCommand<T extends ArgsDef>(meta: CommandMeta, load: () => Promise<CommandDef<T>>): CommandDef<T> {
  const command: CommandDef<T> = {
    meta,
    args: async () => resolve((await load()).args ?? ({} as T)),
    run: async (context) => (await load()).run?.(context),
  }
  LOADERS.set(command, load as () => Promise<CommandDef<ArgsDef>>)
  return command
}

/** A command as its module defines it (subcommands included), with the `meta` it was registered with. */
async function loaded(command: CommandDef<ArgsDef>): Promise<CommandDef<ArgsDef>> {
  const load = LOADERS.get(command)
  return load === undefined ? command : { ...(await load()), meta: command.meta }
}

/**
 * Runs `root` with `rawArgs` (without node and the script) and returns the exit code: 0, or the number a command
 * returns (`exec` passes on the exit code of the command it ran), or the code of the error it threw.
 */
export async function runCli(root: CommandDef<ArgsDef>, rawArgs: string[]): Promise<number> {
  try {
    const result = await dispatch(root, rawArgs)
    return typeof result === 'number' ? result : 0
  } catch (error) {
    // citty throws its CLIError for a missing positional or a bad enum value: usage mistakes too. Its message may
    // carry colour codes, which report.ts adds itself where wanted.
    const usage = error instanceof Error && error.name === 'CLIError' ? new SparkbaasError('usage', stripVTControlCharacters(error.message)) : error
    // Only our own --json counts: after `--` the arguments belong to the command `exec` runs.
    const ours = rawArgs.includes('--') ? rawArgs.slice(0, rawArgs.indexOf('--')) : rawArgs
    return reportError(usage, { json: ours.includes('--json') })
  }
}

/** The CLI's name and version, for messages and help titles. */
interface Cli {
  readonly root: CommandDef<ArgsDef>
  readonly name: string
  readonly version: string | undefined
}

/**
 * The flags before the command's name: --help and --version, and the global flags (--json, -c/--config PATH), which
 * are handed on to the command as if written after its name.
 */
async function dispatch(root: CommandDef<ArgsDef>, rawArgs: string[]): Promise<unknown> {
  const rootMeta = await resolve(root.meta ?? {})
  const cli: Cli = { root, name: rootMeta.name ?? 'sparkbaas', version: rootMeta.version }
  const { name } = cli
  const forwarded: string[] = []
  let help = false
  let version: string | undefined
  let at = 0
  for (; at < rawArgs.length; at++) {
    const arg = rawArgs[at] as string
    if (!arg.startsWith('-')) break
    if (HELP.includes(arg)) help = true
    else if (VERSION.includes(arg)) version = arg
    else if (arg === '--json' || /^(--config|-c)=/.test(arg)) forwarded.push(arg)
    else if (arg === '--config' || arg === '-c') {
      const value = rawArgs[at + 1]
      if (value === undefined || value.startsWith('-')) throw needsValue(arg, 'path', name)
      forwarded.push(arg, value)
      at++
    } else throw unknownOption(arg, name, ROOT_OPTIONS)
  }
  if (help) return showHelp(cli, root, name)
  const commandName = rawArgs[at]
  if (version !== undefined) {
    // --version stands alone.
    if (commandName === undefined && forwarded.length === 0) {
      process.stdout.write(`${cli.version}\n`)
      return
    }
    throw unknownOption(version, name, ROOT_OPTIONS)
  }
  if (commandName === undefined) {
    writeStyled(process.stderr, await helpText(cli, root, name, process.stderr))
    process.stderr.write('\n')
    throw new SparkbaasError('usage', 'No command given.', { hint: `Run \`${name} <command>\`, e.g. \`${name} validate\`.` })
  }
  const subCommands = await resolve(root.subCommands ?? {})
  if (commandName === 'help' && !Object.hasOwn(subCommands, 'help')) return helpCommand(cli, rawArgs.slice(at + 1))
  const found = await find(subCommands, commandName, name, true)
  return runNamed(cli, found.command, rawArgs.slice(at + 1), `${name} ${found.name}`, forwarded)
}

/**
 * Runs `command` (called `path` on the command line) with the arguments after its name. A command group
 * (`function list|logs|…`) hands them to the subcommand named first, as deep as groups go.
 */
async function runNamed(cli: Cli, command: CommandDef<ArgsDef>, rest: string[], path: string, forwarded: string[]): Promise<unknown> {
  const group = await loaded(command)
  const subCommands = await resolve(group.subCommands ?? {})
  const ours = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest
  if (Object.keys(subCommands).length > 0) {
    const subName = rest[0]
    if (subName === undefined || subName.startsWith('-')) {
      if (rest.some((arg) => HELP.includes(arg))) return showHelp(cli, group, path)
      throw new SparkbaasError('usage', `\`${path}\` needs a command: ${Object.keys(subCommands).join(', ')}.`, { hint: `Run \`${path} --help\` for more.` })
    }
    const found = await find(subCommands, subName, path, false)
    return runNamed(cli, found.command, rest.slice(1), `${path} ${found.name}`, forwarded)
  }
  // After `--` the arguments belong to the command `exec` runs, -h included.
  if (ours.some((arg) => HELP.includes(arg))) return showHelp(cli, command, path)
  const args = [...forwarded, ...splitShortValues(rest)]
  checkArgs(args, await resolve(command.args ?? {}), path)
  return (await runCommand(command, { rawArgs: args })).result
}

/** `sparkbaas help [command [subcommand]]`: the same page as `--help` gives. */
async function helpCommand(cli: Cli, names: string[]): Promise<void> {
  let command = cli.root
  let path = cli.name
  for (const name of names) {
    // `help -h` and `help help` are the top-level help, as `help` is.
    if (HELP.includes(name) || (name === 'help' && command === cli.root)) continue
    if (name.startsWith('-')) throw new SparkbaasError('usage', `Unknown option ${name} for \`${cli.name} help\`.`, { hint: `Run \`${cli.name} help\` to see the commands.` })
    const subCommands = await resolve((await loaded(command)).subCommands ?? {})
    if (Object.keys(subCommands).length === 0) {
      const last = path.slice(path.lastIndexOf(' ') + 1)
      throw new SparkbaasError('usage', `Unexpected argument "${name}" for \`${helpOf(path)}\`: ${last} has no subcommands.`, { hint: `Run \`${helpOf(path)}\` to see its usage.` })
    }
    const found = await find(subCommands, name, path, command === cli.root)
    command = found.command
    path = `${path} ${found.name}`
  }
  return showHelp(cli, command, path)
}

/** The subcommand called `name` (or aliased so: `ps` for `status`), with its own name; else a usage error with a guess. */
async function find(
  subCommands: Record<string, Resolvable<CommandDef<ArgsDef>>>,
  name: string,
  path: string,
  root: boolean,
): Promise<{ name: string; command: CommandDef<ArgsDef> }> {
  if (Object.hasOwn(subCommands, name)) return { name, command: await resolve(subCommands[name]!) }
  const known: string[] = []
  for (const [key, candidate] of Object.entries(subCommands)) {
    // Lazy commands' meta is inline, so this is cheap.
    const command = await resolve(candidate)
    const aliases = [(await resolve(command.meta ?? {})).alias ?? []].flat()
    if (aliases.includes(name)) return { name: key, command }
    known.push(key, ...aliases)
  }
  const names = Object.keys(subCommands)
  const guess = closest(name, root ? [...known, 'help'] : known)
  const message = `Unknown command "${name}"${root ? '' : ` for \`${path}\``}.${didYouMean(guess)}`
  if (guess.length > 0) throw new SparkbaasError('usage', message, { hint: `Run \`${path} --help\` to see ${root ? 'the' : 'its'} commands.` })
  throw new SparkbaasError('usage', message, {
    hint: root ? `The commands are: ${[...names, 'help'].join(', ')}. Run \`${path} --help\` for more.` : `Its commands are: ${names.join(', ')}. Run \`${path} --help\` for more.`,
  })
}

async function showHelp(cli: Cli, command: CommandDef<ArgsDef>, path: string): Promise<void> {
  writeStyled(process.stdout, await helpText(cli, command, path, process.stdout))
}

/** The help page of `command`, called `path` on the command line. */
async function helpText(cli: Cli, command: CommandDef<ArgsDef>, path: string, stream: NodeJS.WriteStream): Promise<string> {
  const root = command === cli.root
  const group = root ? command : await loaded(command)
  const description = (await resolve(command.meta ?? {})).description ?? ''
  const subCommands = await resolve(group.subCommands ?? {})
  if (Object.keys(subCommands).length === 0) return formatHelp(commandPage(path, cli.version, description, await resolve(command.args ?? {})), useColor(stream))
  const rows: Row[] = []
  for (const [name, candidate] of Object.entries(subCommands)) {
    const meta = await resolve((await resolve(candidate)).meta ?? {})
    if (meta.hidden) continue
    rows.push({ label: [name, ...[meta.alias ?? []].flat()].join(', '), description: meta.description ?? '' })
  }
  if (root) rows.push({ label: 'help [command]', description: `Show this help, or a command's: ${cli.name} help up` })
  return formatHelp(groupPage(path, cli.version, description, rows, { root }), useColor(stream))
}

/** `-c=FILE` as `-c FILE`: citty (node's parseArgs) would read the value as "=FILE". */
function splitShortValues(rawArgs: string[]): string[] {
  const at = rawArgs.includes('--') ? rawArgs.indexOf('--') : rawArgs.length
  return [...rawArgs.slice(0, at).flatMap((arg) => (/^-[^-]=/.test(arg) ? [arg.slice(0, 2), arg.slice(3)] : [arg])), ...rawArgs.slice(at)]
}

/**
 * citty accepts any option and leaves a string option without a value as `""`. Here an unknown option, a missing
 * value and a surplus argument are usage errors that name the culprit.
 */
function checkArgs(rawArgs: string[], defs: ArgsDef, command: string): void {
  const long = new Map<string, ArgsDef[string]>()
  const short = new Map<string, ArgsDef[string]>()
  for (const [key, def] of Object.entries(defs)) {
    if (def.type === 'positional') continue
    const aliases = 'alias' in def && def.alias !== undefined ? [def.alias].flat() : []
    for (const n of [key, kebab(key), ...aliases]) (n.length === 1 ? short : long).set(n, def)
  }
  const positionalDefs = Object.values(defs).filter((def) => def.type === 'positional')
  let positionals = positionalDefs.some((def) => isVariadic(def)) ? Infinity : positionalDefs.length
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i] as string
    if (arg === '--') return
    if (!arg.startsWith('-')) {
      if (positionals-- <= 0) throw new SparkbaasError('usage', `Unexpected argument "${arg}" for \`${command}\`.`, { hint: `Run \`${command} --help\` to see its usage.` })
      continue
    }
    const dashes = arg.startsWith('--') ? 2 : 1
    const [flag = '', inline] = arg.slice(dashes).split(/=(.*)/s)
    const names = dashes === 2 ? long : short
    const negated = dashes === 2 && flag.startsWith('no-') ? long.get(flag.slice(3)) : undefined
    const def = names.get(flag) ?? (negated?.type === 'boolean' ? negated : undefined)
    if (def === undefined) throw unknownOption(arg, command, optionNames(defs))
    if ((def.type === 'string' || def.type === 'enum') && inline === undefined) {
      const next = rawArgs[i + 1]
      if (next === undefined || next.startsWith('-')) throw needsValue(arg, 'valueHint' in def && def.valueHint ? def.valueHint : 'value', command)
      i++
    }
  }
}

/** The options of a command as its help shows them, to guess from: long names, `--no-` forms, short flags. */
function optionNames(defs: ArgsDef): { long: string[]; short: string[] } {
  const long = ['help']
  const short = ['h']
  for (const [key, def] of Object.entries(defs)) {
    if (def.type === 'positional') continue
    long.push(kebab(key))
    if (def.type === 'boolean' && (def.default === true || def.negativeDescription !== undefined)) long.push(`no-${kebab(key)}`)
    short.push(...('alias' in def && def.alias !== undefined ? [def.alias].flat() : []).filter((alias) => alias.length === 1))
  }
  return { long, short }
}

const ROOT_OPTIONS = { long: ['help', 'version', 'json', 'config'], short: ['h', 'v', 'c'] }

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)

/**
 * An unknown option, with the known one it most likely meant: `--chek` → `--check`, `-json` → `--json` (one dash
 * before a word is a long option mistyped), `-C` → `-c`.
 */
function unknownOption(arg: string, command: string, known: { long: string[]; short: string[] }): SparkbaasError {
  const typed = arg.split('=')[0] as string
  const name = typed.replace(/^--?/, '')
  const asLong = typed.startsWith('--') || [...name].length > 1
  const guess = closest(name, asLong ? known.long : known.short).map((n) => `${asLong ? '--' : '-'}${n}`)
  return new SparkbaasError('usage', `Unknown option ${typed} for \`${command}\`.${didYouMean(guess, false)}`, { hint: `Run \`${command} --help\` to see its options.` })
}

const needsValue = (arg: string, hint: string, command: string) =>
  new SparkbaasError('usage', `Option ${arg} needs a value: ${arg} ${hint.toUpperCase()}.`, { hint: `Run \`${command} --help\` to see its usage.` })
