/** Checks of the machine itself: a compose engine that answers, and memory and cores for the configured stack. */
import { daemonError } from '../engine/compose.js'
import type { Engine } from '../engine/detect.js'
import { formatCommand, lastLines, type ProcessResult } from '../engine/process.js'
import { isSparkbaasError } from '../errors.js'
import type { StackModel } from '../model/types.js'
import { fail, ok, warn, type CheckResult } from './types.js'

/** `up --timeout` passes `--wait-timeout`, which Docker Compose has had since 2.17.0 (its release notes). */
const WAIT_TIMEOUT_SINCE = [2, 17] as const

/**
 * The engine line: which compose implementation and version, and whether its engine answers (`probe`: the
 * output of `compose ps` or `docker info`). `engine` is what detectEngine returned or threw.
 */
export function checkEngine(engine: { engine: Engine } | { error: unknown }, probe: ProcessResult | undefined): CheckResult {
  if ('error' in engine) {
    const error = engine.error
    if (!isSparkbaasError(error)) throw error
    const [first = '', ...rest] = error.message.split('\n')
    return fail('engine', first, error.hint ?? 'Install Docker with Compose v2, or Podman.', rest.map((line) => line.trim()))
  }
  const { engine: found } = engine
  const name = `${found.name} ${found.version ?? '(version unknown)'}`
  if (probe !== undefined && probe.exitCode !== 0) {
    const down = daemonError(found, probe)
    if (down) return fail('engine', down.message, down.hint ?? '')
    const how = probe.spawnError !== undefined ? `could not be started (${probe.spawnError})` : `exited with code ${probe.exitCode}`
    const said = lastLines(probe.stderr, 1)[0]
    return warn(
      'engine',
      `${name} found, but \`${formatCommand(probe.argv)}\` ${how}${said ? `: ${said}` : ''}; could not tell whether the engine runs.`,
      `Run \`${found.runtime} info\`: it says whether the engine runs and why not.`,
    )
  }
  const runtime = found.runtime === 'podman' ? 'Podman' : 'Docker'
  const answers = probe === undefined ? '' : `; the ${runtime} engine answers`
  if (isOldDockerCompose(found)) {
    return warn(
      'engine',
      `${name}${answers}, but it is older than Docker Compose ${WAIT_TIMEOUT_SINCE.join('.')}: \`sparkbaas up --timeout\` needs its --wait-timeout.`,
      'Update Docker Compose (Docker Desktop, or the docker-compose-plugin package on Linux).',
    )
  }
  return ok('engine', `${name}${answers}`)
}

function isOldDockerCompose(engine: Engine): boolean {
  if (engine.runtime !== 'docker' || engine.version === undefined) return false
  const [major = 0, minor = 0] = engine.version.split('.').map(Number)
  return major < WAIT_TIMEOUT_SINCE[0] || (major === WAIT_TIMEOUT_SINCE[0] && minor < WAIT_TIMEOUT_SINCE[1])
}

const MiB = 1024 ** 2
const GiB = 1024 ** 3

/**
 * Rough memory the built-in services use when idle, for a warning, not a limit: Keycloak's sizing guide gives about
 * 1 GB for an idle instance; a Spark daemon (master, and each worker beside the memory it offers executors) runs
 * in a JVM; the rest are small. Extra services from the config are unknown images: counted at 128 MiB each.
 */
const BASELINE_MEMORY: Readonly<Record<string, number>> = {
  postgres: 256 * MiB,
  keycloak: 1024 * MiB,
  postgrest: 64 * MiB,
  traefik: 64 * MiB,
  functions: 128 * MiB,
  verifier: 64 * MiB,
  'spark-master': 512 * MiB,
}
const WORKER_DAEMON_MEMORY = 256 * MiB
const OTHER_SERVICE_MEMORY = 128 * MiB
/** Cores the services other than the Spark workers need between them, roughly. */
const BASELINE_CORES = 1

