/**
 * Every artifact's renderer, in output order. Each is a pure function of the model; the writer checks and
 * writes what they return.
 */
import type { StackModel } from '../model/types.js'
import { renderCompose } from './compose.js'
import { renderEnvExample } from './env.js'
import { renderFunctions } from './functions.js'
import { renderKeycloak } from './keycloak.js'
import { renderPostgres } from './postgres.js'
import { renderTraefik } from './traefik.js'
import type { RenderedFile } from './types.js'

export interface RenderContext {
  /** The user's `blueprints/` folder beside the config; its files replace the built-in ones. */
  readonly blueprintsDir?: string
  /** Bundled code of each function by name (see src/build/functions.ts). */
  readonly functionBundles: ReadonlyMap<string, string>
}

export type Renderer = (model: StackModel, ctx: RenderContext) => RenderedFile[]

export const RENDERERS: readonly Renderer[] = [
  renderCompose,
  renderEnvExample,
  renderTraefik,
  renderKeycloak,
  renderPostgres,
  renderFunctions,
]

export function renderAll(model: StackModel, ctx: RenderContext): RenderedFile[] {
  return RENDERERS.flatMap((render) => render(model, ctx))
}
