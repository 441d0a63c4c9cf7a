/**
 * The upgrade plan: each service's image in the running stack's compose file against the one this release
 * generates, and what needs care before applying it. Pure: the caller reads the files and the config.
 */
import { byCodePoint } from '../order.js'
import { imageMajor } from '../model/images.js'
import type { ServiceImages } from './images.js'

export type ServiceChange =
  | { readonly service: string; readonly status: 'unchanged'; readonly from: string; readonly to: string }
  | { readonly service: string; readonly status: 'changed'; readonly from: string; readonly to: string }
  | { readonly service: string; readonly status: 'added'; readonly from: null; readonly to: string }
  | { readonly service: string; readonly status: 'removed'; readonly from: string; readonly to: null }

export type CautionKind = 'postgres-major' | 'postgres-downgrade' | 'postgres-major-unknown' | 'keycloak-major' | 'stale-output'

export interface Caution {
  readonly kind: CautionKind
  readonly message: string
  /** Commands to run, in order, when the caution asks for them. */
  readonly steps: readonly string[]
  /** `--yes` refuses a plan with a blocking caution. */
  readonly blocks: boolean
}

export interface UpgradePlan {
  readonly project: string
  /** The compose file read, as shown to the user. */
  readonly composeFile: string
  readonly services: readonly ServiceChange[]
  readonly cautions: readonly Caution[]
  /** No service changes image, none is added or removed. */
  readonly upToDate: boolean
  /** The first caution `--yes` refuses, if any. */
  readonly blocked: Caution | undefined
  /** The setting that keeps the current Postgres, e.g. `postgres.version to 16` (for the refusal's hint). */
  readonly keepPostgres: string | undefined
}

export interface PlanContext {
  readonly project: string
  readonly composeFile: string
  /** The config file's name, for messages. */
  readonly configName: string
  /** Whether the Postgres image comes from `images.postgres` rather than `postgres.version`. */
  readonly postgresOverridden: boolean
  /** Files `generate` would change besides the image lines (output folder relative), e.g. a realm file. */
  readonly staleFiles: readonly string[]
  /** The output folder as shown to the user, e.g. `generated`. */
  readonly outDir: string
}

/** The service names sparkbaas gives the two stateful images whose majors need care (model/services.ts). */
const POSTGRES = 'postgres'
const KEYCLOAK = 'keycloak'

/**
 * How a Postgres major upgrade is done: a logical dump restores into a newer major, a data directory does not.
 * Majors left out when they are not known.
 */
export function postgresUpgradeSteps(from?: number, to?: number): string[] {
  const current = from === undefined ? 'the current Postgres' : `Postgres ${from}`
  const next = to === undefined ? 'the new Postgres' : `Postgres ${to}`
  return [
    `sparkbaas backup   (while the stack still runs ${current}, before anything regenerates the output)`,
    `sparkbaas down --volumes --yes   (deletes the data volume of ${current})`,
    `sparkbaas up   (generates the new images and starts ${next} on an empty data volume)`,
    'sparkbaas restore --file <archive> --yes   (the archive `sparkbaas backup` wrote)',
  ]
}

export function planUpgrade(current: ServiceImages, target: ServiceImages, ctx: PlanContext): UpgradePlan {
  const names = [...new Set([...current.keys(), ...target.keys()])].sort(byCodePoint)
  const services = names.map((service): ServiceChange => {
    const from = current.get(service)
    const to = target.get(service)
    if (from === undefined) return { service, status: 'added', from: null, to: to! }
    if (to === undefined) return { service, status: 'removed', from, to: null }
    return { service, status: from === to ? 'unchanged' : 'changed', from, to }
  })
  const changed = (name: string) => services.find((s) => s.service === name && s.status === 'changed') as { from: string; to: string } | undefined

  const cautions: Caution[] = []
  const postgres = changed(POSTGRES)
  let keepPostgres: string | undefined
  if (postgres) {
    const caution = postgresCaution(postgres.from, postgres.to, ctx)
    if (caution) cautions.push(caution)
    const fromMajor = imageMajor(postgres.from)
    keepPostgres = ctx.postgresOverridden || fromMajor === undefined ? `images.postgres to '${postgres.from}'` : `postgres.version to ${fromMajor}`
  }
  const keycloak = changed(KEYCLOAK)
  if (keycloak) {
    const caution = keycloakCaution(keycloak.from, keycloak.to)
    if (caution) cautions.push(caution)
  }
  const upToDate = services.every((s) => s.status === 'unchanged')
  if (ctx.staleFiles.length > 0) {
    const files = ctx.staleFiles.join(', ')
    cautions.push({
      kind: 'stale-output',
      message: upToDate
        ? `${ctx.outDir}/ is out of date with ${ctx.configName} (${files}): that is a config change, not an upgrade; \`sparkbaas up\` regenerates and applies it.`
        : `${ctx.outDir}/ is also out of date with ${ctx.configName} beyond the image tags (${files}): applying regenerates those files too.`,
      steps: [],
      blocks: false,
    })
  }
  return {
    project: ctx.project,
    composeFile: ctx.composeFile,
    services,
    cautions,
    upToDate,
    blocked: cautions.find((c) => c.blocks),
    keepPostgres,
  }
}

function postgresCaution(fromImage: string, toImage: string, ctx: PlanContext): Caution | undefined {
  const from = imageMajor(fromImage)
  const to = imageMajor(toImage)
  if (from === undefined || to === undefined) {
    return {
      kind: 'postgres-major-unknown',
      message: `The Postgres image changes from ${fromImage} to ${toImage}, and its major version cannot be read from the tags. If the major changes, do not apply this with --yes (Postgres cannot open an older major's data directory); upgrade with a dump and restore instead:`,
      steps: postgresUpgradeSteps(from, to),
      blocks: false,
    }
  }
  if (from === to) return undefined
  if (to < from) {
    const setting = ctx.postgresOverridden ? `images.postgres back to '${fromImage}'` : `postgres.version back to ${from}`
    return {
      kind: 'postgres-downgrade',
      message: `Postgres ${from} → ${to} is a downgrade, which sparkbaas refuses: Postgres ${to} cannot open the data directory of ${from}, and a dump made by ${from} is not guaranteed to restore into ${to}. Set ${setting} in ${ctx.configName}.`,
      steps: [],
      blocks: true,
    }
  }
  return {
    kind: 'postgres-major',
    message: `Postgres ${from} → ${to} is a major upgrade, which cannot be done in place: the data directory format differs between majors, and Postgres ${to} will not start on the data of ${from}. Move the data with a dump and restore instead:`,
    steps: postgresUpgradeSteps(from, to),
    blocks: true,
  }
}

function keycloakCaution(fromImage: string, toImage: string): Caution | undefined {
  const from = imageMajor(fromImage)
  const to = imageMajor(toImage)
  if (from === undefined || to === undefined || from === to) return undefined
  if (to < from) {
    return {
      kind: 'keycloak-major',
      message: `Keycloak ${from} → ${to} is a downgrade: Keycloak ${from} has already migrated its database, and an older Keycloak is not made to run on it. Restore a backup taken before the upgrade to ${from} instead.`,
      steps: [],
      blocks: false,
    }
  }
  return {
    kind: 'keycloak-major',
    message: `Keycloak ${from} → ${to} is a new major: on its first start it migrates its database, and there is no way back to ${from} except a backup. Back up first:`,
    steps: ['sparkbaas backup'],
    blocks: false,
  }
}
