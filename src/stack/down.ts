/**
 * `sparkbaas down`: stop and remove the containers and networks. The data volumes stay unless the user asks for
 * `--volumes` and confirms with `--yes`; there is no prompt, so a script can never hang on one.
 */
import { composeOrFail } from '../engine/compose.js'
import { detectEngine, type Engine } from '../engine/detect.js'
import type { OutputMode } from '../engine/process.js'
import { SparkbaasError } from '../errors.js'
import { ACME_VOLUME, PGDATA_VOLUME } from '../model/services.js'
import type { StackModel } from '../model/types.js'
import { requireGenerated, type Stack } from './context.js'

export interface DownOptions {
  /** Delete the named volumes too; needs `yes`. */
  readonly volumes?: boolean
  readonly yes?: boolean
  readonly output: OutputMode
  /** @internal the engine to use instead of detecting one. */
  readonly engine?: Engine
}

export interface DownResult {
  readonly project: string
  /** Volume names as Docker knows them (`<project>_<volume>`). */
  readonly volumesDeleted: readonly string[]
  readonly volumesKept: readonly string[]
}

const WHAT_IS_IN: Readonly<Record<string, string>> = {
  [PGDATA_VOLUME]: "every Postgres database, Keycloak's realms and users included",
  [ACME_VOLUME]: "Traefik's ACME (Let's Encrypt) certificates",
}

/** The stack's named volumes as Docker names them: compose prefixes the project. */
export const stackVolumes = (model: StackModel): string[] => model.volumes.map((v) => `${model.project}_${v}`)

export async function down(stack: Stack, options: DownOptions): Promise<DownResult> {
  const volumes = stackVolumes(stack.model)
  const deleteVolumes = options.volumes === true
  if (deleteVolumes && options.yes !== true) throw confirmationNeeded(stack.model)
  requireGenerated(stack)
  const engine = options.engine ?? (await detectEngine())
  await composeOrFail(engine, stack, ['down', '--remove-orphans', ...(deleteVolumes ? ['--volumes'] : [])], options.output)
  return { project: stack.project, volumesDeleted: deleteVolumes ? volumes : [], volumesKept: deleteVolumes ? [] : volumes }
}

function confirmationNeeded(model: StackModel): SparkbaasError {
  const n = model.volumes.length
  return new SparkbaasError('confirmation_required', `--volumes deletes the stack's data for good (${n} volume${n === 1 ? '' : 's'}):`, {
    problems: model.volumes.map((v) => ({ path: `${model.project}_${v}`, code: 'confirmation_required', message: WHAT_IS_IN[v] ?? 'a named volume' })),
    hint: `Add --yes to delete ${n === 1 ? 'it' : 'them'}: \`sparkbaas down --volumes --yes\`. Plain \`sparkbaas down\` keeps the data.`,
  })
}
