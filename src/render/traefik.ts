/**
 * `traefik/traefik.yml` (static: entry points, file provider, TLS) and `traefik/dynamic.yml` (routers, services,
 * middlewares) from `model.routes`, `model.traefikServices` and `model.middlewares`.
 *
 * Both files are parsed back and cross-checked before they are returned: a router naming a service or middleware
 * the file lacks, or a server URL that names no compose service / no port it listens on, is a 404 or a 502 at run
 * time that nothing else would catch — so it fails here, naming the blueprint.
 */
import { isDeepStrictEqual } from 'node:util'
import { SparkbaasError } from '../errors.js'
import { AUTH_HEADERS, FUNCTIONS_TRAEFIK_SERVICE, IDENTITY_HEADERS, SIGNATURE_HEADER } from '../model/routes.js'
import type { MiddlewareModel, StackModel } from '../model/types.js'
import { renderBlueprint } from './blueprints.js'
import { header } from './header.js'
import type { RenderContext } from './index.js'
import type { RenderedFile } from './types.js'
import { parseYaml } from './yaml.js'

export const TRAEFIK_STATIC = 'traefik/traefik.yml'
export const TRAEFIK_DYNAMIC = 'traefik/dynamic.yml'
const STATIC_BLUEPRINT = 'traefik/traefik.yml.hbs'
const DYNAMIC_BLUEPRINT = 'traefik/dynamic.yml.hbs'

/** Where compose mounts `./traefik` and the ACME volume (traefikService in src/model/services.ts). */
const DYNAMIC_FILE = '/etc/traefik/dynamic.yml'
const ACME_STORAGE = '/acme/acme.json'
export const CERT_RESOLVER = 'letsencrypt'
export const LETS_ENCRYPT_STAGING = 'https://acme-staging-v02.api.letsencrypt.org/directory'
/** One year, the usual HSTS max-age; only sent when TLS is on (browsers ignore it over plain HTTP anyway). */
const STS_SECONDS = 31_536_000

interface EntryPointView {
  readonly name: string
  readonly address: string
  readonly redirect: { readonly to: string; readonly scheme: string } | null
}

interface MiddlewareView {
  readonly name: string
  readonly stripPrefix: { readonly prefixes: readonly string[] } | null
  readonly addPrefix: { readonly prefix: string } | null
  readonly rateLimit: { readonly average: number; readonly burst: number } | null
  readonly forwardAuth: { readonly address: string; readonly authResponseHeaders: readonly string[] } | null
  readonly headers: {
    readonly removeRequestHeaders: readonly string[]
    readonly security: { readonly frameDeny: boolean; readonly referrerPolicy: string; readonly stsSeconds: number | null } | null
  } | null
}

type Doc = Record<string, unknown>
const isMap = (value: unknown): value is Doc => typeof value === 'object' && value !== null && !Array.isArray(value)
const json = (value: unknown): string => JSON.stringify(value)
/** Explicitly typed so TypeScript narrows after a call. */
type Bad = (detail: string) => never

function fail(blueprint: string, file: string, detail: string): never {
  throw new SparkbaasError('render_failed', `blueprint ${blueprint} produced invalid ${file}: ${detail}`, {
    hint: 'If you override this blueprint, compare it with the built-in one; otherwise this is a sparkbaas bug.',
  })
}

/** Numbers are printed bare in the blueprint, so only whole positive numbers may get there. */
function count(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`internal: ${what} must be a positive integer, got ${value}`)
  return value
}

function middlewareView(m: MiddlewareModel, tls: boolean): MiddlewareView {
  const none = { stripPrefix: null, addPrefix: null, rateLimit: null, forwardAuth: null, headers: null }
  switch (m.kind) {
    case 'stripPrefix':
      return { ...none, name: m.name, stripPrefix: { prefixes: [m.prefix] } }
    case 'addPrefix':
      return { ...none, name: m.name, addPrefix: { prefix: m.prefix } }
    case 'rateLimit':
      return { ...none, name: m.name, rateLimit: { average: count(m.average, 'rateLimit.average'), burst: count(m.burst, 'rateLimit.burst') } }
    case 'forwardAuth':
      // No trustForwardHeader: its default (false) is what we want, and Traefik 3.6 deprecated the option.
      return { ...none, name: m.name, forwardAuth: { address: m.address, authResponseHeaders: m.responseHeaders } }
    case 'headers': {
      // No browserXssFilter: X-XSS-Protection is deprecated and ignored by current browsers (MDN browser-compat-data
      // http/headers/X-XSS-Protection: deprecated, removed in Chrome 78 and Safari 15.4, never in Firefox).
      const security = m.security && { frameDeny: m.security.frameDeny, referrerPolicy: 'strict-origin-when-cross-origin', stsSeconds: tls ? STS_SECONDS : null }
      return { ...none, name: m.name, headers: { removeRequestHeaders: m.removeRequestHeaders, security } }
    }
  }
}

