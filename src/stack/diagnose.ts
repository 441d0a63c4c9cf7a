/**
 * Why `compose up --wait` failed, in terms the user can act on: a host port taken after all (another container
 * holds it, which the preflight cannot see when Docker's userland proxy is off), or the services that exited or
 * never became healthy, each with the end of its log.
 */
import { runCompose } from '../engine/compose.js'
import type { Engine } from '../engine/detect.js'
import { lastLines, type ProcessResult } from '../engine/process.js'
import { isFailing, parsePs, PS_ARGS, type ContainerStatus } from '../engine/ps.js'
import { SparkbaasError, type Problem } from '../errors.js'
import type { Stack } from './context.js'
import { portBusyHint, type HostPort } from './ports.js'
import { jobNames } from './services.js'

export const LOG_LINES = 30

/** Docker's and Podman's wording for a host port that is taken. */
const PORT_TAKEN = /(?:Bind for|listen tcp[46]?) \[?[0-9a-f.:]*\]?:(\d+)(?: failed: port is already allocated|: bind: address already in use)/i

export interface UpContext {
  /** What was started: the services asked for and their dependencies. */
  readonly services: ReadonlySet<string>
  readonly ports: readonly HostPort[]
}

/** A user-facing error for a failed `up`, or undefined when the failure is none of the known kinds. */
export async function diagnoseUp(stack: Stack, engine: Engine, result: ProcessResult, context: UpContext): Promise<SparkbaasError | undefined> {
  const taken = PORT_TAKEN.exec(result.stderr)
  if (taken) return portTaken(Number(taken[1]), context)

  const ps = await runCompose(engine, stack, PS_ARGS, 'capture')
  if (ps.exitCode !== 0) return undefined
  const failing = new Map<string, ContainerStatus>()
  const oneShot = jobNames(stack.model)
  for (const container of parsePs(ps.stdout)) {
    const failed = isFailing(container, oneShot.has(container.service))
    if (context.services.has(container.service) && failed && !failing.has(container.service)) failing.set(container.service, container)
  }
  if (failing.size === 0) return undefined

  const problems: Problem[] = []
  for (const [service, container] of failing) {
    const logs = await runCompose(engine, stack, ['logs', '--no-color', '--tail', String(LOG_LINES), service], 'capture')
    const lines = lastLines(`${logs.stdout}\n${logs.stderr}`, LOG_LINES)
    const tail = lines.length === 0 ? ' It printed no log lines.' : ` Last ${lines.length} log lines:\n${lines.map((l) => `    ${l}`).join('\n')}`
    problems.push({ path: service, code: 'unhealthy', message: `${describe(container)}.${tail}` })
  }
  const count = failing.size === 1 ? '1 service failed' : `${failing.size} services failed`
  return new SparkbaasError('unhealthy', `${stack.project} did not come up (${count}):`, {
    problems,
    hint: 'Fix what the log shows, then run `sparkbaas up` again. `sparkbaas logs <service>` shows more, `sparkbaas status` every service.',
    cause: result.cause,
  })
}

function describe(c: ContainerStatus): string {
  if (c.state === 'exited' || c.state === 'dead') return `${c.name} exited${c.exitCode === null ? '' : ` with code ${c.exitCode}`}`
  if (c.state === 'restarting') return `${c.name} keeps restarting`
  if (c.health === 'unhealthy') return `${c.name} is unhealthy (its healthcheck keeps failing)`
  return `${c.name} was still starting when compose stopped waiting (try a longer --timeout)`
}

function portTaken(port: number, context: UpContext): SparkbaasError {
  const ours = context.ports.find((p) => p.port === port)
  const problem: Problem = ours
    ? { path: ours.key, code: 'port_busy', message: `port ${port} (${ours.service}) is already allocated, probably by another container (\`docker ps\` shows which)` }
    : { path: '', code: 'port_busy', message: `port ${port} is already allocated` }
  return new SparkbaasError('port_busy', 'A host port the stack publishes cannot be used:', {
    problems: [problem],
    hint: ours ? portBusyHint([ours]) : 'Stop what holds the port, then run `sparkbaas up` again.',
  })
}
