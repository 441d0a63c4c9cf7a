/**
 * The one error type for a user's mistake or a condition the user can fix. The CLI prints these without a stack;
 * anything else that escapes is our bug and is printed with its stack.
 */

/** One problem in a config, addressed by its path (`functions[2].source`). */
export interface Problem {
  /** Dotted path into the config; `""` for the config as a whole. */
  path: string
  message: string
  /** Stable machine-readable code, e.g. `unknown_function`. */
  code: string
}

export type ErrorCode =
  | 'config_not_found'
  | 'config_load_failed'
  | 'config_not_object'
  | 'config_invalid'
  | 'usage'
  | 'render_failed'
  | 'write_failed'
  | 'stale_output'
  | 'engine_missing'
  | 'engine_failed'

/** Exit codes: 1 for an invalid config or a failed operation, 2 for a usage error. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const

export class SparkbaasError extends Error {
  override readonly name = 'SparkbaasError'
  readonly code: ErrorCode
  readonly hint: string | undefined
  readonly problems: readonly Problem[]
  readonly exitCode: number

  constructor(
    code: ErrorCode,
    message: string,
    options: { hint?: string; problems?: readonly Problem[]; exitCode?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.hint = options.hint
    this.problems = options.problems ?? []
    this.exitCode = options.exitCode ?? (code === 'usage' ? EXIT.usage : EXIT.failure)
  }
}

export const isSparkbaasError = (error: unknown): error is SparkbaasError => error instanceof SparkbaasError
