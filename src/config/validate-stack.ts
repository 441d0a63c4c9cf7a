/**
 * Cross-field rules about how the stack meets its engines and the host: the PostgREST image its healthcheck needs,
 * and host ports that must not clash. Part of RULES in validate.ts, which re-exports them.
 */
import type { Problem } from '../errors.js'
import { PINNED_IMAGES, POSTGREST_MIN_MAJOR, imageMajor } from '../model/images.js'
import { composeServiceNames } from '../model/limits.js'
import type { Rule } from './validate.js'

const problem = (path: string, code: string, message: string): Problem => ({ path, code, message })

/**
 * PostgREST's healthcheck is `postgrest --ready`, which exists from v14.0 on; the image has no shell or curl for any
 * other check, so an older PostgREST would never turn healthy and `up --wait` would fail. A tag whose major version
 * cannot be read (`latest`, a digest only, a custom name) is taken as it is: the user chose it knowingly.
 */
export const postgrestImageVersion: Rule = (config) => {
  const image = config.images.postgrest
  if (config.api === undefined || image === undefined) return []
  const major = imageMajor(image)
  if (major === undefined || major >= POSTGREST_MIN_MAJOR) return []
  const message =
    `${JSON.stringify(image)} is PostgREST ${major}, but the stack needs PostgREST ${POSTGREST_MIN_MAJOR} or newer: ` +
    `its healthcheck runs \`postgrest --ready\`, which PostgREST added in v${POSTGREST_MIN_MAJOR}.0, and the image has no shell for another check — ` +
    `use a v${POSTGREST_MIN_MAJOR} or later tag such as ${JSON.stringify(PINNED_IMAGES.postgrest)}, or remove images.postgrest to use the pinned one`
  return [problem('images.postgrest', 'image_too_old', message)]
}

/**
 * Host ports: Traefik's HTTP and HTTPS (`ports`) and Postgres's (`postgres.exposePort`) must differ, and Let's
 * Encrypt's HTTP challenge reaches only port 80 (RFC 8555 §8.3: the request "MUST be sent to TCP port 80").
 */
export const portClashes: Rule = (config) => {
  const problems: Problem[] = []
  const tls = config.tls !== 'off'
  const { http, https } = config.ports
  if (tls && https === http) {
    problems.push(problem('ports.https', 'port_clash', `port ${https} is also ports.http; HTTP and HTTPS each need their own port — choose another, e.g. ${http === 443 ? 8443 : 443}`))
  }
  const pg = config.postgres.exposePort
  const web = pg === http ? 'ports.http' : tls && pg === https ? 'ports.https' : undefined
  if (web !== undefined) {
    problems.push(problem('postgres.exposePort', 'port_clash', `port ${pg} is also ${web}; Postgres needs a host port of its own — choose another, e.g. ${pg === 5432 ? 15432 : 5432}`))
  }
  if (typeof config.tls === 'object' && http !== 80) {
    problems.push(
      problem('ports.http', 'acme_needs_port_80', `Let's Encrypt's HTTP challenge (tls: { acme }) always connects to port 80, not ${http} — set ports.http to 80 (ports.https may differ), or use tls: "self-signed"`),
    )
  }
  return problems
}

/** `resources` names compose services; a name the stack does not have would silently limit nothing. */
export const unknownResourceServices: Rule = (config) => {
  const names = composeServiceNames(config)
  return Object.keys(config.resources)
    .filter((name) => !names.includes(name))
    .map((name) =>
      problem(`resources.${name}`, 'unknown_service', `${JSON.stringify(name)} is not a service of this stack; resources takes the compose service names: ${names.join(', ')}`),
    )
}