export function staticView(model: StackModel) {
  // The entry points listen on the host ports themselves (compose publishes <port>:<port>): Traefik's redirect to
  // websecure takes its port from websecure's address (traefik pkg/provider/traefik/internal.go getEntryPointPort).
  const { http, https, ping } = model.ports
  const entryPoints: EntryPointView[] = [
    { name: 'web', address: `:${count(http, 'ports.http')}`, redirect: https !== undefined ? { to: 'websecure', scheme: 'https' } : null },
    ...(https !== undefined ? [{ name: 'websecure', address: `:${count(https, 'ports.https')}`, redirect: null }] : []),
    { name: 'ping', address: `:${count(ping, 'ping port')}`, redirect: null },
  ]
  const acme = model.tls.mode === 'acme' ? model.tls.acme : undefined
  if (model.tls.mode === 'acme' && !acme) throw new Error('internal: tls mode acme without acme settings')
  return {
    header: header('#', model.configFile),
    entryPoints,
    pingEntryPoint: 'ping',
    dynamicFile: DYNAMIC_FILE,
    acme: acme
      ? {
          resolver: CERT_RESOLVER,
          email: acme.email,
          storage: ACME_STORAGE,
          caServer: acme.staging ? LETS_ENCRYPT_STAGING : null,
          challengeEntryPoint: 'web',
        }
      : null,
  }
}

export function dynamicView(model: StackModel) {
  const tls = model.tls.mode !== 'off'
  return {
    header: header('#', model.configFile),
    routers: model.routes.map((route) => ({
      name: route.name,
      rule: route.rule,
      priority: route.priority ?? null,
      entryPoints: [tls ? 'websecure' : 'web'],
      service: route.service,
      middlewares: route.middlewares,
      tls: tls ? { certResolver: model.tls.mode === 'acme' ? CERT_RESOLVER : null } : null,
    })),
    services: model.traefikServices.map((s) => ({
      name: s.name,
      url: `http://${s.target.service}:${count(s.target.port, `port of ${s.name}`)}`,
    })),
    middlewares: model.middlewares.map((m) => middlewareView(m, tls)),
  }
}

function parseChecked(text: string, blueprint: string, file: string): Doc {
  let doc: unknown
  try {
    doc = parseYaml(text, { strict: true })
  } catch (error) {
    fail(blueprint, file, (error as Error).message)
  }
  if (!isMap(doc)) fail(blueprint, file, 'the document is not a mapping')
  return doc
}

/** `http://<service>:<port>` must name a compose service and a port it listens on. */
function checkTarget(model: StackModel, url: unknown, where: string, bad: Bad): void {
  let parsed: URL
  try {
    parsed = new URL(String(url))
  } catch {
    bad(`${where}: ${json(url)} is not a URL`)
  }
  const service = model.services.find((s) => s.name === parsed.hostname)
  if (parsed.protocol !== 'http:' || !service) bad(`${where}: ${json(url)} names no compose service over http`)
  // URL drops a scheme's default port: `http://web:80` has port ''.
  const port = parsed.port === '' ? 80 : Number(parsed.port)
  if (!service.listens.includes(port)) {
    bad(`${where}: ${json(url)} uses port ${port}, but ${service.name} listens on ${service.listens.join(', ') || 'no port'}`)
  }
}

