/** Checks of the configured stack on this machine: the config, its host ports, its route names, `.env`, the output. */
import { isIP } from 'node:net'
import { basename, join } from 'node:path'
import { isSparkbaasError } from '../errors.js'
import { COMPOSE_FILE, ENV_FILE } from '../layout.js'
import { byCodePoint } from '../order.js'
import type { GenerateResult } from '../generate.js'
import { displayPath, type EnvLookup, type Stack } from '../stack/context.js'
import { WEB_KEYS } from '../model/ports.js'
import { hostPorts, retiredPortKeys, withDependencies, type HostPort } from '../stack/ports.js'
import { MANIFEST_FILE } from '../write/manifest.js'
import { fail, ok, warn, type CheckResult, type DoctorProbes } from './types.js'

/** The config line: `stack` is what openStack returned or threw. */
export function checkConfig(stack: { stack: Stack } | { error: unknown }): CheckResult {
  if ('error' in stack) {
    const error = stack.error
    if (!isSparkbaasError(error)) throw error
    const details = error.problems.map((p) => (p.path === '' ? p.message : `${p.path}: ${p.message}`))
    const fix = error.code === 'config_invalid' ? 'Fix the problems listed; `sparkbaas validate` checks the config alone.' : (error.hint ?? 'Fix the config file.')
    return fail('config', error.message, fix, details)
  }
  const { model } = stack.stack
  const services = model.services.length
  return ok('config', `${displayPath(stack.stack, stack.stack.configFile)} is valid: project ${model.project}, ${services} service${services === 1 ? '' : 's'}`)
}

/**
 * The host ports the whole stack publishes, as `up` would check them. `ours` are ports this project's running
 * containers publish (from `compose ps`): busy, but by the stack itself. `env` is undefined before the first
 * `generate`: the defaults the model gives are checked then. `lowestPort` asks, for ports below 1024, whether the
 * engine runs rootless and from which port it may publish (see {@link privilegedPorts}).
 */
export async function checkPorts(
  stack: Stack,
  env: EnvLookup | undefined,
  ours: ReadonlySet<number>,
  probe: DoctorProbes['checkPorts'],
  lowestPort?: () => Promise<RootlessEngine | undefined>,
): Promise<CheckResult> {
  const files = { env: displayPath(stack, join(stack.outDir, ENV_FILE)), config: displayPath(stack, stack.configFile) }
  const lookup = env ?? defaultsLookup(stack)
  let ports
  try {
    ports = hostPorts(stack.model, withDependencies(stack.model, []), lookup, files)
    await probe(ports, ours)
  } catch (error) {
    if (!isSparkbaasError(error)) throw error
    const details = error.problems.map((p) => `${p.path}: ${p.message}`)
    return fail('ports', error.message, error.hint ?? `Fix the port in ${files.env}.`, details)
  }
  const low = ports.filter((p) => p.port < UNPRIVILEGED_PORT_DEFAULT)
  const rootless = low.length > 0 && lowestPort !== undefined ? await lowestPort() : undefined
  if (rootless !== undefined) {
    const refused = low.filter((p) => p.port < rootless.lowestPort)
    if (refused.length > 0) return privilegedPorts(rootless, refused, files.config)
  }
  const list = (filter: (port: number) => boolean) =>
    ports
      .filter((p) => filter(p.port))
      .map((p) => `${p.port} (${p.key})`)
      .join(', ')
  const free = list((port) => !ours.has(port))
  const held = list((port) => ours.has(port))
  const parts = [free === '' ? '' : `free: ${free}`, held === '' ? '' : `in use by ${stack.project} itself: ${held}`].filter(Boolean)
  const defaults = env === undefined ? ` (the defaults: ${files.env} does not exist yet)` : ''
  const message = `${parts.length === 0 ? 'the stack publishes no host ports' : parts.join('; ')}${defaults}`
  const retired = retiredPortKeys(stack.model, lookup, files)
  if (retired.length > 0) {
    return warn('ports', `${message}; ${retired.length === 1 ? 'a setting' : 'settings'} that no longer move${retired.length === 1 ? 's' : ''} the stack:`, `Delete ${retired.length === 1 ? 'it' : 'them'} from ${files.env} (or your shell), or move the port in ${files.config} as said.`, retired)
  }
  return ok('ports', message)
}

