/**
 * Before `up`: are the host ports the stack publishes free? Docker's own answer comes late and cryptic ("Bind for
 * 0.0.0.0:80 failed: port is already allocated", after other containers started), so each port is tried here with
 * node:net first, and a busy one is reported with the service that needs it and the `.env` key that moves it.
 */
import { createServer } from 'node:net'
import { ENV } from '../model/env-vars.js'
import { SparkbaasError, type Problem } from '../errors.js'
import type { StackModel } from '../model/types.js'
import { runProcess } from '../engine/process.js'
import type { EnvLookup } from './context.js'

export interface HostPort {
  readonly service: string
  /** The `.env` key holding the host port. */
  readonly envKey: string
  readonly port: number
  /** Host address it is published on; undefined for every address. */
  readonly bind: string | undefined
}

/** The host ports `services` (and what they depend on) publish, read from the environment as compose would. */
export function hostPorts(model: StackModel, services: ReadonlySet<string>, env: EnvLookup, envFile: string): HostPort[] {
  const ports: HostPort[] = []
  for (const service of model.services) {
    if (!services.has(service.name)) continue
    for (const p of service.ports) {
      const raw = env(p.hostVar)?.trim() ?? ''
      const port = /^\d+$/.test(raw) ? Number(raw) : NaN
      if (!(port >= 1 && port <= 65535)) {
        throw new SparkbaasError('port_invalid', `${p.hostVar} is ${raw === '' ? 'empty' : `"${raw}"`}: ${service.name} needs a host port number (1–65535).`, {
          hint: `Set ${p.hostVar} in ${envFile} (a value in your shell's environment overrides the file).`,
        })
      }
      ports.push({ service: service.name, envKey: p.hostVar, port, bind: p.bind })
    }
  }
  return ports
}

/** `names` and every service they depend on, transitively: what `compose up <names>` starts. */
export function withDependencies(model: StackModel, names: readonly string[]): Set<string> {
  const byName = new Map(model.services.map((s) => [s.name, s]))
  const out = new Set<string>()
  const visit = (name: string) => {
    if (out.has(name)) return
    out.add(name)
    for (const dep of byName.get(name)?.dependsOn ?? []) visit(dep.service)
  }
  for (const name of names.length === 0 ? [...byName.keys()] : names) visit(name)
  return out
}

/**
 * Throws `port_busy` listing every port that is taken (or claimed by two keys). `ours` are host ports this
 * project's running containers already publish: `up` on a running stack must not trip over itself.
 */
export async function checkHostPorts(ports: readonly HostPort[], ours: ReadonlySet<number>, envFile: string): Promise<void> {
  const problems: Problem[] = []
  const seen = new Map<number, HostPort>()
  for (const p of ports) {
    const other = seen.get(p.port)
    if (other && other.envKey !== p.envKey) {
      problems.push({ path: p.envKey, code: 'port_busy', message: `port ${p.port} is also ${other.envKey} (${other.service}); each needs its own port` })
      continue
    }
    seen.set(p.port, p)
    if (ours.has(p.port) || !(await isBusy(p))) continue
    const holder = await portHolder(p.port)
    problems.push({ path: p.envKey, code: 'port_busy', message: `port ${p.port} (${p.service}) is in use${holder ? ` by ${holder}` : ''}` })
  }
  if (problems.length === 0) return
  throw new SparkbaasError('port_busy', `${problems.length === 1 ? 'A host port' : `${problems.length} host ports`} the stack publishes cannot be used:`, {
    problems,
    hint: portBusyHint(problems, envFile),
  })
}

/**
 * What to do about busy ports. The public URLs (Keycloak's hostname among them) assume the standard web ports,
 * so moving HTTP_PORT or HTTPS_PORT is said to have a cost before the user does it.
 */
export function portBusyHint(problems: readonly Problem[], envFile: string): string {
  const webPort = problems.some((p) => p.path === ENV.httpPort || p.path === ENV.httpsPort)
  return (
    `Stop what holds the port, or set the key shown to a free port in ${envFile}, then run \`sparkbaas up\` again.` +
    (webPort ? " On another web port the API and its tokens work, but Keycloak's login pages and admin console still link to the standard one." : '')
  )
}

/** Docker publishes on every address unless told one; a listener on either of these blocks it. */
async function isBusy(p: HostPort): Promise<boolean> {
  for (const host of p.bind === undefined ? ['0.0.0.0', '127.0.0.1'] : [p.bind]) {
    if ((await tryListen(p.port, host)) === 'busy') return true
  }
  return false
}

/** EACCES (a port below 1024 for a normal user) is not "busy": Docker binds as root. Only EADDRINUSE counts. */
function tryListen(port: number, host: string): Promise<'free' | 'busy' | 'unknown'> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'EADDRINUSE' ? 'busy' : 'unknown'))
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve('free')))
  })
}

/** Best effort, Linux: the program listening on `port`, from `ss -ltnp` (only the user's own processes show). */
export async function portHolder(port: number): Promise<string | undefined> {
  if (process.platform !== 'linux') return undefined
  const result = await runProcess(['ss', '-H', '-ltnp', 'sport', '=', `:${port}`], { output: 'capture', timeoutMs: 3000 })
  if (result.exitCode !== 0) return undefined
  const match = /users:\(\("([^"]+)",pid=(\d+)/.exec(result.stdout)
  return match ? `${match[1]} (pid ${match[2]})` : undefined
}
