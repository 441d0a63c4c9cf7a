/**
 * The URLs a user opens once the stack is up. The model's route URLs assume ports 80/443; the host ports actually
 * published come from `.env` (HTTP_PORT, HTTPS_PORT), so they are added here when they differ.
 */
import { ENV } from '../model/env-vars.js'
import type { StackModel } from '../model/types.js'
import type { EnvLookup } from './context.js'

const PORT_KEY: Readonly<Record<string, { key: string; standard: string }>> = {
  'http:': { key: ENV.httpPort, standard: '80' },
  'https:': { key: ENV.httpsPort, standard: '443' },
}

/** `http://api.localhost/rest` → `http://api.localhost:8080/rest` when HTTP_PORT is 8080. */
export function reachableUrl(url: string, env: EnvLookup): string {
  const parsed = new URL(url)
  const port = PORT_KEY[parsed.protocol]
  const value = port === undefined ? undefined : env(port.key)?.trim()
  if (port === undefined || value === undefined || !/^\d+$/.test(value) || value === port.standard) return url
  parsed.port = value
  return parsed.href
}

export interface KeycloakLogin {
  /** The admin console: the route to Keycloak + `/admin/`. */
  readonly adminConsole: string
  readonly username: string | undefined
  /** The `.env` key holding the password; the value itself is never printed. */
  readonly passwordKey: string
}

const withoutSlash = (url: string) => url.replace(/\/+$/, '')

export interface StackUrls {
  readonly routes: { readonly url: string }[]
  /** The route to PostgREST, if any. */
  readonly api: string | undefined
  /** The route to Keycloak, if any, without a trailing slash. */
  readonly keycloak: string | undefined
  readonly keycloakLogin: KeycloakLogin | undefined
}

export function stackUrls(model: StackModel, env: EnvLookup): StackUrls {
  const routes = model.routes.map((route) => ({ service: route.service, url: reachableUrl(route.url, env) }))
  const api = routes.find((r) => r.service === 'postgrest')?.url
  const keycloak = routes.find((r) => r.service === 'keycloak')?.url
  return {
    routes: routes.map(({ url }) => ({ url })),
    api: api === undefined ? undefined : withoutSlash(api),
    keycloak: keycloak === undefined ? undefined : withoutSlash(keycloak),
    keycloakLogin:
      keycloak === undefined
        ? undefined
        : { adminConsole: `${withoutSlash(keycloak)}/admin/`, username: env(ENV.keycloakAdminUser), passwordKey: ENV.keycloakAdminPassword },
  }
}
