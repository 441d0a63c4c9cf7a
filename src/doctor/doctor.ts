/**
 * `sparkbaas doctor`: every check, each reported rather than thrown, so the doctor runs on a machine with no
 * config, no engine or no generated output. Probes are injectable (see {@link DoctorProbes}); the defaults ask
 * the real machine.
 */
import { lookup as dnsLookup } from 'node:dns/promises'
import { existsSync } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import { composeArgv } from '../engine/compose.js'
import { detectEngine, type Engine } from '../engine/detect.js'
import { runProcess, type ProcessResult } from '../engine/process.js'
import { parsePs, PS_ARGS } from '../engine/ps.js'
import { isSparkbaasError } from '../errors.js'
import { COMPOSE_FILE, ENV_FILE } from '../layout.js'
import { openStack, readStackEnv, type EnvLookup, type Stack, type StackOptions } from '../stack/context.js'
import { planGenerate } from '../stack/freshness.js'
import { checkHostPorts } from '../stack/ports.js'
import { checkEngine, checkResources, isRootless, rootlessArgv } from './machine.js'
import { checkConfig, checkDns, checkEnvFile, checkOutput, checkPorts, UNPRIVILEGED_PORT_DEFAULT, type RootlessEngine } from './stack-checks.js'
import { CHECK_NAMES, fail, warn, type CheckName, type CheckResult, type DoctorProbes, type DoctorReport } from './types.js'

const PROBE_TIMEOUT_MS = 20_000

export const defaultProbes: DoctorProbes = {
  openStack,
  detectEngine: () => detectEngine(),
  composePs: (engine, project) => runProcess(composeArgv(engine, project, PS_ARGS), { output: 'capture', timeoutMs: PROBE_TIMEOUT_MS }),
  engineInfo: (engine) => runProcess([engine.runtime, 'info'], { output: 'capture', timeoutMs: PROBE_TIMEOUT_MS }),
  checkPorts: checkHostPorts,
  engineRootless: async (engine) => isRootless(engine, await runProcess(rootlessArgv(engine), { output: 'capture', timeoutMs: PROBE_TIMEOUT_MS })),
  unprivilegedPortStart: async () => {
    try {
      const value = Number((await readFile('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8')).trim())
      return Number.isInteger(value) ? value : undefined
    } catch {
      return undefined
    }
  },
  totalMemory: totalmem,
  cpuCount: () => cpus().length,
  lookup: async (host) => (await dnsLookup(host, { all: true })).map((a) => a.address),
  fileMode: async (file) => {
    try {
      return (await stat(file)).mode
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
  },
  planGenerate,
  platform: process.platform,
}

type Outcome<T> = { value: T } | { error: unknown }
const settle = <T>(promise: Promise<T>): Promise<Outcome<T>> => promise.then((value) => ({ value }), (error: unknown) => ({ error }))

export async function doctor(options: StackOptions = {}, probes: Partial<DoctorProbes> = {}): Promise<DoctorReport> {
  const p: DoctorProbes = { ...defaultProbes, ...probes }
  const [opened, detected] = await Promise.all([settle(p.openStack(options)), settle(p.detectEngine())])
  const stack = 'value' in opened ? opened.value : undefined
  const engine = 'value' in detected ? detected.value : undefined
  const generated = stack !== undefined && [COMPOSE_FILE, ENV_FILE].every((file) => existsSync(join(stack.outDir, file)))

  // The engine answers `compose ps` of the stack when there is one (which also says which ports the running stack
  // holds), else `docker info`.
  const ps = engine !== undefined && generated ? await p.composePs(engine, stack!) : undefined
  const info = engine !== undefined && !generated ? await p.engineInfo(engine) : undefined
  const checks: CheckResult[] = [
    checkConfig('value' in opened ? { stack: opened.value } : opened),
    checkEngine('value' in detected ? { engine: detected.value } : detected, ps ?? info),
  ]
  if (stack === undefined) {
    for (const name of CHECK_NAMES.slice(2)) checks.push(notChecked(name))
  } else {
    checks.push(...(await stackChecks(stack, p, ownPorts(ps), engine)))
  }
  return { checks, ok: checks.every((c) => c.status !== 'fail') }
}

async function stackChecks(stack: Stack, p: DoctorProbes, ours: ReadonlySet<number>, engine: Engine | undefined): Promise<CheckResult[]> {
  const envPath = join(stack.outDir, ENV_FILE)
  const [ports, dns, mode, plan] = await Promise.all([
    portsCheck(stack, p, ours, engine),
    checkDns(stack, p.lookup, p.platform),
    p.fileMode(envPath),
    settle(p.planGenerate(stack)),
  ])
  return [
    ports,
    checkResources(stack.model, p.totalMemory(), p.cpuCount()),
    dns,
    checkEnvFile(stack, mode, p.platform),
    checkOutput(stack, 'value' in plan ? { plan: plan.value } : plan),
  ]
}

async function portsCheck(stack: Stack, p: DoctorProbes, ours: ReadonlySet<number>, engine: Engine | undefined): Promise<CheckResult> {
  let env: EnvLookup | undefined
  if (existsSync(join(stack.outDir, ENV_FILE))) {
    const read = await settle(readStackEnv(stack))
    if ('error' in read) {
      // A `.env` compose could not read either (env_invalid names the line).
      if (!isSparkbaasError(read.error)) throw read.error
      return fail('ports', read.error.message, read.error.hint ?? 'Fix the line named.')
    }
    env = read.value
  }
  return checkPorts(stack, env, ours, p.checkPorts, engine === undefined ? undefined : () => rootlessEngine(engine, p))
}

/**
 * A rootless engine on Linux and the lowest port it may publish; undefined for a rootful one or where ports are
 * forwarded from a VM (Docker Desktop, podman machine on macOS and Windows), whose privileges are not the user's.
 */
async function rootlessEngine(engine: Engine, p: DoctorProbes): Promise<RootlessEngine | undefined> {
  if (p.platform !== 'linux' || (await p.engineRootless(engine)) !== true) return undefined
  return { runtime: engine.runtime, lowestPort: (await p.unprivilegedPortStart()) ?? UNPRIVILEGED_PORT_DEFAULT }
}

/** Host ports the stack's own running containers publish, from a successful `compose ps`. */
function ownPorts(ps: ProcessResult | undefined): ReadonlySet<number> {
  if (ps === undefined || ps.exitCode !== 0) return new Set()
  try {
    return new Set(parsePs(ps.stdout).flatMap((c) => c.ports.map((port) => port.published)))
  } catch {
    // Output compose did not mean for us: no port counts as ours, which errs on reporting a conflict.
    return new Set()
  }
}

const notChecked = (name: CheckName): CheckResult => warn(name, 'not checked: it needs a valid config', 'Fix the config first (see above).')
