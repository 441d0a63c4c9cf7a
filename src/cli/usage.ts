/**
 * The help pages (`sparkbaas help [command]`, `--help`), written here rather than by citty's renderUsage: they fit in
 * 80 columns, the flags every command shares are listed apart (GLOBAL FLAGS), a default always reads
 * "(default: …)", and the usage line names positionals as typed (`up [service…]`, `exec <service> -- <command…>`).
 */
import { styleText } from 'node:util'
import type { ArgDef, ArgsDef, PositionalArgDef } from 'citty'

export const WIDTH = 80

/** Flags that mean the same on every command that has them; a command's help lists them under GLOBAL FLAGS. */
export const GLOBAL_ARGS: readonly string[] = ['config', 'env', 'json']

/** `--env`: the same words in the root help and in each command's. */
export const ENV_DESCRIPTION = 'Environment to use, one of `environments` in the config (default: $SPARKBAAS_ENV, else the config as written)'

/** The GLOBAL FLAGS rows of the top-level help; `name` is the CLI's name. */
export const rootGlobalFlags = (name: string): Row[] => [
  { label: '-c, --config=<path>', description: 'Config file to use (default: search from the current folder upward)' },
  { label: '--env=<name>', description: ENV_DESCRIPTION },
  { label: '--json', description: 'Print the result as JSON on stdout' },
  { label: '-h, --help', description: `Show help; \`${name} help <command>\` shows a command's` },
  { label: '-v, --version', description: `Print the version of ${name}` },
]

const HELP_ROW: Row = { label: '-h, --help', description: 'Show this help' }

/**
 * Marks a positional as taking every remaining argument (`up [service…]`); the command reads them from `args._`.
 * citty has no variadic positionals, and run.ts otherwise rejects a surplus argument.
 */
const VARIADIC = new WeakSet<object>()
export function variadic<T extends PositionalArgDef>(def: T): T {
  VARIADIC.add(def)
  return def
}
export const isVariadic = (def: object): boolean => VARIADIC.has(def)

/** What a command takes after `--` (`exec <service> -- <command…>`), for its usage line and ARGUMENTS. */
const PASSTHROUGH = new WeakMap<object, { name: string; description: string }>()
export function passthrough<T extends ArgsDef>(args: T, after: { name: string; description: string }): T {
  PASSTHROUGH.set(args, after)
  return args
}

export interface Row {
  readonly label: string
  readonly description: string
}

export interface HelpPage {
  /** What the command does (its `meta.description`). */
  readonly description: string
  /** The command as typed, with the version: `sparkbaas up v0.1.0`. */
  readonly title: string
  /** The usage line without "USAGE ". */
  readonly usage: string
  readonly sections: readonly { readonly title: string; readonly rows: readonly Row[] }[]
  readonly footer?: string
}

/** The page of a command that takes arguments and options (not a group of subcommands). */
export function commandPage(path: string, version: string | undefined, description: string, args: ArgsDef): HelpPage {
  const positionals: Row[] = []
  const options: Row[] = []
  const global: Row[] = []
  const usage = [path, '[OPTIONS]']
  for (const [name, def] of Object.entries(args)) {
    if (def.type === 'positional') {
      const label = positionalLabel(name, def)
      usage.push(label)
      positionals.push({ label, description: def.description ?? '' })
      continue
    }
    const rows = GLOBAL_ARGS.includes(name) ? global : options
    rows.push({ label: optionLabel(name, def), description: describe(def) })
    if (def.type === 'boolean' && (def.default === true || def.negativeDescription !== undefined)) {
      rows.push({ label: `--no-${kebab(name)}`, description: def.negativeDescription ?? '' })
    }
    if ('required' in def && def.required === true && def.default === undefined) usage.push(`--${kebab(name)}=<${valueHint(name, def)}>`)
  }
  const after = PASSTHROUGH.get(args)
  if (after !== undefined) {
    usage.push('--', `<${after.name}…>`)
    positionals.push({ label: `<${after.name}…>`, description: after.description })
  }
  return {
    description,
    title: titleOf(path, version),
    usage: usage.join(' '),
    sections: [
      { title: 'ARGUMENTS', rows: positionals },
      { title: 'OPTIONS', rows: options },
      { title: 'GLOBAL FLAGS', rows: [...global, HELP_ROW] },
    ],
  }
}

