/** A function of the stack by name, and the routes that reach it. */
import { closest } from '../config/zod-problems.js'
import { SparkbaasError } from '../errors.js'
import type { FunctionModel, MiddlewareModel, RouteModel, StackModel } from '../model/types.js'

/** The compose service running every function (model/services.ts `functionsService`). */
export const FUNCTIONS_SERVICE = 'functions'

/** The function called `name`, or a usage error listing the stack's functions (and the nearest name to a typo). */
export function findFunction(model: StackModel, name: string): FunctionModel {
  const fn = model.functions.find((candidate) => candidate.name === name)
  if (fn !== undefined) return fn
  const names = model.functions.map((candidate) => candidate.name)
  if (names.length === 0) {
    throw new SparkbaasError('usage', `Unknown function "${name}": stack ${model.project} has no functions.`, {
      hint: 'Add one with `sparkbaas function new <name>`.',
    })
  }
  const near = closest(name, names)
  throw new SparkbaasError('usage', `Unknown function "${name}": stack ${model.project} has no such function${near === undefined ? '.' : ` — did you mean "${near}"?`}`, {
    hint: `Its functions are: ${names.join(', ')}.`,
  })
}

export interface FunctionRoute {
  /** The public URL, as the model has it (standard ports). */
  readonly url: string
  /** `<host>.<domain>`: the Host header Traefik routes on. */
  readonly host: string
  readonly path: string
  /** The realm (and roles) a token must carry, when the route has `auth`. */
  readonly auth?: { readonly realm: string; readonly roles: readonly string[] }
}

/**
 * The routes reaching function `name`, in config order. A route reaches a function through the `addPrefix
 * /<name>` middleware routes.ts gives it (the runtime picks the function by the first path segment), so that
 * middleware is what names the function here.
 */
export function routesTo(model: StackModel, name: string): FunctionRoute[] {
  const middlewares = new Map(model.middlewares.map((m) => [m.name, m]))
  const chain = (route: RouteModel): MiddlewareModel[] => route.middlewares.flatMap((m) => middlewares.get(m) ?? [])
  return model.routes
    .filter((route) => route.service === FUNCTIONS_SERVICE && chain(route).some((m) => m.kind === 'addPrefix' && m.prefix === `/${name}`))
    .map((route) => {
      const forward = chain(route).find((m) => m.kind === 'forwardAuth')
      const auth = forward === undefined ? undefined : authOf(forward.address)
      return { url: route.url, host: route.host, path: route.path, ...(auth === undefined ? {} : { auth }) }
    })
}

/** The realm and roles from the verifier address routes.ts builds: `http://verifier:8080/verify?realm=x&roles=a,b[&fn=name]`. */
function authOf(address: string): FunctionRoute['auth'] {
  const query = new URL(address).searchParams
  const roles = query.get('roles')
  return { realm: query.get('realm') ?? '', roles: roles === null || roles === '' ? [] : roles.split(',') }
}