function checkStatic(doc: Doc, model: StackModel, view: ReturnType<typeof staticView>): Doc {
  const bad: Bad = (detail) => fail(STATIC_BLUEPRINT, TRAEFIK_STATIC, detail)
  const entryPoints = doc.entryPoints
  if (!isMap(entryPoints)) bad('entryPoints is not a mapping')
  for (const ep of view.entryPoints) {
    const got = entryPoints[ep.name]
    if (!isMap(got) || got.address !== ep.address) bad(`entry point ${ep.name} must listen on ${json(ep.address)}`)
    const redirect = isMap(got.http) && isMap(got.http.redirections) ? got.http.redirections.entryPoint : undefined
    if (ep.redirect && !isDeepStrictEqual(redirect, ep.redirect)) bad(`entry point ${ep.name} must redirect to ${ep.redirect.to}`)
  }
  // Compose publishes and health-checks the traefik container's ports; each needs an entry point and vice versa.
  const ports = Object.values(entryPoints).map((ep) => Number(String(isMap(ep) ? ep.address : '').replace(/^.*:/, '')))
  const traefik = model.services.find((s) => s.name === 'traefik')
  const sorted = (list: readonly number[]) => [...list].sort((a, b) => a - b)
  if (traefik && !isDeepStrictEqual(sorted(ports), sorted(traefik.listens))) {
    bad(`entry points listen on ${ports.join(', ')}, but the traefik service listens on ${traefik.listens.join(', ')}`)
  }
  const ping = isMap(doc.ping) ? doc.ping.entryPoint : undefined
  if (typeof ping !== 'string' || !(ping in entryPoints)) bad(`ping.entryPoint ${json(ping)} is not an entry point`)
  const file = isMap(doc.providers) && isMap(doc.providers.file) ? doc.providers.file.filename : undefined
  if (file !== DYNAMIC_FILE) bad(`providers.file.filename must be ${DYNAMIC_FILE}`)
  const resolvers = doc.certificatesResolvers
  if (view.acme) {
    const acme = isMap(resolvers) && isMap(resolvers[view.acme.resolver]) ? resolvers[view.acme.resolver] : undefined
    const conf = isMap(acme) ? acme.acme : undefined
    if (!isMap(conf) || conf.email !== view.acme.email || conf.storage !== ACME_STORAGE) {
      bad(`certificatesResolvers.${view.acme.resolver}.acme must carry the email and storage of the config`)
    }
    if ((conf.caServer ?? null) !== view.acme.caServer) bad(`acme.caServer must be ${json(view.acme.caServer)}`)
    const challenge = isMap(conf.httpChallenge) ? conf.httpChallenge.entryPoint : undefined
    if (typeof challenge !== 'string' || !(challenge in entryPoints)) bad('acme.httpChallenge.entryPoint is not an entry point')
  } else if (resolvers !== undefined) {
    bad('certificatesResolvers is set, but TLS is not acme')
  }
  return entryPoints
}

function checkDynamic(doc: Doc, model: StackModel, staticDoc: Doc, entryPoints: Doc): void {
  const bad: Bad = (detail) => fail(DYNAMIC_BLUEPRINT, TRAEFIK_DYNAMIC, detail)
  const http = doc.http
  if (!isMap(http)) bad('http is not a mapping')
  const { routers, services, middlewares } = http
  if (!isMap(routers) || !isMap(services) || !isMap(middlewares)) bad('http.routers, http.services and http.middlewares must be mappings')
  const resolvers = isMap(staticDoc.certificatesResolvers) ? staticDoc.certificatesResolvers : {}

  // What the model asks for is there, with the exact rule (backticks and all) and middleware order.
  for (const route of model.routes) {
    const r = routers[route.name]
    if (!isMap(r)) bad(`router ${route.name} is missing`)
    if (r.rule !== route.rule) bad(`router ${route.name}: rule is ${json(r.rule)}, expected ${json(route.rule)}`)
    if (r.priority !== route.priority) bad(`router ${route.name}: priority is ${json(r.priority)}, expected ${json(route.priority)}`)
    if (r.service !== route.service) bad(`router ${route.name}: service is ${json(r.service)}, expected ${json(route.service)}`)
    if (!isDeepStrictEqual(r.middlewares ?? [], route.middlewares)) bad(`router ${route.name}: middlewares differ from the model`)
    if (model.tls.mode !== 'off' && !isMap(r.tls)) bad(`router ${route.name}: TLS is on but the router has no tls section`)
  }
  for (const m of model.middlewares) {
    const got = middlewares[m.name]
    // The model's kinds are named like Traefik's middleware keys.
    if (!isMap(got) || !(m.kind in got)) bad(`middleware ${m.name} (${m.kind}) is missing`)
  }
  for (const s of model.traefikServices) {
    if (!isMap(services[s.name])) bad(`service ${s.name} is missing`)
  }

  // Every reference inside the file resolves, including anything a blueprint override added.
  for (const [name, r] of Object.entries(routers)) {
    if (!isMap(r)) bad(`router ${name} is not a mapping`)
    if (typeof r.service !== 'string' || !(r.service in services)) bad(`router ${name} names service ${json(r.service)}, which is not defined`)
    const mws: unknown = r.middlewares ?? []
    if (!Array.isArray(mws)) bad(`router ${name}: middlewares is not a list`)
    for (const mw of mws) if (typeof mw !== 'string' || !(mw in middlewares)) bad(`router ${name} names middleware ${json(mw)}, which is not defined`)
    // A router that passes client-sent identity headers lets anyone claim to be anyone to the target.
    const first = mws.length > 0 ? middlewares[mws[0] as string] : undefined
    const removed = isMap(first) && isMap(first.headers) && isMap(first.headers.customRequestHeaders) ? first.headers.customRequestHeaders : {}
    if (!AUTH_HEADERS.every((header) => removed[header] === '')) {
      bad(`router ${name} must first remove the client's ${AUTH_HEADERS.join(', ')} headers: its first middleware must be headers.customRequestHeaders setting each to ""`)
    }
    const eps: unknown = r.entryPoints
    if (!Array.isArray(eps) || eps.length === 0) bad(`router ${name} has no entryPoints`)
    for (const ep of eps) if (typeof ep !== 'string' || !(ep in entryPoints)) bad(`router ${name} uses entry point ${json(ep)}, which traefik.yml does not define`)
    const resolver = isMap(r.tls) ? r.tls.certResolver : undefined
    if (resolver !== undefined && (typeof resolver !== 'string' || !(resolver in resolvers))) {
      bad(`router ${name} uses certResolver ${json(resolver)}, which traefik.yml does not define`)
    }
  }
  for (const [name, s] of Object.entries(services)) {
    const servers = isMap(s) && isMap(s.loadBalancer) ? s.loadBalancer.servers : undefined
    if (!Array.isArray(servers) || servers.length === 0) bad(`service ${name} has no loadBalancer.servers`)
    for (const server of servers) checkTarget(model, isMap(server) ? server.url : server, `service ${name}`, bad)
  }
  for (const [name, m] of Object.entries(middlewares)) {
    if (!isMap(m) || Object.keys(m).length !== 1) bad(`middleware ${name} must have exactly one kind`)
    if (isMap(m.forwardAuth)) {
      checkTarget(model, m.forwardAuth.address, `middleware ${name}`, bad)
      // Without one of them the target would get no identity, or part of one.
      const lacking = IDENTITY_HEADERS.filter((header) => !copiesHeader(m, header))
      if (lacking.length > 0) {
        bad(`middleware ${name} must copy ${IDENTITY_HEADERS.join(', ')} from the verifier: its forwardAuth.authResponseHeaders lacks ${lacking.join(', ')}`)
      }
    }
  }
  // The signature goes to the functions runtime and nowhere else: whatever receives one can replay it to the runtime
  // within its 30 s. forwardAuth copies only what authResponseHeaders lists (pkg/middlewares/auth/forward.go).
  // (The loop above checked that every router is a mapping and names only defined middlewares.)
  for (const [name, r] of Object.entries(routers as Record<string, Doc>)) {
    for (const mw of (r.middlewares ?? []) as string[]) {
      const m = middlewares[mw]
      if (!isMap(m) || !isMap(m.forwardAuth)) continue
      const copies = copiesHeader(m, SIGNATURE_HEADER)
      if (r.service === FUNCTIONS_TRAEFIK_SERVICE && !copies) {
        bad(`router ${name} leads to a function, so its forwardAuth middleware ${mw} must also copy ${SIGNATURE_HEADER} (without it the function gets no identity)`)
      }
      if (r.service !== FUNCTIONS_TRAEFIK_SERVICE && copies) {
        bad(`router ${name} leads to ${json(r.service)}, not to a function, so its forwardAuth middleware ${mw} must not copy ${SIGNATURE_HEADER} (the functions runtime would take it from any caller on the stack's networks)`)
      }
    }
  }
}

