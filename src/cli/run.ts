/**
 * Runs a citty command tree with the behaviour a script can rely on, which citty's own `runMain` does not give:
 * usage mistakes (unknown command or option, a missing value) exit 2 instead of 1 and say what was wrong, an
 * unknown option is an error rather than silently ignored, and every error goes through report.ts.
 * Parsing and help rendering stay citty's.
 */
import { stripVTControlCharacters } from 'node:util'
import { renderUsage, runCommand, type ArgsDef, type CommandDef, type CommandMeta, type PositionalArgDef } from 'citty'
import { SparkbaasError } from '../errors.js'
import { reportError, writeStyled } from './report.js'

type Resolvable<T> = T | Promise<T> | (() => T | Promise<T>)
const resolve = async <T>(value: Resolvable<T>): Promise<T> => (typeof value === 'function' ? (value as () => T | Promise<T>)() : value)

const HELP = ['--help', '-h']
const VERSION = ['--version', '-v']

/**
 * Marks a positional as taking every remaining argument (`up [service…]`); the command reads them from `args._`.
 * citty has no variadic positionals, and the check below otherwise rejects a surplus argument.
 */
const VARIADIC = new WeakSet<object>()
export function variadic<T extends PositionalArgDef>(def: T): T {
  VARIADIC.add(def)
  return def
}

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

async function dispatch(root: CommandDef<ArgsDef>, rawArgs: string[]): Promise<unknown> {
  const rootMeta = await resolve(root.meta ?? {})
  const name = rootMeta.name ?? 'sparkbaas'
  const at = rawArgs.findIndex((arg) => !arg.startsWith('-'))
  const rootFlags = at === -1 ? rawArgs : rawArgs.slice(0, at)

  if (rootFlags.some((flag) => HELP.includes(flag))) return showUsage(root)
  if (at === -1 && rootFlags.some((flag) => VERSION.includes(flag))) {
    process.stdout.write(`${rootMeta.version}\n`)
    return
  }
  // Before a command only --help counts; --version stands alone.
  const stray = at === -1 ? rootFlags.find((flag) => !VERSION.includes(flag)) : rootFlags[0]
  if (stray !== undefined) throw unknownOption(stray, name)
  if (at === -1) {
    writeStyled(process.stderr, `${await renderUsage(root)}\n\n`)
    throw new SparkbaasError('usage', 'No command given.', { hint: `Run \`${name} <command>\`, e.g. \`${name} validate\`.` })
  }

  const commandName = rawArgs[at] as string
  const subCommands = await resolve(root.subCommands ?? {})
  const sub = Object.hasOwn(subCommands, commandName) ? await resolve(subCommands[commandName]!) : await byAlias(subCommands, commandName)
  if (sub === undefined) {
    throw new SparkbaasError('usage', `Unknown command "${commandName}".`, {
      hint: `The commands are: ${Object.keys(subCommands).join(', ')}. Run \`${name} --help\` for more.`,
    })
  }
  return runNamed(sub, rawArgs.slice(at + 1), `${name} ${commandName}`, root)
}

/**
 * Runs `command` (called `path` on the command line) with the arguments after its name. A command group
 * (`function list|logs|…`) hands them to the subcommand named first, as deep as groups go.
 */
async function runNamed(command: CommandDef<ArgsDef>, rest: string[], path: string, parent: CommandDef<ArgsDef>): Promise<unknown> {
  const group = await loaded(command)
  const subCommands = await resolve(group.subCommands ?? {})
  if (Object.keys(subCommands).length > 0) {
    // A parent named by the whole path, so the usage reads `sparkbaas function list`, not `function list`.
    const self = { meta: { name: path.slice(0, path.lastIndexOf(' ')) } }
    const subName = rest[0]
    if (subName === undefined || subName.startsWith('-')) {
      if (rest.some((arg) => HELP.includes(arg))) return showUsage(group, self)
      throw new SparkbaasError('usage', `\`${path}\` needs a command: ${Object.keys(subCommands).join(', ')}.`, { hint: `Run \`${path} --help\` for more.` })
    }
    const sub = Object.hasOwn(subCommands, subName) ? await resolve(subCommands[subName]!) : await byAlias(subCommands, subName)
    if (sub === undefined) {
      throw new SparkbaasError('usage', `Unknown command "${subName}" for \`${path}\`.`, {
        hint: `Its commands are: ${Object.keys(subCommands).join(', ')}. Run \`${path} --help\` for more.`,
      })
    }
    return runNamed(sub, rest.slice(1), `${path} ${subName}`, { meta: { name: path } })
  }
  if (rest.some((arg) => HELP.includes(arg))) return showUsage(command, parent)
  checkArgs(rest, await resolve(command.args ?? {}), path)
  return (await runCommand(command, { rawArgs: rest })).result
}

/** A command by one of its `meta.alias` names (`ps` for `status`); lazy commands' meta is inline, so this is cheap. */
async function byAlias(subCommands: Record<string, Resolvable<CommandDef<ArgsDef>>>, alias: string): Promise<CommandDef<ArgsDef> | undefined> {
  for (const candidate of Object.values(subCommands)) {
    const command = await resolve(candidate)
    const meta = await resolve(command.meta ?? {})
    if ([meta.alias ?? []].flat().includes(alias)) return command
  }
  return undefined
}

async function showUsage(command: CommandDef<ArgsDef>, parent?: CommandDef<ArgsDef>): Promise<void> {
  writeStyled(process.stdout, `${await renderUsage(command, parent)}\n`)
}

/**
 * citty accepts any option and leaves a string option without a value as `""`. Here an unknown option, a missing
 * value and a surplus argument are usage errors that name the culprit.
 */
function checkArgs(rawArgs: string[], defs: ArgsDef, command: string): void {
  const byName = new Map<string, ArgsDef[string]>()
  for (const [key, def] of Object.entries(defs)) {
    const aliases = 'alias' in def && def.alias !== undefined ? [def.alias].flat() : []
    for (const n of [key, kebab(key), ...aliases]) byName.set(n, def)
  }
  const positionalDefs = Object.values(defs).filter((def) => def.type === 'positional')
  let positionals = positionalDefs.some((def) => VARIADIC.has(def)) ? Infinity : positionalDefs.length
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i] as string
    if (arg === '--') return
    if (!arg.startsWith('-')) {
      if (positionals-- <= 0) throw new SparkbaasError('usage', `Unexpected argument "${arg}" for \`${command}\`.`, { hint: `Run \`${command} --help\` to see its usage.` })
      continue
    }
    const [flag = '', inline] = arg.replace(/^--?/, '').split(/=(.*)/s)
    const negated = flag.startsWith('no-') ? byName.get(flag.slice(3)) : undefined
    const def = byName.get(flag) ?? (negated?.type === 'boolean' ? negated : undefined)
    if (def === undefined) throw unknownOption(arg, command)
    if ((def.type === 'string' || def.type === 'enum') && inline === undefined) {
      const next = rawArgs[i + 1]
      if (next === undefined || next.startsWith('-')) {
        const hint = 'valueHint' in def && def.valueHint ? def.valueHint.toUpperCase() : 'VALUE'
        throw new SparkbaasError('usage', `Option ${arg} needs a value: ${arg} ${hint}.`, { hint: `Run \`${command} --help\` to see its usage.` })
      }
      i++
    }
  }
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)

const unknownOption = (arg: string, command: string) =>
  new SparkbaasError('usage', `Unknown option ${arg.split('=')[0]} for \`${command}\`.`, { hint: `Run \`${command} --help\` to see its options.` })
