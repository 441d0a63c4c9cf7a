/**
 * The URLs a user opens once the stack is up: the model's route URLs, which carry the configured host port
 * (`ports` in the config) already, as Keycloak's issuer does.
 */
import { tokenCommand } from '../auth/claims.js'
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
  /** How to call the API from a shell once it is up; undefined without a route to it. */
  readonly apiCall: ApiCall | undefined
}

export interface ApiCall {
  /** The realm whose tokens PostgREST accepts. */
  readonly realm: string
  /** `sparkbaas token` with the roles the API route requires. */
  readonly tokenCommand: string
  /** A curl of a table with that token; `<table>` is left for the user. */
  readonly curl: string
}

export function stackUrls(model: StackModel, env: EnvLookup): StackUrls {
  const routes = model.routes.map((route) => ({ service: route.service, url: route.url }))
  const api = routes.find((r) => r.service === 'postgrest')?.url
  const keycloak = routes.find((r) => r.service === 'keycloak')?.url
  return {
    routes: routes.map(({ url }) => ({ url })),
    api: api === undefined ? undefined : withoutSlash(api),
    keycloak: keycloak === undefined ? undefined : withoutSlash(keycloak),
    apiCall: apiCall(model),
    keycloakLogin:
      keycloak === undefined
        ? undefined
        : {
            adminConsole: model.keycloakAdminConsole === 'public' ? `${withoutSlash(keycloak)}/admin/` : null,
            username: env(ENV.keycloakAdminUser), passwordKey: ENV.keycloakAdminPassword },
  }
}

/**
 * A token of the API realm (`sparkbaas token`'s default realm) with the roles the API route asks the verifier for.
 * A route guarded by another realm gets none of its roles here: PostgREST accepts only the API realm's tokens.
 */
function apiCall(model: StackModel): ApiCall | undefined {
  const route = model.routes.find((r) => r.service === 'postgrest')
  // Without an API realm PostgREST takes no tokens: the API is anonymous, and no token can be minted for it.
  if (route === undefined || model.api?.realm === undefined) return undefined
  const roles = route.auth !== undefined && route.auth.realm === model.api.realm ? route.auth.roles : []
  const command = tokenCommand(roles)
  // Traefik's self-signed certificate is signed by no CA curl knows.
  const insecure = model.tls.mode === 'self-signed' ? ' -k' : ''
  return {
    realm: model.api.realm,
    tokenCommand: command,
    curl: `curl${insecure} -H "Authorization: Bearer $(${command})" ${withoutSlash(route.url)}/<table>`,
  }
}
