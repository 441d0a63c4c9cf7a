/**
 * `function invoke <name>`: one request to a function of the running stack, the way a client would send it when a
 * route reaches it (through Traefik, auth included), else straight to the runtime inside the network
 * (exec-call.ts).
 */
import type { Engine } from '../engine/detect.js'
import { SparkbaasError } from '../errors.js'
import type { Stack } from '../stack/context.js'
import { execCall } from './exec-call.js'
import { httpCall, type HttpReply } from './http-call.js'
import { findFunction, routesTo, type FunctionRoute } from './lookup.js'

export interface InvokeOptions {
  /** @default POST with a body, else GET */
  readonly method?: string
  /** Below the function (route), with a query string if any: `/items/1?x=2`. @default '' */
  readonly path?: string
  /** The request body, sent as `application/json` unless a content-type header says otherwise. */
  readonly data?: string
  readonly headers?: readonly (readonly [string, string])[]
  /** Sent as `Authorization: Bearer <token>`. */
  readonly token?: string
  /** @internal the engine to use instead of detecting one. */
  readonly engine?: Engine
}

export interface InvokeResult extends HttpReply {
  /** The URL called (with the configured host port), or `runtime` for a call inside the functions container. */
  readonly via: string
  /** The route used, when there was one. */
  readonly route?: FunctionRoute
}

/** Sends the request and resolves with the reply whatever its status (see {@link invokeFailure}). */
export async function invokeFunction(stack: Stack, name: string, options: InvokeOptions = {}): Promise<InvokeResult> {
  const fn = findFunction(stack.model, name)
  const path = options.path ?? ''
  const headers = [...(options.headers ?? [])]
  const has = (header: string) => headers.some(([key]) => key.toLowerCase() === header)
  if (options.data !== undefined && !has('content-type')) headers.push(['content-type', 'application/json'])
  if (options.token !== undefined) headers.push(['authorization', `Bearer ${options.token}`])
  const method = options.method ?? (options.data === undefined ? 'GET' : 'POST')
  const body = options.data

  const routes = routesTo(stack.model, name)
  // Without a token, a route that needs none; with one, the first route.
  const route = options.token === undefined ? (routes.find((r) => r.auth === undefined) ?? routes[0]) : routes[0]
  if (route === undefined) {
    const reply = await execCall(stack, { name, method, path, headers, ...(body === undefined ? {} : { body }), ...(options.engine === undefined ? {} : { engine: options.engine }) })
    return { ...reply, via: 'runtime' }
  }

  const https = route.url.startsWith('https:')
  // The config's ports, as in every public URL; Traefik is asked on this machine whatever the route's host is.
  const port = String((https ? stack.model.ports.https : undefined) ?? stack.model.ports.http)
  const url = new URL(`${https ? 'https' : 'http'}://127.0.0.1:${port}${joinPath(route.path, path)}`)
  const tls = stack.model.tls
  const shown = new URL(url.pathname + url.search, `${url.protocol}//${route.host}:${port}`).href
  try {
    const reply = await httpCall({
      url,
      host: route.host,
      method,
      headers,
      ...(body === undefined ? {} : { body }),
      // The stack's own self-signed certificate (and Let's Encrypt's staging one) cannot be checked.
      verifyTls: tls.mode === 'acme' && tls.acme?.staging !== true,
      // The function's own limit, plus time for Traefik and the verifier.
      timeoutMs: fn.timeoutMs + 10_000,
    })
    return { ...reply, via: shown, route }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message
    throw new SparkbaasError('function_failed', `Could not reach Traefik at 127.0.0.1:${port} to call function "${name}" through ${shown} (${code}).`, {
      hint: 'Is the stack up? `sparkbaas up` starts it; `sparkbaas status` shows it.',
      cause: error,
    })
  }
}

/** The route's path and the path below it: `/fn/hello` + `/x?y=1` → `/fn/hello/x?y=1`; `/` + `` → `/`. */
export function joinPath(routePath: string, below: string): string {
  const base = routePath.replace(/\/+$/, '')
  if (below === '') return base === '' ? '/' : base
  return below.startsWith('?') ? `${base === '' ? '/' : base}${below}` : `${base}${below}`
}

export const succeeded = (result: InvokeResult): boolean => result.status >= 200 && result.status < 300

/** The error for a reply that is not 2xx, with a hint fitting it; undefined for a 2xx. */
export function invokeFailure(name: string, result: InvokeResult, options: { token?: string | undefined } = {}): SparkbaasError | undefined {
  if (succeeded(result)) return undefined
  const where = result.via === 'runtime' ? 'inside the functions container' : `through ${result.via}`
  const auth = result.route?.auth
  const refused = result.status === 401 || result.status === 403
  // The verifier asks for every listed role.
  const token = auth === undefined ? '' : `an access token of realm "${auth.realm}"${auth.roles.length > 0 ? ` with the role${auth.roles.length > 1 ? 's' : ''} ${auth.roles.join(', ')}` : ''}`
  const hint =
    refused && auth !== undefined && options.token === undefined
      ? `Its route needs ${token}: pass --token <token>.`
      : refused && auth !== undefined
        ? `The route refused the token: it needs ${token}, unexpired.`
        : `Its logs may say why: \`sparkbaas function logs ${name}\`.`
  return new SparkbaasError('function_failed', `Function "${name}" answered ${result.status}${result.statusText ? ` ${result.statusText}` : ''} (${where}).`, { hint })
}
