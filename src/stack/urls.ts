/**
 * The URLs a user opens once the stack is up: the model's route URLs, which carry the configured host port
 * (`ports` in the config) already, as Keycloak's issuer does.
 */
import { ENV } from '../model/env-vars.js'
import type { StackModel } from '../model/types.js'
import type { EnvLookup } from './context.js'

export interface KeycloakLogin {
  /** The admin console: the route to Keycloak + `/admin/`; null when `keycloak.adminConsole` is "off". */
  readonly adminConsole: string | null
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
  const routes = model.routes.map((route) => ({ service: route.service, url: route.url }))
  const api = routes.find((r) => r.service === 'postgrest')?.url
  const keycloak = routes.find((r) => r.service === 'keycloak')?.url
  return {
    routes: routes.map(({ url }) => ({ url })),
    api: api === undefined ? undefined : withoutSlash(api),
    keycloak: keycloak === undefined ? undefined : withoutSlash(keycloak),
    keycloakLogin:
      keycloak === undefined
        ? undefined
        : {
            adminConsole: model.keycloakAdminConsole === 'public' ? `${withoutSlash(keycloak)}/admin/` : null,
            username: env(ENV.keycloakAdminUser), passwordKey: ENV.keycloakAdminPassword },
  }
}
