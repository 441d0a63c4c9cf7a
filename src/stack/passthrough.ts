/**
 * `logs`, `restart` and `exec`: compose subcommands passed through with the stack's project, file and `.env`, after
 * the service names are checked against the model.
 */
import { composeOrFail, runCompose } from '../engine/compose.js'
import { detectEngine, type Engine } from '../engine/detect.js'
import { commandFailed, type OutputMode, type ProcessResult } from '../engine/process.js'
import { requireGenerated, type Stack } from './context.js'
import { checkServices } from './services.js'

interface Common {
  readonly output: OutputMode
  /** @internal the engine to use instead of detecting one. */
  readonly engine?: Engine
}

async function prepare(stack: Stack, services: readonly string[], options: Common): Promise<Engine> {
  checkServices(stack.model, services)
  requireGenerated(stack)
  return options.engine ?? (await detectEngine())
}

/** Ended by Ctrl-C or SIGTERM: how one stops `logs --follow`, not a failure to report. */
const interrupted = (result: ProcessResult) => result.exitCode === 130 || result.exitCode === 143

export interface LogsOptions extends Common {
  readonly services?: readonly string[]
  readonly follow?: boolean
  /** Lines from the end of each log; all when undefined. */
  readonly tail?: number
}

/** Shows (or, with `capture`, returns) the logs; resolves to compose's result. */
export async function logs(stack: Stack, options: LogsOptions): Promise<ProcessResult> {
  const services = options.services ?? []
  const engine = await prepare(stack, services, options)
  const args = ['logs', ...(options.follow ? ['--follow'] : []), ...(options.tail === undefined ? [] : ['--tail', String(options.tail)])]
  const result = await runCompose(engine, stack, [...args, ...services], options.output)
  if (result.exitCode !== 0 && !interrupted(result)) throw commandFailed(result)
  return result
}

export async function restart(stack: Stack, options: Common & { readonly services?: readonly string[] }): Promise<void> {
  const services = options.services ?? []
  const engine = await prepare(stack, services, options)
  await composeOrFail(engine, stack, ['restart', ...services], options.output)
}

export interface ExecOptions extends Common {
  readonly service: string
  readonly command: readonly string[]
  /** Allocate a terminal (stdin is one); otherwise `-T`, or docker refuses ("the input device is not a TTY"). */
  readonly tty: boolean
}

/** Runs a command in a running service's container; resolves to its result (the exit code is the command's). */
export async function exec(stack: Stack, options: ExecOptions): Promise<ProcessResult> {
  const engine = await prepare(stack, [options.service], options)
  return runCompose(engine, stack, ['exec', ...(options.tty ? [] : ['-T']), options.service, ...options.command], options.output)
}
