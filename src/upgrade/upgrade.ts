/**
 * `sparkbaas upgrade`: read the images the running stack was started from (the compose file on disk), plan
 * against what the config generates with this release, and — only when asked — regenerate, pull the new images
 * and restart through `up`. The steps that touch the stack are `up`'s own (stack/up.ts), not a copy of them.
 */
import { readFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { composeOrFail } from '../engine/compose.js'
import { detectEngine, type Engine } from '../engine/detect.js'
import type { OutputMode } from '../engine/process.js'
import { isSparkbaasError, SparkbaasError } from '../errors.js'
import { COMPOSE_FILE } from '../layout.js'
import { postgresImage } from '../model/images.js'
import { displayPath, requireGenerated, type Stack } from '../stack/context.js'
import { ensureGenerated, planGenerate, type Regenerated } from '../stack/freshness.js'
import { up, type UpResult } from '../stack/up.js'
import { writeAtomically } from '../write/atomic.js'
import { MANIFEST_FILE } from '../write/manifest.js'
import { composeImages, modelImages } from './images.js'
import { planUpgrade, type UpgradePlan } from './plan.js'

export interface PlannedUpgrade {
  readonly plan: UpgradePlan
  /** The compose file as read, put back if pulling the new images fails. */
  readonly composeText: string
  /**
   * The manifest as read, put back with the compose file: it records the compose file's hash, and a manifest left
   * with the new one would make the next `generate` take the old compose file for a hand edit.
   */
  readonly manifestText: string | undefined
}

/** Reads the stack's compose file and plans the upgrade. Changes nothing. */
export async function planStackUpgrade(stack: Stack): Promise<PlannedUpgrade> {
  requireGenerated(stack)
  const composePath = join(stack.outDir, COMPOSE_FILE)
  const composeText = await readFile(composePath, 'utf8')
  const current = composeImages(composeText, displayPath(stack, composePath))
  const target = modelImages(stack.model)
  const imagesChange = [...new Set([...current.keys(), ...target.keys()])].some((name) => current.get(name) !== target.get(name))
  // What a regeneration would change beyond the image lines. When images change, the compose file differs anyway,
  // so it is not listed; the manifest is bookkeeping.
  const pending = await planGenerate(stack)
  const staleFiles = [...pending.written, ...pending.removed].filter((file) => file !== MANIFEST_FILE && !(imagesChange && file === COMPOSE_FILE))
  const plan = planUpgrade(current, target, {
    project: stack.project,
    composeFile: displayPath(stack, composePath),
    configName: basename(stack.configFile),
    postgresOverridden: stack.model.images.postgres !== postgresImage(stack.model.postgres.version),
    staleFiles,
    outDir: displayPath(stack, stack.outDir),
  })
  const manifestText = await readFile(join(stack.outDir, MANIFEST_FILE), 'utf8').catch(() => undefined)
  return { plan, composeText, manifestText }
}

export type UpgradeStep =
  | { readonly kind: 'regenerated'; readonly report: Regenerated }
  | { readonly kind: 'pulling'; readonly services: readonly string[]; readonly engine: Engine }
  | { readonly kind: 'starting'; readonly engine: Engine }

export interface ApplyOptions {
  /** `stream` shows compose's progress; `capture` shows nothing (`--json`). */
  readonly output: OutputMode
  readonly onStep?: (step: UpgradeStep) => void
  /** @internal the engine to use instead of detecting one. */
  readonly engine?: Engine
}

export interface AppliedUpgrade {
  readonly regenerated: Regenerated | undefined
  /** Services whose new images were pulled. */
  readonly pulled: readonly string[]
  readonly up: UpResult
}

/**
 * Applies a plan: regenerate → `compose pull` of the new images → `up` (ports, `up -d --wait`, diagnosis).
 * Refuses a plan with a blocking caution (a Postgres major change) before touching anything; does nothing for
 * a plan that is up to date (returns undefined).
 */
export async function applyUpgrade(stack: Stack, planned: PlannedUpgrade, options: ApplyOptions): Promise<AppliedUpgrade | undefined> {
  const { plan } = planned
  if (plan.blocked) throw blockedError(plan, basename(stack.configFile))
  if (plan.upToDate) return undefined
  // The engine is found before anything is written: without one, the output must stay what the stack runs.
  const engine = options.engine ?? (await detectEngine())
  const regenerated = await ensureGenerated(stack, { regenerate: true })
  if (regenerated) options.onStep?.({ kind: 'regenerated', report: regenerated })

  const pulled = plan.services.filter((s) => s.status === 'changed' || s.status === 'added').map((s) => s.service)
  if (pulled.length > 0) {
    options.onStep?.({ kind: 'pulling', services: pulled, engine })
    try {
      await composeOrFail(engine, stack, ['pull', ...pulled], options.output)
    } catch (error) {
      throw await restoreAfterPull(stack, planned, error)
    }
  }
  const result = await up(stack, {
    output: options.output,
    engine,
    ...(options.onStep ? { onStep: (step) => step.kind === 'starting' && options.onStep?.(step) } : {}),
  })
  return { regenerated, pulled, up: result }
}

/** Why `--yes` refuses: the caution, its steps, and how to upgrade everything else meanwhile. */
export function blockedError(plan: UpgradePlan, configName: string): SparkbaasError {
  const caution = plan.blocked!
  const message = [`Upgrade refused; nothing was changed. ${caution.message}`, ...caution.steps.map((step, i) => `  ${i + 1}. ${step}`)].join('\n')
  const others = plan.services.some((s) => s.service !== 'postgres' && s.status !== 'unchanged')
  const hint =
    caution.kind === 'postgres-major' && others && plan.keepPostgres !== undefined
      ? `To upgrade the other services now and Postgres later, set ${plan.keepPostgres} in ${configName} and run \`sparkbaas upgrade --yes\` again.`
      : undefined
  return new SparkbaasError('upgrade_blocked', message, hint === undefined ? {} : { hint })
}

/**
 * The new images could not be pulled, so nothing was restarted: the compose file goes back to what the stack
 * runs, so the next `upgrade` (or `status`) still describes the stack truthfully.
 */
async function restoreAfterPull(stack: Stack, planned: PlannedUpgrade, error: unknown): Promise<unknown> {
  if (!isSparkbaasError(error)) return error
  await writeAtomically(stack.outDir, [
    { path: COMPOSE_FILE, contents: planned.composeText, mode: 0o644 },
    ...(planned.manifestText === undefined ? [] : [{ path: MANIFEST_FILE, contents: planned.manifestText, mode: 0o644 }]),
  ])
  const restored = `The stack was not changed: ${planned.plan.composeFile} is back to the images it runs.`
  return new SparkbaasError(error.code, error.message, {
    hint: error.hint
      ? `${restored} ${error.hint} Then run \`sparkbaas upgrade --yes\` again.`
      : `${restored} Fix what the pull reported (network, registry, image name), then run \`sparkbaas upgrade --yes\` again.`,
    problems: error.problems,
    exitCode: error.exitCode,
    cause: error,
  })
}
