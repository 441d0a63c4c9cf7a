/**
 * The one way sparkbaas runs another program. Arguments are always an array handed to execa (no shell, so nothing
 * in a service name or a path is ever interpreted), and the caller picks how the output is shared:
 * - `inherit`: the child owns the terminal (stdin too), for `exec` into a container;
 * - `stream`: the user sees stdout and stderr as they come, and stderr is also kept to explain a failure;
 * - `capture`: nothing is shown, both are kept (`--json`, `ps`, probes).
 */
import { constants } from 'node:os'
import { execa } from 'execa'
import { SparkbaasError } from '../errors.js'

export type OutputMode = 'inherit' | 'stream' | 'capture'

export interface ProcessResult {
  /** What ran, program first. */
  readonly argv: readonly string[]
  /** The child's exit code; 128 + n when signal n ended it; -1 when it could not be started. */
  readonly exitCode: number
  readonly stdout: string
  readonly stderr: string
  /** Node's error code when the program could not be started, e.g. `ENOENT` (not on PATH). */
  readonly spawnError: string | undefined
  /** Whether the user already saw the child's output (so an error need not repeat it). */
  readonly shown: boolean
  /** execa's error for a failed run, kept as the `cause` of the error we report. */
  readonly cause: unknown
}

export interface RunOptions {
  readonly output: OutputMode
  /** Extra environment for the child; the parent's environment is passed on. */
  readonly env?: Readonly<Record<string, string>>
  /** Stop waiting after this many milliseconds (probes only). */
  readonly timeoutMs?: number
  /** What the child reads on stdin, instead of what the mode gives it: a file's bytes or a string (SQL for psql). */
  readonly input?: { readonly file: string } | { readonly text: string }
  /** Where the child's stdout goes, byte for byte, instead of what the mode does with it (a `pg_dump` archive). */
  readonly stdoutFile?: string
}

const FORWARDED: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM']

const STDIO = {
  inherit: { stdin: 'inherit', stdout: 'inherit', stderr: 'inherit' },
  stream: { stdin: 'ignore', stdout: 'inherit', stderr: ['pipe', 'inherit'] },
  capture: { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' },
} as const

/** Runs `argv` to completion and never throws for the child's own failure: the caller decides what a failure means. */
export async function runProcess(argv: readonly string[], options: RunOptions): Promise<ProcessResult> {
  const [file, ...args] = argv
  if (file === undefined) throw new Error('internal: runProcess needs a program')
  const child = execa(file, args, {
    ...STDIO[options.output],
    ...(options.input === undefined ? {} : 'file' in options.input ? { stdin: { file: options.input.file } } : { stdin: 'pipe' as const, input: options.input.text }),
    ...(options.stdoutFile === undefined ? {} : { stdout: { file: options.stdoutFile } }),
    reject: false,
    // Captured output is handed on as is (`logs --json`, `exec --json`).
    stripFinalNewline: false,
    env: options.env,
    ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
  })
  // Ctrl-C and a supervisor's SIGTERM are passed to the child and sparkbaas waits for it to finish, so compose can
  // stop cleanly and its exit code is the one we return. (At a terminal the child also gets Ctrl-C directly, from
  // its process group; compose and docker treat a repeated SIGINT like one.)
  const forward = (signal: NodeJS.Signals) => {
    child.kill(signal)
  }
  for (const signal of FORWARDED) process.on(signal, forward)
  try {
    const result = await child
    const signalled = result.signal === undefined ? undefined : constants.signals[result.signal]
    const spawnError = result.failed && result.exitCode === undefined && signalled === undefined ? errorCode(result) : undefined
    return {
      argv,
      exitCode: result.exitCode ?? (signalled === undefined ? -1 : 128 + signalled),
      stdout: typeof result.stdout === 'string' ? result.stdout : '',
      stderr: typeof result.stderr === 'string' ? result.stderr : '',
      spawnError,
      shown: options.output !== 'capture',
      cause: result.failed ? result : undefined,
    }
  } finally {
    for (const signal of FORWARDED) process.off(signal, forward)
  }
}

function errorCode(result: object): string {
  return 'code' in result && typeof result.code === 'string' ? result.code : 'ERROR'
}

/** A command as a user would type it again: arguments with spaces or quotes are single-quoted. */
export function formatCommand(argv: readonly string[]): string {
  return argv.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`)).join(' ')
}

/** The last `max` non-empty lines of a child's output, for an error message. */
export function lastLines(text: string, max: number): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trimEnd())
    .filter((line) => line !== '')
    .slice(-max)
}

/**
 * A child that failed: the command that ran and its exit code (and the end of its stderr when the user has not seen
 * it), with execa's error as the cause.
 */
export function commandFailed(result: ProcessResult, options: { hint?: string } = {}): SparkbaasError {
  const how = result.spawnError !== undefined ? `could not be started (${result.spawnError})` : `failed with exit code ${result.exitCode}`
  const tail = result.shown ? [] : lastLines(result.stderr, 10)
  const message = [`\`${formatCommand(result.argv)}\` ${how}${tail.length > 0 ? ':' : '.'}`, ...tail.map((line) => `  ${line}`)].join('\n')
  return new SparkbaasError('engine_failed', message, {
    ...(options.hint === undefined ? {} : { hint: options.hint }),
    cause: result.cause,
  })
}
