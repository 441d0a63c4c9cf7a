/**
 * docker-compose.yml from `model.services`, `model.networks` and `model.volumes`.
 *
 * Two syntaxes meet in every value: YAML, and compose's own `$` interpolation on top of it. The blueprint handles
 * YAML (the `yaml` / `compose` helpers); this module handles interpolation for values that mix literal text with
 * `.env` references: literal `$` is doubled, a reference becomes `${KEY:?…}` so compose refuses to start with a
 * missing secret instead of silently using an empty one.
 */
import { isDeepStrictEqual } from 'node:util'
import { SparkbaasError } from '../errors.js'
import { COMPOSE_FILE } from '../layout.js'
import type { ServiceModel, StackModel, ValuePart } from '../model/types.js'
import { renderBlueprint } from './blueprints.js'
import { header } from './header.js'
import type { RenderContext } from './index.js'
import type { RenderedFile } from './types.js'
import { parseYaml } from './yaml.js'

export { COMPOSE_FILE }
const BLUEPRINT = 'docker-compose.yml.hbs'

/**
 * What compose prints after "required variable KEY is missing a value: ". Compose reads the text up to the first
 * `}`; it must hold no `$` (nested interpolation) and no `-` (compose-go tries `:-`/`-` defaults first when a `-`
 * comes before the `?` in the string).
 */
export const MISSING_MESSAGE = 'not set in .env, run sparkbaas generate'

const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/

/** Literal text for compose interpolation: `$` is written `$$`. */
export const composeLiteral = (text: string): string => text.replaceAll('$', '$$$$')

/** A fail-fast reference to a `.env` key. */
export function composeRef(key: string): string {
  if (!ENV_KEY.test(key)) throw new Error(`internal: bad env key for a compose reference: ${key}`)
  return `\${${key}:?${MISSING_MESSAGE}}`
}

/** A value assembled from literal text and `.env` references, ready for compose (still needs YAML quoting). */
export const composeValue = (parts: readonly ValuePart[]): string =>
  parts.map((part) => ('ref' in part ? composeRef(part.ref) : composeLiteral(part.text))).join('')

interface ServiceView {
  readonly name: string
  readonly image: string
  readonly hasCommandExec: boolean
  readonly commandExec: readonly string[]
  readonly hasCommandShell: boolean
  readonly commandShell: string
  readonly user: string | null
  /** `"no"` for a one-shot job (compose would restart even a clean exit under `unless-stopped`). */
  readonly restart: 'no' | 'unless-stopped'
  readonly noNewPrivileges: boolean
  readonly environment: readonly { readonly key: string; readonly value: string }[]
  readonly volumes: readonly string[]
  readonly ports: readonly string[]
  readonly networks: readonly string[]
  readonly dependsOn: ServiceModel['dependsOn']
  readonly healthcheck: ServiceModel['healthcheck'] | null
  readonly replicas: number | null
  readonly limits: ServiceModel['limits']
}

function fail(detail: string): never {
  throw new SparkbaasError('render_failed', `blueprint ${BLUEPRINT} produced invalid ${COMPOSE_FILE}: ${detail}`, {
    hint: 'If you override this blueprint, compare it with the built-in one; otherwise this is a sparkbaas bug.',
  })
}

/** Short volume syntax `source:target[:ro]`; compose splits on `:`, so neither side may contain one. */
function volumeEntry(service: string, volume: ServiceModel['volumes'][number], named: ReadonlySet<string>): string {
  const { source, target, readOnly } = volume
  if (source.includes(':') || target.includes(':')) throw new Error(`internal: ':' in a volume of ${service}`)
  const bind = source.startsWith('./')
  if (!bind && !named.has(source)) throw new Error(`internal: ${service} mounts undeclared volume ${source}`)
  return `${source}:${target}${readOnly ? ':ro' : ''}`
}

function serviceView(service: ServiceModel, named: ReadonlySet<string>): ServiceView {
  const { command } = service
  return {
    name: service.name,
    image: service.image,
    hasCommandExec: Array.isArray(command),
    commandExec: Array.isArray(command) ? command : [],
    hasCommandShell: typeof command === 'string',
    commandShell: typeof command === 'string' ? command : '',
    user: service.user ?? null,
    restart: service.oneShot ? 'no' : 'unless-stopped',
    noNewPrivileges: service.noNewPrivileges,
    environment: service.environment.map(({ key, value }) => ({ key, value: composeValue(value) })),
    volumes: service.volumes.map((v) => volumeEntry(service.name, v, named)),
    ports: service.ports.map((p) => `${p.bind ? `${p.bind}:` : ''}${'var' in p.host ? composeRef(p.host.var) : p.host.port}:${p.container}`),
    networks: service.networks,
    dependsOn: service.dependsOn,
    healthcheck: service.healthcheck ?? null,
    replicas: service.replicas ?? null,
    limits: service.limits,
  }
}