/** Linux's default `net.ipv4.ip_unprivileged_port_start`: below it, only privileged processes may bind. */
export const UNPRIVILEGED_PORT_DEFAULT = 1024

/** A container engine running without root, and the lowest port it may publish. */
export interface RootlessEngine {
  readonly runtime: 'docker' | 'podman'
  /** `net.ipv4.ip_unprivileged_port_start` of this machine. */
  readonly lowestPort: number
}

/**
 * Rootless Podman and rootless Docker publish ports as the user, so the kernel refuses ports below
 * `net.ipv4.ip_unprivileged_port_start` (containers/podman rootless.md, "Podman can not create containers that bind
 * to ports < 1024"; Docker's rootless mode docs, "Exposing privileged ports"). `up` would fail half-way.
 */
export function privilegedPorts(engine: RootlessEngine, refused: readonly HostPort[], configFile: string): CheckResult {
  const name = engine.runtime === 'podman' ? 'Podman' : 'Docker'
  const lowest = Math.min(...refused.map((p) => p.port))
  const web = refused.some((p) => p.key === WEB_KEYS.http || p.key === WEB_KEYS.https)
  return fail(
    'ports',
    `${name} runs rootless here: it cannot publish ports below ${engine.lowestPort} (net.ipv4.ip_unprivileged_port_start), and the stack publishes:`,
    `Let unprivileged users bind from ${lowest} up: \`sudo sysctl net.ipv4.ip_unprivileged_port_start=${lowest}\` (a file in /etc/sysctl.d/ keeps it after a reboot), ` +
      `or move the ports listed to ${engine.lowestPort} and up${web ? ` (e.g. ports: { http: 8080, https: 8443 } in ${configFile})` : ''}.`,
    refused.map((p) => `${p.key}: port ${p.port} (${p.service})`),
  )
}

/** Before `generate` there is no `.env`: the shell's environment, then the values `generate` would write. */
function defaultsLookup(stack: Stack): EnvLookup {
  const settings = new Map(stack.model.env.flatMap((v) => (v.generate.kind === 'setting' ? [[v.key, v.generate.value] as const] : [])))
  return (key) => process.env[key] ?? settings.get(key)
}

const isLoopback = (address: string) => (isIP(address) === 4 ? address.startsWith('127.') : address === '::1' || address.startsWith('::ffff:127.'))
const LOCAL_SUFFIX = /(^|\.)localhost$/

/**
 * The routes' host names. Under `localhost` they must reach this machine: browsers and curl resolve `*.localhost`
 * themselves, but programs asking the system resolver (Node, Python, …) may not get an answer. For a real domain
 * the addresses are reported as they are: they are the public DNS's business.
 */
export async function checkDns(stack: Stack, lookup: DoctorProbes['lookup'], platform: NodeJS.Platform): Promise<CheckResult> {
  const hosts = [...new Set(stack.model.routes.map((r) => r.host))].sort(byCodePoint)
  if (hosts.length === 0) return ok('dns', 'no routes: no host names to resolve')
  const answers = await Promise.all(hosts.map(async (host) => ({ host, result: await resolveOnce(host, lookup) })))
  const unresolved = answers.filter((a) => typeof a.result === 'string')
  const resolved = answers.flatMap((a) => (Array.isArray(a.result) ? [{ host: a.host, addresses: a.result }] : []))
  const local = hosts.filter((h) => LOCAL_SUFFIX.test(h))
  const elsewhere = resolved.filter((r) => LOCAL_SUFFIX.test(r.host) && !r.addresses.every(isLoopback))
  const describe = (r: { host: string; addresses: string[] }) => `${r.host} → ${r.addresses.join(', ')}`

  if (unresolved.length === 0 && elsewhere.length === 0) {
    const loopback = resolved.filter((r) => LOCAL_SUFFIX.test(r.host)).map((r) => r.host)
    const real = resolved.filter((r) => !LOCAL_SUFFIX.test(r.host))
    const parts = [loopback.length > 0 ? `${loopback.join(', ')} resolve${loopback.length === 1 ? 's' : ''} to the loopback` : '', ...real.map(describe)]
    return ok('dns', parts.filter(Boolean).join('; '))
  }
  const details = [
    ...unresolved.map((a) => `${a.host}: ${a.result as string}`),
    ...elsewhere.map((r) => `${describe(r)}: not the loopback`),
    ...resolved.filter((r) => !elsewhere.includes(r)).map(describe),
  ]
  const badLocal = [...unresolved.map((a) => a.host).filter((h) => local.includes(h)), ...elsewhere.map((r) => r.host)].sort(byCodePoint)
  const badReal = unresolved.map((a) => a.host).filter((h) => !local.includes(h))
  const fixes: string[] = []
  if (badLocal.length > 0) {
    const hostsFile = platform === 'win32' ? 'C:\\Windows\\System32\\drivers\\etc\\hosts' : '/etc/hosts'
    fixes.push(`Browsers and curl reach *.localhost anyway; for other programs add this line to ${hostsFile}: 127.0.0.1 ${badLocal.join(' ')}`)
  }
  if (badReal.length > 0) fixes.push(`Create DNS records (A or AAAA) for ${badReal.join(', ')} pointing at the machine that runs the stack${stack.model.tls.mode === 'acme' ? "; Let's Encrypt cannot issue certificates for names that do not resolve" : ''}.`)
  const problems = badLocal.length + badReal.length
  return warn('dns', `${problems} of ${hosts.length} route host name${hosts.length === 1 ? '' : 's'} ${problems === 1 ? 'does' : 'do'} not resolve as expected`, fixes.join(' '), details)
}

