/** What the commands share: their common options (config, env, out, json, repeatable ones) and how paths print. */
import { displayRelative } from '../display-path.js'
import { SparkbaasError } from '../errors.js'
import type { StackOptions } from '../stack/context.js'
import { ENV_DESCRIPTION } from './usage.js'

/** `-c, --config`: every command that reads a config takes it (`-c` is only ever --config). */
export const CONFIG_ARG = {
  type: 'string',
  alias: 'c',
  valueHint: 'path',
  description: 'Config file to use (default: search from the current folder upward)',
} as const
/**
 * `--env`: every command that reads a config takes it. No short form: `-e` reads as "exec" or "env var" to too
 * many people. `SPARKBAAS_ENV` is read where the options are made ({@link envOption}), never by the library.
 */
export const ENV_ARG = { type: 'string', valueHint: 'name', description: ENV_DESCRIPTION } as const
export const JSON_ARG = { type: 'boolean', description: 'Print the result as JSON on stdout' } as const

/** --out has no short form: `-o` is `status`'s --format, as in kubectl's `-o json`. */
export const STACK_ARGS = {
  config: CONFIG_ARG,
  env: ENV_ARG,
  out: { type: 'string', valueHint: 'dir', description: "Folder of the generated stack (default: generated/ beside the config file, generated.<env>/ for an environment)" },
  json: JSON_ARG,
} as const

export function stackOptions(args: { config?: string | undefined; env?: string | undefined; out?: string | undefined }): StackOptions {
  return { ...(args.config ? { configFile: args.config } : {}), ...envOption(args), ...(args.out ? { outDir: args.out } : {}) }
}

/** `{ env }` from --env, else from `SPARKBAAS_ENV` (an empty value counts as unset), else nothing: the default. */
export function envOption(args: { env?: string | undefined }): { env?: string } {
  const env = args.env !== undefined && args.env !== '' ? args.env : process.env['SPARKBAAS_ENV']
  return env === undefined || env === '' ? {} : { env }
}

/** A path as the user would type it: relative below the current folder, absolute elsewhere. */
export function where(file: string): string {
  return displayRelative(file, process.cwd())
}

/** A whole number ≥ `min` from an option, or a usage error naming the option. */
export function wholeNumber(value: string | undefined, option: string, min: number, example: string): number | undefined {
  if (value === undefined) return undefined
  if (/^\d+$/.test(value) && Number(value) >= min) return Number(value)
  throw new SparkbaasError('usage', `${option} needs a whole number${min > 0 ? ` of at least ${min}` : ''}, not "${value}".`, { hint: `For example: ${example}.` })
}

/** The positionals after the command's own: citty collects them in `_`. */
export const positionals = (args: { _: string[] }): string[] => [...args._]

/** Every value of a repeatable option (`--header A:1 --header B:2`, `--header=A:1`); citty keeps only the last. */
export function optionValues(rawArgs: readonly string[], option: string): string[] {
  const values: string[] = []
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i]!
    if (arg === '--') break
    if (arg === option && i + 1 < rawArgs.length) values.push(rawArgs[++i]!)
    else if (arg.startsWith(`${option}=`)) values.push(arg.slice(option.length + 1))
  }
  return values
}

/** `--context`, `--kubeconfig`: which cluster the Kubernetes commands talk to; kubectl's own choice without them. */
export const CLUSTER_ARGS = {
  context: { type: 'string', valueHint: 'name', description: "kubeconfig context to use (default: kubectl's current context)" },
  kubeconfig: { type: 'string', valueHint: 'file', description: 'kubeconfig file to use (default: $KUBECONFIG, else ~/.kube/config)' },
} as const

export function clusterTarget(args: { context?: string | undefined; kubeconfig?: string | undefined }): { context?: string; kubeconfig?: string } {
  return { ...(args.context ? { context: args.context } : {}), ...(args.kubeconfig ? { kubeconfig: args.kubeconfig } : {}) }
}
