/**
 * `sparkbaas up`: regenerate when stale → find the engine → check host ports → `compose up -d --wait` → on failure,
 * say which service failed and show its log. Each step is its own function so the order reads here.
 */
import { join } from 'node:path'
import { warningLine } from '../config/warn-images.js'
import { ENV_FILE, runCompose } from '../engine/compose.js'
import { detectEngine, type Engine } from '../engine/detect.js'
import { commandFailed, type OutputMode, type ProcessResult } from '../engine/process.js'
import { parsePs, PS_ARGS } from '../engine/ps.js'
import { SparkbaasError } from '../errors.js'
import { displayPath, readStackEnv, requireComposeTarget, type Stack } from './context.js'
import { diagnoseUp, type UpContext } from './diagnose.js'
import { ensureGenerated, type Regenerated } from './freshness.js'
import { checkHostPorts, hostPorts, retiredPortKeys, withDependencies } from './ports.js'
import { checkServices, refuseJobs } from './services.js'
import { stackUrls, type StackUrls } from './urls.js'

export interface UpOptions {
  /** Services to start (with their dependencies); all when empty. */
  readonly services?: readonly string[]
  /** Seconds compose waits for healthchecks (`--wait-timeout`); compose's default when undefined. */
  readonly timeoutSeconds?: number
  /** Regenerate stale output first (default); `false` refuses to start from stale output. */
  readonly regenerate?: boolean
  /** `stream` shows compose's progress as it comes; `capture` shows nothing (`--json`). */
  readonly output: OutputMode
  /** Told before each long step, for progress lines, and of each warning as it is found. */
  readonly onStep?: (step: { kind: 'regenerated'; report: Regenerated } | { kind: 'warning'; message: string } | { kind: 'starting'; engine: Engine }) => void
  /** @internal the engine to use instead of detecting one. */
  readonly engine?: Engine
}

export interface UpResult extends StackUrls {
  readonly project: string
  readonly engine: string
  readonly services: readonly string[]
  readonly regenerated: Regenerated | undefined
  /** What the user should know but did not stop the start (an unpinned image, a retired HTTP_PORT in `.env`). */
  readonly warnings: readonly string[]
}

export async function up(stack: Stack, options: UpOptions): Promise<UpResult> {
  requireComposeTarget(stack)
  const services = options.services ?? []
  checkServices(stack.model, services)
  refuseJobs(stack.model, services)
  const engine = options.engine ?? (await detectEngine())
  const regenerated = await ensureGenerated(stack, { regenerate: options.regenerate ?? true })
  if (regenerated) options.onStep?.({ kind: 'regenerated', report: regenerated })

  const env = await readStackEnv(stack)
  const files = { env: displayPath(stack, join(stack.outDir, ENV_FILE)), config: displayPath(stack, stack.configFile) }
  const warnings = [...stack.warnings.map(warningLine), ...retiredPortKeys(stack.model, env, files)]
  for (const message of warnings) options.onStep?.({ kind: 'warning', message })
  const started = withDependencies(stack.model, services)
  const ports = hostPorts(stack.model, started, env, files)
  // Ports this project already publishes are its own (an `up` on a running stack), not a conflict. This also finds
  // an unreachable daemon before anything starts.
  const running = parsePs((await runCompose(engine, stack, PS_ARGS, 'capture')).stdout)
  await checkHostPorts(ports, new Set(running.flatMap((c) => c.ports.map((p) => p.published))))

  options.onStep?.({ kind: 'starting', engine })
  const args = ['up', '-d', '--wait', '--remove-orphans']
  if (options.timeoutSeconds !== undefined) args.push('--wait-timeout', String(options.timeoutSeconds))
  const result = await runCompose(engine, stack, [...args, ...services], options.output)
  if (result.exitCode !== 0) throw await failure(stack, engine, result, { services: started, ports })
  return { project: stack.project, engine: engine.name, services, regenerated, warnings, ...stackUrls(stack.model, env) }
}

async function failure(stack: Stack, engine: Engine, result: ProcessResult, context: UpContext): Promise<SparkbaasError> {
  // 130/143: Ctrl-C or SIGTERM, forwarded to compose, which stopped waiting.
  if (result.exitCode === 130 || result.exitCode === 143) {
    return new SparkbaasError('interrupted', `Interrupted: ${stack.project} was not (yet) up; containers already started keep running.`, {
      hint: '`sparkbaas status` shows them; `sparkbaas down` stops them.',
      exitCode: result.exitCode,
    })
  }
  return (
    (await diagnoseUp(stack, engine, result, context)) ??
    commandFailed(result, { hint: '`sparkbaas status` shows each service; `sparkbaas logs <service>` its log.' })
  )
}
