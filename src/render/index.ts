/**
 * Every artifact's renderer, in output order. Each is a pure function of the model; the writer checks and
 * writes what they return.
 */
import type { MigrationFile } from '../migrate/files.js'
import type { StackModel } from '../model/types.js'
import { renderCompose } from './compose.js'
import { renderEnvExample } from './env.js'
import { renderFunctions } from './functions.js'
import { renderKeycloak } from './keycloak.js'
import { renderKeycloakSync } from './keycloak-sync.js'
import { renderKubernetes } from './kubernetes/index.js'
import { renderPostgres } from './postgres.js'
import { renderTraefik } from './traefik.js'
import type { RenderedFile } from './types.js'

export interface RenderContext {
  /** The user's `blueprints/` folder beside the config; its files replace the built-in ones. */
  readonly blueprintsDir?: string
  /** Bundled code of each function by name (see src/build/functions.ts). */
  readonly functionBundles: ReadonlyMap<string, string>
  /**
   * Whether `contents` for `path` are byte for byte what an earlier `generate` wrote (its manifest's hash). Those
   * bytes were parsed back and checked then, and the check is a pure function of them, so a renderer skips it:
   * `generate` on an unchanged project parses no YAML. Without it (tests, a first run) every file is checked.
   */
  readonly verified?: (path: string, contents: string) => boolean
  /** The project's `migrations/`, which the Kubernetes target applies with a Job (compose: `sparkbaas migrate up`). */
  readonly migrations?: readonly MigrationFile[]
}

export type Renderer = (model: StackModel, ctx: RenderContext) => RenderedFile[]

export const RENDERERS: readonly Renderer[] = [
  renderCompose,
  renderEnvExample,
  renderTraefik,
  renderKeycloak,
  renderKeycloakSync,
  renderPostgres,
  renderFunctions,
]

/**
 * The compose stack's own files. The Kubernetes target writes neither: its manifests hold the services, and
 * `k8s/secrets.env.example` lists the keys `.env.example` would.
 */
const COMPOSE_ONLY: ReadonlySet<Renderer> = new Set([renderCompose, renderEnvExample])

const renderersFor = (model: StackModel): readonly Renderer[] =>
  model.target === 'kubernetes' ? RENDERERS.filter((render) => !COMPOSE_ONLY.has(render)) : RENDERERS

/**
 * The files of the target: on compose, what the renderers made; on Kubernetes, the manifests that embed the
 * files the compose stack would mount (realm JSON, init SQL, dynamic.yml, functions, …), which are not written.
 */
const forTarget = (model: StackModel, files: RenderedFile[], ctx: Pick<RenderContext, 'migrations'>): RenderedFile[] =>
  model.target === 'kubernetes' ? renderKubernetes(model, files, ctx.migrations) : files

export function renderAll(model: StackModel, ctx: RenderContext): RenderedFile[] {
  return forTarget(
    model,
    renderersFor(model).flatMap((render) => render(model, ctx)),
    ctx,
  )
}

/** The renderers that read `functionBundles`. */
const NEEDS_BUNDLES: ReadonlySet<Renderer> = new Set([renderFunctions])

/**
 * {@link renderAll} while the function bundles are still being made: esbuild works in its own process, so
 * everything that does not need the bundles renders meanwhile (2,000 functions: ~0.25 s saved), and
 * the rest once they arrive. A bundling failure is reported before a renderer's, as when bundling came first.
 */
export async function renderAllWhileBundling(
  model: StackModel,
  ctx: Omit<RenderContext, 'functionBundles'>,
  bundles: Promise<ReadonlyMap<string, string>>,
): Promise<RenderedFile[]> {
  const renderers = renderersFor(model)
  let early: (RenderedFile[] | undefined)[] | undefined
  let failure: unknown
  try {
    early = renderers.map((render) => (NEEDS_BUNDLES.has(render) ? undefined : render(model, { ...ctx, functionBundles: new Map() })))
  } catch (error) {
    failure = error
  }
  const functionBundles = await bundles
  if (early === undefined) throw failure
  const done = early
  return forTarget(
    model,
    renderers.flatMap((render, i) => done[i] ?? render(model, { ...ctx, functionBundles })),
    ctx,
  )
}