/** Every `.env` key the compose file refers to must be one the secrets store will write. */
function checkRefs(model: StackModel): void {
  const known = new Set(model.env.map((v) => v.key))
  for (const service of model.services) {
    const refs = [
      ...service.environment.flatMap((e) => e.value.flatMap((p) => ('ref' in p ? [p.ref] : []))),
      ...service.ports.flatMap((p) => ('var' in p.host ? [p.host.var] : [])),
    ]
    const unknown = refs.filter((key) => !known.has(key))
    if (unknown.length > 0) fail(`service ${service.name} refers to ${unknown.join(', ')}, which is not a key of .env`)
  }
}

/**
 * Compose refuses a service on an undeclared network, and Traefik answers 502 for a target it shares no network
 * with (it resolves the service name through the networks it is on).
 */
function checkNetworks(model: StackModel): void {
  const declared = new Set(model.networks.map((n) => n.name))
  for (const service of model.services) {
    const missing = service.networks.find((n) => !declared.has(n))
    if (missing !== undefined) fail(`service ${service.name} is on network ${missing}, which is not declared`)
  }
  const traefik = model.services.find((s) => s.name === 'traefik')
  if (!traefik) return
  for (const name of new Set(model.traefikServices.map((s) => s.target.service))) {
    const target = model.services.find((s) => s.name === name)
    if (target && !target.networks.some((n) => traefik.networks.includes(n))) fail(`traefik routes to ${name} but shares no network with it`)
  }
}

type Doc = Record<string, unknown>
const isMap = (value: unknown): value is Doc => typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * The parsed file must carry what the model says: every service with its image, command, environment, ports and
 * networks exactly (hostile strings included), every network and volume. Extra keys from a user's blueprint
 * override are allowed.
 */
function checkParsed(doc: unknown, model: StackModel, views: readonly ServiceView[]): void {
  if (!isMap(doc)) fail('the document is not a mapping')
  if (doc.name !== model.project) fail(`name is ${JSON.stringify(doc.name)}, expected ${JSON.stringify(model.project)}`)
  const services = doc.services
  if (!isMap(services)) fail('services is not a mapping')
  for (const view of views) {
    const svc = services[view.name]
    if (!isMap(svc)) fail(`service ${view.name} is missing`)
    const expected: Doc = {
      image: composeLiteral(view.image),
      restart: view.restart,
      environment: view.environment.length > 0 ? Object.fromEntries(view.environment.map((e) => [e.key, e.value])) : undefined,
      ports: view.ports.length > 0 ? view.ports : undefined,
      networks: view.networks,
      command: view.hasCommandExec
        ? view.commandExec.map(composeLiteral)
        : view.hasCommandShell
          ? composeLiteral(view.commandShell)
          : undefined,
    }
    for (const [key, value] of Object.entries(expected)) {
      if (!isDeepStrictEqual(svc[key], value)) fail(`service ${view.name}: ${key} does not match the model`)
    }
  }
  for (const [section, names] of [
    ['networks', model.networks.map((n) => n.name)],
    ['volumes', model.volumes],
  ] as const) {
    const map = doc[section]
    if (!isMap(map)) fail(`${section} is not a mapping`)
    const missing = names.filter((n) => !(n in map))
    if (missing.length > 0) fail(`${section} lacks ${missing.join(', ')}`)
  }
}

export function renderCompose(model: StackModel, ctx: RenderContext): RenderedFile[] {
  checkRefs(model)
  checkNetworks(model)
  const named = new Set(model.volumes)
  const services = model.services.map((s) => serviceView(s, named))
  const contents = renderBlueprint(
    BLUEPRINT,
    {
      header: header('#', model.configFile),
      project: model.project,
      services,
      networks: model.networks,
      volumes: model.volumes,
    },
    ctx.blueprintsDir,
  )
  if (!ctx.verified?.(COMPOSE_FILE, contents)) {
    let doc: unknown
    try {
      doc = parseYaml(contents, { strict: true })
    } catch (error) {
      fail((error as Error).message)
    }
    checkParsed(doc, model, services)
  }
  return [{ path: COMPOSE_FILE, contents, format: 'yaml', artifact: COMPOSE_FILE, blueprint: BLUEPRINT, parsedBack: true }]
}