/** A lookup that gives up after `timeoutMs`: a resolver that does not answer must not hang the doctor. */
async function resolveOnce(host: string, lookup: DoctorProbes['lookup'], timeoutMs = 5000): Promise<string[] | string> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${timeoutMs / 1000} s`), timeoutMs)
  })
  try {
    return await Promise.race([
      lookup(host).then(
        (addresses) => (addresses.length === 0 ? 'does not resolve' : addresses),
        (error: NodeJS.ErrnoException) => `does not resolve (${error.code ?? error.message})`,
      ),
      timeout,
    ])
  } finally {
    clearTimeout(timer)
  }
}

/** `.env` holds every secret: it must exist (once generated) and be readable by its owner only. */
export function checkEnvFile(stack: Stack, mode: number | undefined, platform: NodeJS.Platform): CheckResult {
  const file = displayPath(stack, join(stack.outDir, ENV_FILE))
  if (mode === undefined) return warn('env', `${file} does not exist yet`, '`sparkbaas generate` (or `sparkbaas up`) creates it, with mode 0600.')
  // Windows has no such permission bits; Node reports 0666 or 0444 there.
  if (platform === 'win32') return ok('env', `${file} exists (file modes are not checked on Windows)`)
  const bits = mode & 0o777
  const octal = bits.toString(8).padStart(4, '0')
  if (bits === 0o600) return ok('env', `${file} exists, mode 0600`)
  const who = bits & 0o077 ? 'other users can read it' : 'it should be 0600'
  return warn('env', `${file} has mode ${octal}: ${who}, and it holds every secret of the stack`, `chmod 600 ${file}`)
}

/** Is the output what the config generates now? `plan` is generate's dry run, or what it threw. */
export function checkOutput(stack: Stack, plan: { plan: GenerateResult } | { error: unknown }): CheckResult {
  const out = `${displayPath(stack, stack.outDir)}/`
  const config = basename(stack.configFile)
  if ('error' in plan) {
    const error = plan.error
    if (!isSparkbaasError(error)) throw error
    return fail('output', `the config cannot be generated: ${error.message}`, error.hint ?? 'Fix what the message names, then run `sparkbaas generate`.', error.problems.map((p) => `${p.path}: ${p.message}`))
  }
  const { written, removed, drift } = plan.plan
  if (drift.missing.includes(COMPOSE_FILE)) return warn('output', `${out} has not been generated yet`, '`sparkbaas up` generates and starts the stack; `sparkbaas generate` only generates.')
  const files = [...written, ...removed].filter((f) => f !== MANIFEST_FILE)
  if (files.length === 0 && written.length === 0) return ok('output', `${out} is up to date with ${config}`)
  const listed = files.length === 0 ? [MANIFEST_FILE] : files
  return warn('output', `${out} is out of date with ${config}: ${listed.join(', ')}`, '`sparkbaas up` regenerates it before starting; `sparkbaas generate` only regenerates.')
}
