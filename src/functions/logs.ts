/**
 * `function logs <name>`: the functions service's log through `compose logs`, narrowed to one function's lines
 * (log-filter.ts), printed as they come when following.
 */
import { constants } from 'node:os'
import { execa } from 'execa'
import { composeArgv, daemonError } from '../engine/compose.js'
import { detectEngine, type Engine } from '../engine/detect.js'
import { commandFailed, type ProcessResult } from '../engine/process.js'
import { requireGenerated, type Stack } from '../stack/context.js'
import { functionLineMatcher, LastItems } from './log-filter.js'
import { findFunction, FUNCTIONS_SERVICE } from './lookup.js'

export interface FunctionLogsOptions {
  /** Keep printing new lines until Ctrl-C. */
  readonly follow?: boolean
  /** Only the function's last N lines (of what is logged so far, when following); all when undefined. */
  readonly tail?: number
  /** Called with each of the function's lines, without compose's container prefix, in order. */
  readonly onLine: (line: string) => void
  /** @internal the engine to use instead of detecting one. */
  readonly engine?: Engine
}

/** Resolves once compose is done (for `follow`, when Ctrl-C or SIGTERM ended it) with its exit code. */
export async function functionLogs(stack: Stack, name: string, options: FunctionLogsOptions): Promise<{ exitCode: number }> {
  findFunction(stack.model, name)
  requireGenerated(stack)
  const engine = options.engine ?? (await detectEngine())
  const matches = functionLineMatcher(name)
  const { tail, onLine } = options

  if (!options.follow) {
    // compose's own --tail would count every function's lines; the function's last N are kept here instead.
    const last = new LastItems<string>(tail)
    const result = await streamCompose(engine, stack, ['logs', FUNCTIONS_SERVICE], (line) => {
      const text = matches(line)
      if (text !== undefined) last.push(text)
    })
    checkResult(engine, result)
    for (const line of last.values()) onLine(line)
    return { exitCode: result.exitCode }
  }

  const args = ['logs', '--follow']
  if (tail !== undefined) {
    // To start following at the function's N-th last line, count the service's lines from there to the end of
    // the log so far, then follow with that many. Lines logged between the two calls push the start later: a few
    // old lines may be missed, never a new one, and none is printed twice. (One container: compose counts --tail
    // per container.)
    let total = 0
    const starts = new LastItems<number>(tail)
    const history = await streamCompose(engine, stack, ['logs', FUNCTIONS_SERVICE], (line) => {
      if (matches(line) !== undefined) starts.push(total)
      total++
    }, { showStderr: false })
    checkResult(engine, history)
    const first = starts.values()[0]
    // Fewer matches than asked for: all of the log (compose's default).
    if (tail === 0 || starts.values().length === tail) args.push('--tail', String(first === undefined ? 0 : total - first))
  }
  const result = await streamCompose(engine, stack, [...args, FUNCTIONS_SERVICE], (line) => {
    const text = matches(line)
    if (text !== undefined) onLine(text)
  })
  checkResult(engine, result)
  return { exitCode: result.exitCode }
}

/** Ended by Ctrl-C or SIGTERM: how one stops following, not a failure. */
const interrupted = (exitCode: number) => exitCode === 130 || exitCode === 143

function checkResult(engine: Engine, result: ProcessResult): void {
  if (result.exitCode === 0 || interrupted(result.exitCode)) return
  throw daemonError(engine, result) ?? commandFailed(result)
}

const FORWARDED: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM']

/**
 * One compose call whose stdout is handed over line by line as it comes. Not engine/process.ts's runProcess: that
 * keeps all of stdout until the end, and a followed log never ends. Its stderr is shown (unless `showStderr` is
 * false) and kept, to explain a failure; Ctrl-C and SIGTERM are passed on and waited for, as there.
 */
async function streamCompose(engine: Engine, stack: Stack, args: readonly string[], onLine: (line: string) => void, options: { showStderr?: boolean } = {}): Promise<ProcessResult> {
  const argv = composeArgv(engine, stack, args)
  const [file, ...rest] = argv as [string, ...string[]]
  const child = execa(file, rest, {
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: options.showStderr === false ? 'pipe' : ['pipe', 'inherit'],
    buffer: { stdout: false, stderr: true },
    reject: false,
    stripFinalNewline: false,
  })
  const forward = (signal: NodeJS.Signals) => {
    child.kill(signal)
  }
  for (const signal of FORWARDED) process.on(signal, forward)
  try {
    try {
      for await (const line of child.iterable({ from: 'stdout' })) onLine(line)
    } catch {
      // The child could not be started or its stdout broke: the result below says how.
    }
    const result = await child
    const signalled = result.signal === undefined ? undefined : constants.signals[result.signal]
    const code = 'code' in result && typeof result.code === 'string' ? result.code : 'ERROR'
    return {
      argv,
      exitCode: result.exitCode ?? (signalled === undefined ? -1 : 128 + signalled),
      stdout: '',
      stderr: typeof result.stderr === 'string' ? result.stderr : '',
      spawnError: result.failed && result.exitCode === undefined && signalled === undefined ? code : undefined,
      shown: options.showStderr !== false,
      cause: result.failed ? result : undefined,
    }
  } finally {
    for (const signal of FORWARDED) process.off(signal, forward)
  }
}
