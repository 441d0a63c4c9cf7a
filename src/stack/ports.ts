/**
 * Before `up`: are the host ports the stack publishes free? Docker's own answer comes late and cryptic ("Bind for
 * 0.0.0.0:80 failed: port is already allocated", after other containers started), so each port is tried here with
 * node:net first, and a busy one is reported with the service that needs it and the key that moves it: `ports.http`
 * / `ports.https` in the config (every public URL follows them), `POSTGRES_HOST_PORT` in `.env`.
 */
import { createServer } from 'node:net'
import { WEB_KEYS } from '../model/ports.js'
import { SparkbaasError, type Problem } from '../errors.js'
import type { StackModel } from '../model/types.js'
import { runProcess } from '../engine/process.js'
import type { EnvLookup } from './context.js'

export interface HostPort {
  readonly service: string
  /** What sets the host port: a `.env` key (`POSTGRES_HOST_PORT`) or a config path (`ports.http`). */
  readonly key: string
  /** The file holding `key`, as messages show it. */
  readonly file: string
  readonly port: number
  /** Host address it is published on; undefined for every address. */
  readonly bind: string | undefined
}

/** Where messages say the keys live: the `.env` file and the config file, as the user would type them. */
export interface PortFiles {
  readonly env: string
  readonly config: string
}

/**
 * The host ports `services` (and what they depend on) publish: a `.env` key read from the environment as compose
 * would, or a number the config fixed.
 */
export function hostPorts(model: StackModel, services: ReadonlySet<string>, env: EnvLookup, files: PortFiles): HostPort[] {
  const ports: HostPort[] = []
  for (const service of model.services) {
    if (!services.has(service.name)) continue
    for (const p of service.ports) {
      if ('port' in p.host) {
        ports.push({ service: service.name, key: p.host.key, file: files.config, port: p.host.port, bind: p.bind })
        continue
      }
      const key = p.host.var
      const raw = env(key)?.trim() ?? ''
      const port = /^\d+$/.test(raw) ? Number(raw) : NaN
      if (!(port >= 1 && port <= 65535)) {
        throw new SparkbaasError('port_invalid', `${key} is ${raw === '' ? 'empty' : `"${raw}"`}: ${service.name} needs a host port number (1–65535).`, {
          hint: `Set ${key} in ${files.env} (a value in your shell's environment overrides the file).`,
        })
      }
      ports.push({ service: service.name, key, file: files.env, port, bind: p.bind })
    }
  }
  return ports
}

/** `.env` keys that once moved Traefik's ports; the config's `ports` replaced them, and nothing reads them now. */
const RETIRED_KEYS = [
  { key: 'HTTP_PORT', web: 'http' },
  { key: 'HTTPS_PORT', web: 'https' },
] as const

/**
 * One warning per retired key (HTTP_PORT, HTTPS_PORT) still set, in `.env` or the shell, to a port other than the
 * one the config publishes: the user meant to move the stack, and it did not move.
 */
export function retiredPortKeys(model: StackModel, env: EnvLookup, files: PortFiles): string[] {
  return RETIRED_KEYS.flatMap(({ key, web }) => {
    const value = env(key)?.trim()
    const port = model.ports[web]
    if (value === undefined || value === '' || port === undefined || value === String(port)) return []
    return [
      `${key}=${value} (in ${files.env} or your shell) is no longer read: Traefik publishes port ${port}, ${WEB_KEYS[web]} in ${files.config}. ` +
        `To serve on ${value}, set ports: { ${web}: ${value} } there (every URL follows) and delete ${key}.`,
    ]
  })
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
export async function checkHostPorts(ports: readonly HostPort[], ours: ReadonlySet<number>): Promise<void> {
  const problems: Problem[] = []
  const busy: HostPort[] = []
  const seen = new Map<number, HostPort>()
  for (const p of ports) {
    const other = seen.get(p.port)
    if (other && other.key !== p.key) {
      problems.push({ path: p.key, code: 'port_busy', message: `port ${p.port} is also ${other.key} (${other.service}); each needs its own port` })
      busy.push(p)
      continue
    }
    seen.set(p.port, p)
    if (ours.has(p.port) || !(await isBusy(p))) continue
    const holder = await portHolder(p.port)
    problems.push({ path: p.key, code: 'port_busy', message: `port ${p.port} (${p.service}) is in use${holder ? ` by ${holder}` : ''}` })
    busy.push(p)
  }
  if (problems.length === 0) return
  throw new SparkbaasError('port_busy', `${problems.length === 1 ? 'A host port' : `${problems.length} host ports`} the stack publishes cannot be used:`, {
    problems,
    hint: portBusyHint(busy),
  })
}

/**
 * What to do about busy ports: which key moves each, in which file. A web port lives in the config, and every
 * public URL (Keycloak's issuer among them) follows it, so the user is told moving it costs nothing more.
 */
export function portBusyHint(busy: readonly HostPort[]): string {
  const byFile = new Map<string, string[]>()
  for (const p of busy) {
    const keys = byFile.get(p.file) ?? []
    if (!keys.includes(p.key)) keys.push(p.key)
    byFile.set(p.file, keys)
  }
  const where = [...byFile].map(([file, keys]) => `${keys.join(' and ')} in ${file}`).join(', or ')
  const web = busy.some((p) => p.key === WEB_KEYS.http || p.key === WEB_KEYS.https)
  return (
    `Stop what holds the port, or set ${where} to a free port, then run \`sparkbaas up\` again.` +
    (web ? " Every public URL follows the config's ports, Keycloak's issuer included: `up` regenerates with the new one." : '')
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
