/**
 * Compose's sizes and durations in Kubernetes' terms: limits, requests, probes, the user a container runs as.
 */
import type { Probe, ResourceRequirements, SecurityContext } from 'kubernetes-types/core/v1.js'
import type { HealthcheckModel, LimitsModel, ServiceModel } from '../../model/types.js'

/**
 * Compose reads `512m` as 512 MiB (binary units, docker/go-units RAMInBytes); Kubernetes would read `512m` as 0.512
 * bytes, so every size is written with a binary suffix.
 */
export function memoryQuantity(size: string): string {
  const match = /^(\d+)([kmgt])$/i.exec(size)
  if (!match) throw new Error(`internal: not a memory size: ${size}`)
  return `${match[1]}${{ k: 'Ki', m: 'Mi', g: 'Gi', t: 'Ti' }[match[2]!.toLowerCase() as 'k' | 'm' | 'g' | 't']}`
}

const mebibytes = (size: string): number => {
  const match = /^(\d+)([kmgt])$/i.exec(size)!
  return Number(match[1]) * { k: 1 / 1024, m: 1, g: 1024, t: 1024 * 1024 }[match[2]!.toLowerCase() as 'k' | 'm' | 'g' | 't']
}

/** CPUs as a quantity: whole CPUs as they are, fractions in millicores (`0.5` → `500m`). */
export const cpuQuantity = (cpus: number): string => (Number.isInteger(cpus) ? String(cpus) : `${Math.max(1, Math.round(cpus * 1000))}m`)

/** What a pod asks the scheduler for when it does not reserve its limits: low, so a small cluster fits the stack. */
const REQUEST_CPU = 0.1
const REQUEST_MEMORY_MIB = 1024

/**
 * Limits are compose's. Requests: a Spark worker (`reserve`) reserves its limits, so its cores and memory are
 * there for executors; every other container asks for at most 0.1 CPU and 1 GiB and may burst to its limits.
 */
export function resourceRequirements(limits: LimitsModel, reserve: boolean): ResourceRequirements {
  const limit = { cpu: cpuQuantity(limits.cpus), memory: memoryQuantity(limits.memory) }
  if (reserve) return { requests: { ...limit }, limits: limit }
  const memory = mebibytes(limits.memory) <= REQUEST_MEMORY_MIB ? limit.memory : `${REQUEST_MEMORY_MIB}Mi`
  return { requests: { cpu: cpuQuantity(Math.min(limits.cpus, REQUEST_CPU)), memory }, limits: limit }
}

/** `5s`, `1m30s`, `90s` → whole seconds (rounded up; at least 1). */
export function seconds(duration: string): number {
  const parts = [...duration.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s)/g)]
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== duration) throw new Error(`internal: not a duration: ${duration}`)
  const total = parts.reduce((sum, [, n, unit]) => sum + Number(n) * { h: 3600, m: 60, s: 1, ms: 0.001 }[unit as 'h' | 'm' | 's' | 'ms'], 0)
  return Math.max(1, Math.ceil(total))
}

/**
 * Compose's healthcheck as three probes running the same command: readiness (a Service sends traffic only to
 * pods that pass), liveness (restarts a pod that fails `retries` times in a row, where compose would only mark it
 * unhealthy), and a startup probe that holds both off for the start period plus the retries. An exec probe's
 * command is run as written: no `$(VAR)` expansion, no shell unless the test is `CMD-SHELL`.
 */
export function probes(health: HealthcheckModel): { readinessProbe: Probe; livenessProbe: Probe; startupProbe: Probe } {
  const [form, ...rest] = health.test
  const command = form === 'CMD-SHELL' ? ['/bin/sh', '-c', rest.join(' ')] : form === 'CMD' ? rest : [...health.test]
  const periodSeconds = seconds(health.interval)
  const timeoutSeconds = seconds(health.timeout)
  const exec = { exec: { command } }
  return {
    readinessProbe: { ...exec, periodSeconds, timeoutSeconds, failureThreshold: 3 },
    livenessProbe: { ...exec, periodSeconds, timeoutSeconds, failureThreshold: health.retries },
    startupProbe: { ...exec, periodSeconds, timeoutSeconds, failureThreshold: Math.ceil(seconds(health.startPeriod) / periodSeconds) + health.retries },
  }
}

/**
 * The user ids of the users the model names, as the images define them: `node` is 1000 in the official Node images
 * (nodejs/docker-node Dockerfiles: `groupadd --gid 1000 node`, `useradd --uid 1000`; alpine `addgroup -g 1000`),
 * `postgres` is 999 in the Debian Postgres images (docker-library/postgres Dockerfile-debian.template:
 * `groupadd -r postgres --gid=999`, `useradd -r -g postgres --uid=999`). Kubernetes' runAsUser takes only numbers.
 */
const IMAGE_USERS: Readonly<Record<string, number>> = { node: 1000, postgres: 999 }

export function securityContext(service: Pick<ServiceModel, 'name' | 'user' | 'noNewPrivileges'>): SecurityContext | undefined {
  const context: SecurityContext = {}
  if (service.user !== undefined) {
    const uid = /^\d+$/.test(service.user) ? Number(service.user) : IMAGE_USERS[service.user]
    if (uid === undefined) throw new Error(`internal: no user id known for user ${service.user} of ${service.name}`)
    Object.assign(context, { runAsUser: uid, runAsGroup: uid, runAsNonRoot: uid !== 0 })
  }
  if (service.noNewPrivileges) context.allowPrivilegeEscalation = false
  return Object.keys(context).length === 0 ? undefined : context
}