/** `"2g"` → bytes, as Spark reads a worker's `--memory` (binary units). */
export function memoryBytes(size: string): number {
  const match = /^(\d+)([kmgt])$/i.exec(size)
  if (!match) throw new Error(`internal: not a memory size: ${size}`)
  const unit = { k: 1024, m: MiB, g: GiB, t: 1024 * GiB }[match[2]!.toLowerCase() as 'k' | 'm' | 'g' | 't']
  return Number(match[1]) * unit
}

const gib = (bytes: number) => `${(bytes / GiB).toFixed(1)} GiB`

/** Memory and cores for the stack, Spark workers (memory × replicas, cores × replicas) on top of the rest. */
export function checkResources(model: StackModel, totalMemory: number, cpuCount: number): CheckResult {
  let memory = 0
  let workerMemory = 0
  let workerCores = 0
  let workers = 0
  for (const service of model.services) {
    // A one-shot job (postgres-init, keycloak-sync) runs for seconds during `up` and holds nothing afterwards.
    if (service.oneShot) continue
    const worker = sparkWorker(service.command)
    const replicas = service.replicas ?? 1
    if (worker) {
      workers += replicas
      workerMemory += worker.memory * replicas
      workerCores += worker.cores * replicas
      memory += (worker.memory + WORKER_DAEMON_MEMORY) * replicas
    } else {
      memory += (BASELINE_MEMORY[service.name] ?? OTHER_SERVICE_MEMORY) * replicas
    }
  }
  const cores = workerCores + BASELINE_CORES
  const sparkPart = workers === 0 ? '' : ` (Spark workers: ${workers} offering ${gib(workerMemory)} and ${workerCores} core${workerCores === 1 ? '' : 's'})`
  const machine = `this machine has ${gib(totalMemory)} and ${cpuCount} core${cpuCount === 1 ? '' : 's'}`
  const short: string[] = []
  if (memory > totalMemory) short.push('memory')
  if (cores > cpuCount) short.push('cores')
  const needs = `the stack needs about ${gib(memory)} of memory and ${cores} core${cores === 1 ? '' : 's'}${sparkPart}`
  if (short.length === 0) return ok('resources', `${needs}; ${machine}`)
  return warn(
    'resources',
    `not enough ${short.join(' or ')}: ${needs}; ${machine}`,
    workers > 0
      ? "Lower the workers' memory, cores or replicas in the config, or use a bigger machine (with Docker Desktop, the limits of its VM count: Settings → Resources)."
      : 'Use a machine with more memory (with Docker Desktop, the limits of its VM count: Settings → Resources).',
  )
}

/** A Spark worker's `--cores N --memory SIZE` from its command (model/services.ts sparkServices). */
function sparkWorker(command: readonly string[] | string | undefined): { cores: number; memory: number } | undefined {
  if (!Array.isArray(command) || !command.includes('org.apache.spark.deploy.worker.Worker')) return undefined
  const value = (flag: string) => command[command.indexOf(flag) + 1]
  const cores = Number(value('--cores'))
  const memory = value('--memory')
  if (!(cores >= 1) || memory === undefined) return undefined
  return { cores, memory: memoryBytes(memory) }
}

/**
 * How to ask the engine whether it runs rootless. Podman reports `host.security.rootless` (libpod/define/info.go,
 * SecurityInfo.Rootless); Docker lists `name=rootless` among its security options when the daemon runs in
 * RootlessKit (moby daemon/info.go, fillSecurityOptions).
 */
export function rootlessArgv(engine: Engine): string[] {
  return engine.runtime === 'podman' ? ['podman', 'info', '--format', '{{.Host.Security.Rootless}}'] : ['docker', 'info', '--format', '{{json .SecurityOptions}}']
}

/** The answer to {@link rootlessArgv}; undefined when the engine did not answer or said something else. */
export function isRootless(engine: Engine, result: ProcessResult): boolean | undefined {
  if (result.exitCode !== 0) return undefined
  const out = result.stdout.trim()
  if (engine.runtime === 'podman') return out === 'true' ? true : out === 'false' ? false : undefined
  try {
    const options: unknown = JSON.parse(out)
    if (!Array.isArray(options)) return undefined
    return options.some((o) => typeof o === 'string' && o.split(',').includes('name=rootless'))
  } catch {
    return undefined
  }
}