/** Whether a forwardAuth middleware copies `header` from the verifier's answer into the request. */
function copiesHeader(m: Doc, header: string): boolean {
  const copied: unknown = isMap(m.forwardAuth) ? m.forwardAuth.authResponseHeaders : undefined
  return Array.isArray(copied) && copied.some((h) => typeof h === 'string' && h.toLowerCase() === header.toLowerCase())
}

export function renderTraefik(model: StackModel, ctx: RenderContext): RenderedFile[] {
  const sView = staticView(model)
  const staticText = renderBlueprint(STATIC_BLUEPRINT, sView, ctx.blueprintsDir)
  const dynamicText = renderBlueprint(DYNAMIC_BLUEPRINT, dynamicView(model), ctx.blueprintsDir)
  // The dynamic file is checked against the static one, so both are checked or neither.
  if (!(ctx.verified?.(TRAEFIK_STATIC, staticText) && ctx.verified(TRAEFIK_DYNAMIC, dynamicText))) {
    const staticDoc = parseChecked(staticText, STATIC_BLUEPRINT, TRAEFIK_STATIC)
    const dynamicDoc = parseChecked(dynamicText, DYNAMIC_BLUEPRINT, TRAEFIK_DYNAMIC)
    const entryPoints = checkStatic(staticDoc, model, sView)
    checkDynamic(dynamicDoc, model, staticDoc, entryPoints)
  }
  return [
    { path: TRAEFIK_STATIC, contents: staticText, format: 'yaml', artifact: 'traefik', blueprint: STATIC_BLUEPRINT, parsedBack: true },
    { path: TRAEFIK_DYNAMIC, contents: dynamicText, format: 'yaml', artifact: 'traefik', blueprint: DYNAMIC_BLUEPRINT, parsedBack: true },
  ]
}
