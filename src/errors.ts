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
  | 'not_generated'
  | 'env_invalid'
  | 'engine_missing'
  | 'engine_failed'
  | 'daemon_down'
  | 'port_busy'
  | 'port_invalid'
  | 'unhealthy'
  | 'confirmation_required'
  | 'interrupted'
  | 'backup_failed'
  | 'archive_invalid'
  | 'archive_mismatch'
  | 'archive_refused'
  | 'restore_failed'
  | 'stack_not_running'
  | 'database_error'
  | 'migration_invalid'
  | 'migrations_blocked'
  | 'migration_failed'
  | 'function_failed'
  | 'compose_invalid'
  | 'upgrade_blocked'
  | 'locked'
  | 'kubectl_missing'
  | 'cluster_unreachable'
  | 'secrets_missing'
  | 'k8s_output_invalid'

/**
 * Exit codes: 1 for an invalid config or a failed operation, 2 for a usage error (a missing `--yes` included),
 * 3 when no usable compose engine (or, for the Kubernetes commands, no kubectl) is installed, 4 when the engine is
 * installed but its daemon cannot be reached (or the cluster cannot be, or refuses the credentials).
 * Scripts can tell "fix your machine" (3, 4) from "fix your stack" (1) without reading the text.
 */
export const EXIT = { ok: 0, failure: 1, usage: 2, engineMissing: 3, daemonDown: 4 } as const

const DEFAULT_EXIT: Partial<Record<ErrorCode, number>> = {
  usage: EXIT.usage,
  confirmation_required: EXIT.usage,
  engine_missing: EXIT.engineMissing,
  daemon_down: EXIT.daemonDown,
  kubectl_missing: EXIT.engineMissing,
  cluster_unreachable: EXIT.daemonDown,
}

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
    this.exitCode = options.exitCode ?? DEFAULT_EXIT[code] ?? EXIT.failure
  }
}

export const isSparkbaasError = (error: unknown): error is SparkbaasError => error instanceof SparkbaasError
