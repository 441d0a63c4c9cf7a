/**
 * `keycloak/sync.mjs`: the job that converges Keycloak's realms on the realm files on every `up` (the
 * keycloak-sync service runs it with node, from the folder that holds the realm files). A static blueprint the
 * user may override in `blueprints/`, like the functions runtime.
 */
import { KEYCLOAK_SYNC } from '../model/jobs.js'
import type { StackModel } from '../model/types.js'
import { readBlueprint } from './blueprints.js'
import { header } from './header.js'
import type { RenderContext } from './index.js'
import type { RenderedFile } from './types.js'

export const SYNC_BLUEPRINT = 'keycloak/sync.mjs'
export const SYNC_FILE = 'keycloak/sync.mjs'

export function renderKeycloakSync(model: StackModel, ctx: RenderContext): RenderedFile[] {
  if (!model.services.some((s) => s.name === KEYCLOAK_SYNC)) return []
  const code = readBlueprint(SYNC_BLUEPRINT, ctx.blueprintsDir)
  return [{ path: SYNC_FILE, contents: `${header('//', model.configFile)}${code}`, format: 'text', artifact: 'keycloak', blueprint: SYNC_BLUEPRINT }]
}
