/** What the stack commands (up, down, status, logs, restart, exec) share: their common options and how paths print. */
import path from 'node:path'
import { SparkbaasError } from '../errors.js'
import type { StackOptions } from '../stack/context.js'

/** `-c, --config`: every command that reads a config takes it (`-c` is only ever --config). */
export const CONFIG_ARG = {
  type: 'string',
  alias: 'c',
  valueHint: 'path',
  description: 'Config file to use (default: search from the current folder upward)',
} as const
export const JSON_ARG = { type: 'boolean', description: 'Print the result as JSON on stdout' } as const

/** --out has no short form: `-o` is `status`'s --format, as in kubectl's `-o json`. */
export const STACK_ARGS = {
  config: CONFIG_ARG,
  out: { type: 'string', valueHint: 'dir', description: 'Folder of the generated stack (default: generated/ beside the config file)' },
  json: JSON_ARG,
} as const

export function stackOptions(args: { config?: string | undefined; out?: string | undefined }): StackOptions {
  return { ...(args.config ? { configFile: args.config } : {}), ...(args.out ? { outDir: args.out } : {}) }
}

/** A path as the user would type it: relative below the current folder, absolute elsewhere. */
export function where(file: string): string {
  const rel = path.relative(process.cwd(), file)
  return rel === '' ? '.' : rel.startsWith('..') || path.isAbsolute(rel) ? file : rel
}

/** A whole number ≥ `min` from an option, or a usage error naming the option. */
export function wholeNumber(value: string | undefined, option: string, min: number, example: string): number | undefined {
  if (value === undefined) return undefined
  if (/^\d+$/.test(value) && Number(value) >= min) return Number(value)
  throw new SparkbaasError('usage', `${option} needs a whole number${min > 0 ? ` of at least ${min}` : ''}, not "${value}".`, { hint: `For example: ${example}.` })
}

/** The positionals after the command's own: citty collects them in `_`. */
export const positionals = (args: { _: string[] }): string[] => [...args._]