/** The page of a group of commands: the top level (`root`) or `function`, `migrate`. */
export function groupPage(path: string, version: string | undefined, description: string, commands: Row[], options: { root: boolean }): HelpPage {
  const names = commands.map((row) => row.label.split(/[, ]/)[0]!).filter((name) => name !== 'help')
  const listed = `${path} ${names.join('|')}`
  const usage = options.root || listed.length + 'USAGE '.length > WIDTH ? `${path} <command> [OPTIONS]` : listed
  return {
    description,
    title: titleOf(path, version),
    usage,
    sections: [
      { title: 'COMMANDS', rows: commands },
      { title: 'GLOBAL FLAGS', rows: options.root ? rootGlobalFlags(path) : [HELP_ROW] },
    ],
    footer: `Run \`${helpOf(path)} <command>\` for the usage and options of a command.`,
  }
}

/** The page as text, every line at most {@link WIDTH} columns (but a single word longer than a line). */
export function formatHelp(page: HelpPage, color = false): string {
  const heading = (text: string) => (color ? styleText(['bold', 'underline'], text) : text)
  const label = (text: string) => (color ? styleText('cyan', text) : text)
  const rows = page.sections.flatMap((section) => section.rows)
  const labelWidth = Math.min(Math.max(0, ...rows.filter((row) => row.label.length <= 28).map((row) => row.label.length)), 28)
  const indent = 2 + labelWidth + 2
  const lines = [...wrap(`${page.description} (${page.title.replaceAll(' ', '\u00a0')})`, WIDTH).map((line) => line.replaceAll('\u00a0', ' ')), '']
  lines.push(`${heading('USAGE')} ${label(page.usage)}`, '')
  for (const section of page.sections) {
    if (section.rows.length === 0) continue
    lines.push(heading(section.title))
    for (const row of section.rows) {
      const text = wrap(row.description, WIDTH - indent)
      if (row.label.length > labelWidth) {
        lines.push(`  ${label(row.label)}`, ...text.map((line) => ' '.repeat(indent) + line))
      } else {
        const [first = '', ...rest] = text
        lines.push(`  ${label(row.label)}${' '.repeat(labelWidth - row.label.length + 2)}${first}`.trimEnd(), ...rest.map((line) => ' '.repeat(indent) + line))
      }
    }
    lines.push('')
  }
  if (page.footer !== undefined) lines.push(...wrap(page.footer, WIDTH))
  return `${lines.join('\n').trimEnd()}\n`
}

/** `text` in lines of at most `width` characters, broken at spaces. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(' ').filter((w) => w !== '')) {
    if (line === '') line = word
    else if ([...line].length + 1 + [...word].length <= width) line += ` ${word}`
    else {
      lines.push(line)
      line = word
    }
  }
  if (line !== '' || lines.length === 0) lines.push(line)
  return lines
}

/** `sparkbaas function` → `sparkbaas help function`. */
export const helpOf = (path: string) => {
  const [cli = '', ...names] = path.split(' ')
  return [cli, 'help', ...names].join(' ')
}

const titleOf = (path: string, version: string | undefined) => (version === undefined ? path : `${path} v${version}`)

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)

function positionalLabel(name: string, def: PositionalArgDef): string {
  const shown = `${name}${VARIADIC.has(def) ? '…' : ''}`
  return def.required === false || def.default !== undefined ? `[${shown}]` : `<${shown}>`
}

/** `-f, --file=<file>`: one-letter aliases are the short flags; longer ones are old names, still read, not shown. */
function optionLabel(name: string, def: ArgDef): string {
  const short = ('alias' in def && def.alias !== undefined ? [def.alias].flat() : []).filter((alias) => alias.length === 1).map((alias) => `-${alias}`)
  const value = def.type === 'boolean' ? '' : `=<${valueHint(name, def)}>`
  return [...short, `--${kebab(name)}${value}`].join(', ')
}

function valueHint(name: string, def: ArgDef): string {
  if (def.type === 'enum' && def.options !== undefined && def.options.length > 0) return def.options.join('|')
  return ('valueHint' in def && def.valueHint) || kebab(name)
}

/** The description with the default citty fills in, said as every description says one. */
function describe(def: ArgDef): string {
  const text = def.description ?? ''
  if (def.type === 'positional' || def.default === undefined || def.default === false) return text
  return `${text} (default: ${def.default === true ? 'on' : String(def.default)})`
}
