/**
 * `sparkbaas reset --yes`: start the stack over with empty data. A backup comes first, and if it fails nothing is
 * deleted; then `down --volumes` and `up`, which runs the init SQL on the new, empty volume.
 */
import { detectEngine, type Engine } from '../engine/detect.js'
import type { OutputMode } from '../engine/process.js'
import { isSparkbaasError, SparkbaasError } from '../errors.js'
import { displayPath, requireComposeTarget, type Stack } from '../stack/context.js'
import { down, stackVolumes, type DownResult } from '../stack/down.js'
import { up, type UpResult } from '../stack/up.js'
import { backup, type BackupResult } from './dump.js'

export interface ResetOptions {
  /** Confirms deleting the stack's volumes; without it nothing happens. */
  readonly yes?: boolean
  /** How compose's own output of `down` and `up` is shown. */
  readonly output: OutputMode
  /** Told after each step, for progress lines. */
  readonly onStep?: (step: { kind: 'backed-up'; backup: BackupResult } | { kind: 'down'; down: DownResult }) => void
  /** @internal the engine to use instead of detecting one. */
  readonly engine?: Engine
}

export interface ResetResult {
  readonly project: string
  readonly backup: BackupResult
  readonly down: DownResult
  readonly up: UpResult
}

export async function reset(stack: Stack, options: ResetOptions): Promise<ResetResult> {
  requireComposeTarget(stack)
  if (options.yes !== true) throw confirmationNeeded(stack)
  const engine = options.engine ?? (await detectEngine())
  let saved: BackupResult
  try {
    saved = await backup(stack, { engine })
  } catch (error) {
    if (!isSparkbaasError(error)) throw error
    const without = 'To reset without a backup: `sparkbaas down --volumes --yes`, then `sparkbaas up`.'
    throw new SparkbaasError(error.code, `Reset stopped before deleting anything: the backup failed. ${error.message}`, {
      problems: error.problems,
      hint: `${error.hint === undefined ? '' : `${error.hint} `}${without}`,
      exitCode: error.exitCode,
      cause: error,
    })
  }
  options.onStep?.({ kind: 'backed-up', backup: saved })
  const restoreWith = `\`sparkbaas restore --file ${displayPath(stack, saved.file)} --yes\``
  try {
    const downResult = await down(stack, { volumes: true, yes: true, output: options.output, engine })
    options.onStep?.({ kind: 'down', down: downResult })
    const upResult = await up(stack, { output: options.output, engine })
    return { project: stack.project, backup: saved, down: downResult, up: upResult }
  } catch (error) {
    if (!isSparkbaasError(error)) throw error
    // The data is safe in the archive whatever failed after the backup: say so where the user looks.
    throw new SparkbaasError(error.code, error.message, {
      problems: error.problems,
      hint: `${error.hint === undefined ? '' : `${error.hint} `}The data from before the reset is in ${displayPath(stack, saved.file)}: ${restoreWith} once the stack is up.`,
      exitCode: error.exitCode,
      cause: error,
    })
  }
}

function confirmationNeeded(stack: Stack): SparkbaasError {
  const volumes = stackVolumes(stack.model)
  return new SparkbaasError('confirmation_required', `reset deletes the data of stack ${stack.project} and starts it empty:`, {
    problems: [
      { path: 'backup', code: 'confirmation_required', message: 'every database is backed up first, into backups/ beside the config file' },
      { path: 'down', code: 'confirmation_required', message: `the containers and volume${volumes.length === 1 ? '' : 's'} ${volumes.join(', ')} are deleted` },
      { path: 'up', code: 'confirmation_required', message: 'the stack starts again on empty volumes (the init SQL runs anew)' },
    ],
    hint: 'Add --yes to reset: `sparkbaas reset --yes`.',
  })
}
