/** What `sparkbaas doctor` reports, and the probes it asks the machine through (injectable, so tests drive each outcome). */
import type { ComposeProject } from '../engine/compose.js'
import type { Engine } from '../engine/detect.js'
import type { ProcessResult } from '../engine/process.js'
import type { GenerateResult } from '../generate.js'
import type { Stack, StackOptions } from '../stack/context.js'
import type { HostPort } from '../stack/ports.js'

export type CheckStatus = 'ok' | 'warn' | 'fail'

/** The checks, in the order they are printed. */
export const CHECK_NAMES = ['config', 'engine', 'ports', 'resources', 'dns', 'env', 'output'] as const
export type CheckName = (typeof CHECK_NAMES)[number]

export interface CheckResult {
  readonly name: CheckName
  readonly status: CheckStatus
  /** One line: what was found. */
  readonly message: string
  /** More lines, e.g. each busy port or each config problem. */
  readonly details: readonly string[]
  /** What to do; set whenever the status is not ok. */
  readonly fix: string | undefined
}

export interface DoctorReport {
  readonly checks: readonly CheckResult[]
  /** No check failed (warnings do not count). */
  readonly ok: boolean
}

export interface DoctorProbes {
  readonly openStack: (options: StackOptions) => Promise<Stack>
  readonly detectEngine: () => Promise<Engine>
  /** `compose ps` of the generated stack: does the engine answer, and which host ports does the stack itself hold. */
  readonly composePs: (engine: Engine, project: ComposeProject) => Promise<ProcessResult>
  /** `docker info` / `podman info`: does the engine answer, when there is no generated stack to ask. */
  readonly engineInfo: (engine: Engine) => Promise<ProcessResult>
  /** Throws `port_busy` listing every unusable port (stack/ports.ts checkHostPorts). */
  readonly checkPorts: (ports: readonly HostPort[], ours: ReadonlySet<number>) => Promise<void>
  /** Does the engine run rootless? undefined when it cannot tell (machine.ts rootlessArgv, isRootless). */
  readonly engineRootless: (engine: Engine) => Promise<boolean | undefined>
  /** `net.ipv4.ip_unprivileged_port_start` of this machine; undefined when it cannot be read (not Linux). */
  readonly unprivilegedPortStart: () => Promise<number | undefined>
  /** Bytes of memory of this machine. */
  readonly totalMemory: () => number
  readonly cpuCount: () => number
  /** Every address `host` resolves to; rejects (with the resolver's error code) when it does not resolve. */
  readonly lookup: (host: string) => Promise<string[]>
  /** Permission bits of a file, or undefined when it does not exist. */
  readonly fileMode: (file: string) => Promise<number | undefined>
  /** `generate` as a dry run: what it would write and remove. */
  readonly planGenerate: (stack: Stack) => Promise<GenerateResult>
  readonly platform: NodeJS.Platform
}

export const ok = (name: CheckName, message: string, details: readonly string[] = []): CheckResult => ({ name, status: 'ok', message, details, fix: undefined })
export const warn = (name: CheckName, message: string, fix: string, details: readonly string[] = []): CheckResult => ({ name, status: 'warn', message, details, fix })
export const fail = (name: CheckName, message: string, fix: string, details: readonly string[] = []): CheckResult => ({ name, status: 'fail', message, details, fix })
