/**
 * Every compose call sparkbaas makes is built by {@link composeArgv}: the project name, the generated compose file
 * and its `.env` are always passed explicitly, so the result does not depend on the current folder, a stray
 * `COMPOSE_FILE`/`COMPOSE_PROJECT_NAME` in the shell, or a `.env` compose might otherwise pick up from elsewhere.
 */
import { join } from 'node:path'
import { SparkbaasError } from '../errors.js'
import { COMPOSE_FILE, ENV_FILE } from '../layout.js'
import type { Engine } from './detect.js'
import { commandFailed, runProcess, type OutputMode, type ProcessResult, type RunOptions } from './process.js'

export { COMPOSE_FILE, ENV_FILE } from '../layout.js'

/** Which stack a compose call is about. */
export interface ComposeProject {
  /** Compose project name: the config's `project`. */
  readonly project: string
  /** Absolute folder holding the generated compose file and `.env`. */
  readonly outDir: string
}

/** Where a compose call's stdin comes from and its stdout goes, when not the output mode's (see RunOptions). */
export type ComposeIo = Pick<RunOptions, 'input' | 'stdoutFile'>

/** `<engine> -p <project> -f <out>/docker-compose.yml --env-file <out>/.env <args…>` */
export function composeArgv(engine: Engine, target: ComposeProject, args: readonly string[]): string[] {
  return [...engine.command, '-p', target.project, '-f', join(target.outDir, COMPOSE_FILE), '--env-file', join(target.outDir, ENV_FILE), ...args]
}

/**
 * Runs one compose subcommand. An unreachable daemon is reported here, for every command alike (exit 4); any other
 * failure is returned for the caller to explain.
 */
export async function runCompose(
  engine: Engine,
  target: ComposeProject,
  args: readonly string[],
  output: OutputMode,
  io: ComposeIo = {},
): Promise<ProcessResult> {
  const result = await runProcess(composeArgv(engine, target, args), { output, ...io })
  if (result.exitCode !== 0) {
    const unreachable = daemonError(engine, result)
    if (unreachable) throw unreachable
    if (result.spawnError !== undefined) throw commandFailed(result)
  }
  return result
}

/** {@link runCompose}, with any failure reported as the command that ran and its exit code. */
export async function composeOrFail(
  engine: Engine,
  target: ComposeProject,
  args: readonly string[],
  output: OutputMode,
  io: ComposeIo = {},
): Promise<ProcessResult> {
  const result = await runCompose(engine, target, args, output, io)
  if (result.exitCode !== 0) throw commandFailed(result)
  return result
}

/** Docker's and Podman's wording when the client cannot reach the engine. */
const DAEMON_DOWN = [
  /Cannot connect to the Docker daemon/i,
  /Is the docker daemon running\?/i,
  /error during connect: .*docker/i,
  /Cannot connect to Podman/i,
  /unable to connect to Podman socket/i,
]
const PERMISSION_DENIED = /permission denied while trying to connect to the Docker daemon socket/i

/** `daemon_down` (exit 4) when the output says the engine cannot be reached, else undefined. */
export function daemonError(engine: Engine, result: ProcessResult): SparkbaasError | undefined {
  const text = `${result.stderr}\n${result.stdout}`
  if (PERMISSION_DENIED.test(text)) {
    return new SparkbaasError('daemon_down', `${engine.name} is installed, but you may not use the Docker daemon (permission denied on its socket).`, {
      hint: 'Add yourself to the docker group (`sudo usermod -aG docker $USER`, then log in again), or use rootless Docker or Podman.',
      cause: result.cause,
    })
  }
  if (!DAEMON_DOWN.some((pattern) => pattern.test(text))) return undefined
  const hint =
    engine.runtime === 'podman'
      ? 'Start it: `podman machine start` (macOS, Windows) or `systemctl --user start podman.socket` (Linux); `podman info` checks it.'
      : 'Start Docker Desktop (macOS, Windows) or the service (Linux: `sudo systemctl start docker`); `docker info` checks it.'
  const runtime = engine.runtime === 'podman' ? 'Podman' : 'Docker'
  return new SparkbaasError('daemon_down', `${engine.name} is installed, but the ${runtime} engine is not running (cannot connect to it).`, {
    hint,
    cause: result.cause,
  })
}
