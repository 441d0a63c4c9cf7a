/**
 * `compose ps --all --format json`, read. Compose v2.21+ prints one JSON object per line; earlier v2 releases print
 * one JSON array. Both are accepted, and only the fields sparkbaas uses are kept.
 */
import { SparkbaasError } from '../errors.js'

export const PS_ARGS = ['ps', '--all', '--format', 'json'] as const

export interface PublishedPort {
  /** Host address, e.g. `127.0.0.1`, `0.0.0.0`, `::`. */
  readonly host: string
  readonly published: number
  readonly target: number
  readonly protocol: string
}

export interface ContainerStatus {
  /** Container name, e.g. `acme-postgres-1`. */
  readonly name: string
  /** Compose service, e.g. `postgres`. */
  readonly service: string
  /** `running`, `exited`, `restarting`, `created`, … */
  readonly state: string
  /** `healthy`, `unhealthy`, `starting`, or null without a healthcheck. */
  readonly health: string | null
  readonly exitCode: number | null
  /** Ports published on the host (unpublished exposed ports left out). */
  readonly ports: readonly PublishedPort[]
}

const str = (value: unknown): string => (typeof value === 'string' ? value : '')

export function parsePs(stdout: string): ContainerStatus[] {
  const text = stdout.trim()
  if (text === '') return []
  let rows: unknown[]
  try {
    rows = text.startsWith('[') ? (JSON.parse(text) as unknown[]) : text.split(/\r?\n/).filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as unknown)
  } catch (error) {
    throw new SparkbaasError('engine_failed', `Could not read the output of \`compose ps --format json\`: ${text.split('\n')[0]?.slice(0, 200)}`, { cause: error })
  }
  return rows.filter((row): row is Record<string, unknown> => typeof row === 'object' && row !== null).map(toStatus)
}

function toStatus(row: Record<string, unknown>): ContainerStatus {
  const publishers = Array.isArray(row.Publishers) ? (row.Publishers as unknown[]) : []
  const ports: PublishedPort[] = []
  for (const p of publishers) {
    if (typeof p !== 'object' || p === null) continue
    const { URL: host, PublishedPort: published, TargetPort: target, Protocol: protocol } = p as Record<string, unknown>
    if (typeof published !== 'number' || published === 0) continue
    const port = { host: str(host), published, target: typeof target === 'number' ? target : 0, protocol: str(protocol) || 'tcp' }
    // Docker lists a port once per address family; the same line twice says nothing more.
    if (!ports.some((q) => q.host === port.host && q.published === port.published && q.protocol === port.protocol)) ports.push(port)
  }
  return {
    name: str(row.Name),
    service: str(row.Service),
    state: str(row.State) || 'unknown',
    health: str(row.Health) || null,
    exitCode: typeof row.ExitCode === 'number' ? row.ExitCode : null,
    ports,
  }
}

/** A one-shot job's container (postgres-init, keycloak-sync) that ran to a clean end: its healthy final state. */
export const jobDone = (c: ContainerStatus): boolean => c.state === 'exited' && c.exitCode === 0

/** A container that keeps the stack from being up: stopped, restarting, or not (yet) healthy; a job not done. */
export const isFailing = (c: ContainerStatus, oneShot = false): boolean =>
  !(oneShot && jobDone(c)) &&
  (c.state === 'exited' || c.state === 'dead' || c.state === 'restarting' || c.health === 'unhealthy' || c.health === 'starting')

/** `127.0.0.1:5432->5432/tcp`; the wildcard addresses are left out as `docker ps` does. */
export const formatPort = (p: PublishedPort): string =>
  `${p.host === '' || p.host === '0.0.0.0' || p.host === '::' ? '' : `${p.host.includes(':') ? `[${p.host}]` : p.host}:`}${p.published}->${p.target}/${p.protocol}`
