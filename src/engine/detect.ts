/**
 * Which compose implementation runs the stack. Tried in order: `docker compose` (the v2 plugin), `podman compose`,
 * `podman-compose`, then a standalone `docker-compose`; `SPARKBAAS_COMPOSE` (e.g. `"podman compose"`) replaces the
 * search. Compose v1 is refused: it rejects the top-level `name:` every generated compose file has.
 */
import { SparkbaasError } from '../errors.js'
import { runProcess } from './process.js'

export interface Engine {
  /** The words every compose call starts with, e.g. `["docker", "compose"]`. */
  readonly command: readonly string[]
  /** What messages call it: `docker compose`. */
  readonly name: string
  /** The version it reports (`2.29.1`), if it could be read. */
  readonly version: string | undefined
  /** The container runtime behind it, for advice on starting it. */
  readonly runtime: 'docker' | 'podman'
}

export const COMPOSE_ENV = 'SPARKBAAS_COMPOSE'

const CANDIDATES: readonly { command: readonly string[]; runtime: Engine['runtime'] }[] = [
  { command: ['docker', 'compose'], runtime: 'docker' },
  { command: ['podman', 'compose'], runtime: 'podman' },
  { command: ['podman-compose'], runtime: 'podman' },
  { command: ['docker-compose'], runtime: 'docker' },
]

/** `docker-compose version 1.29.2, build …` (and `podman compose` wrapping it). */
const COMPOSE_V1 = /\bdocker[- ]compose version:? v?(1\.\d+(?:\.\d+)?)/i
const VERSION = /\bv?(\d+\.\d+(?:\.\d+)?)/
/** What docker says when the compose plugin is not installed (newer, then older wording). */
const NO_PLUGIN = /unknown command: docker compose|'compose' is not a docker command/i

const OVERRIDE_HINT = `To use another compose command, set ${COMPOSE_ENV}, e.g. ${COMPOSE_ENV}="podman compose".`
const INSTALL_HINT = `Install Docker Desktop (macOS, Windows), or Docker Engine with the docker-compose-plugin package (Linux), or Podman with podman-compose. ${OVERRIDE_HINT}`
const V2_HINT = `Install Compose v2 (the docker-compose-plugin package on Linux, or Docker Desktop), or Podman with podman-compose. ${OVERRIDE_HINT}`

type Probe = { engine: Engine } | { reason: string; v1?: string }

/** Finds the engine to use, or throws `engine_missing` (exit 3) saying what was looked for and how to install one. */
export async function detectEngine(env: NodeJS.ProcessEnv = process.env): Promise<Engine> {
  const override = env[COMPOSE_ENV]?.trim()
  if (override) {
    const command = override.split(/\s+/)
    const runtime = command[0]?.includes('podman') ? 'podman' : 'docker'
    const probe = await probeEngine(command, runtime)
    if ('engine' in probe) return probe.engine
    throw new SparkbaasError('engine_missing', `${COMPOSE_ENV}="${override}" cannot be used: ${probe.reason}.`, {
      hint: `Fix or unset ${COMPOSE_ENV}; without it sparkbaas looks for docker compose, then podman.`,
    })
  }
  const reasons: string[] = []
  let v1: string | undefined
  for (const candidate of CANDIDATES) {
    const probe = await probeEngine(candidate.command, candidate.runtime)
    if ('engine' in probe) return probe.engine
    reasons.push(`  ${candidate.command.join(' ')}: ${probe.reason}`)
    v1 ??= probe.v1
  }
  const headline = v1
    ? `Only Compose v1 (docker-compose ${v1}) was found. sparkbaas needs Compose v2 or Podman: v1 cannot read compose files with a top-level \`name:\`, which every generated docker-compose.yml has. Looked for:`
    : 'No compose engine found: sparkbaas runs the stack with Docker Compose v2 or Podman. Looked for:'
  throw new SparkbaasError('engine_missing', [headline, ...reasons].join('\n'), {
    hint: v1 ? V2_HINT : INSTALL_HINT,
  })
}

/** Runs `<command> version`: usable, or why not. */
async function probeEngine(command: readonly string[], runtime: Engine['runtime']): Promise<Probe> {
  const result = await runProcess([...command, 'version'], { output: 'capture', timeoutMs: 20_000 })
  const program = command[0]!
  if (result.spawnError === 'ENOENT') return { reason: command.length > 1 ? `${program} is not on PATH` : 'not on PATH' }
  const output = `${result.stdout}\n${result.stderr}`
  if (result.exitCode !== 0) {
    if (program === 'docker' && NO_PLUGIN.test(output)) return { reason: 'docker is on PATH, but its compose plugin is not installed' }
    const first = output.split('\n').find((line) => line.trim() !== '')?.trim()
    const how = result.spawnError !== undefined ? `could not be started (${result.spawnError})` : `exited with code ${result.exitCode}`
    return { reason: `\`${[...command, 'version'].join(' ')}\` ${how}${first ? `: ${first}` : ''}` }
  }
  const v1 = COMPOSE_V1.exec(output)?.[1]
  if (v1 !== undefined) return { reason: `version ${v1} is Compose v1, which cannot read compose files with a top-level \`name:\``, v1 }
  return { engine: { command, name: command.join(' '), version: VERSION.exec(result.stdout)?.[1], runtime } }
}
