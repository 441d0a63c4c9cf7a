/** The values `function invoke` takes from the command line, checked before anything is sent. */
import { SparkbaasError } from '../errors.js'

const EXAMPLE = 'sparkbaas function invoke hello --data \'{"name":"Ada"}\''

/** `--data` must be JSON: it is sent as `application/json`. Returns it unchanged. */
export function checkData(data: string): string {
  try {
    JSON.parse(data)
  } catch (error) {
    throw new SparkbaasError('usage', `--data is not valid JSON: ${(error as Error).message}.`, {
      hint: `Quote it for the shell, e.g. \`${EXAMPLE}\`.`,
    })
  }
  return data
}

/** RFC 9110 token characters: what a header name and a method may be made of. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/** `Name: value` → `['Name', 'value']`. */
export function parseHeader(text: string): [string, string] {
  const colon = text.indexOf(':')
  const name = colon === -1 ? '' : text.slice(0, colon).trim()
  const value = colon === -1 ? '' : text.slice(colon + 1).trim()
  if (!TOKEN.test(name) || /[\r\n\0]/.test(value)) {
    throw new SparkbaasError('usage', `--header needs NAME:VALUE, not ${JSON.stringify(text)}.`, { hint: 'For example: --header "X-Request-Id: 42".' })
  }
  return [name, value]
}

/** A path below the function, a query string, or both: `/items/1`, `?x=1`, `/items?x=1`. */
export function checkPath(path: string): string {
  if ((path.startsWith('/') || path.startsWith('?')) && !/[\s#]/.test(path)) return path
  throw new SparkbaasError('usage', `--path must start with "/" or "?" and hold no spaces or "#", not ${JSON.stringify(path)}.`, {
    hint: 'For example: --path /items/42?full=1.',
  })
}

/** Methods the runtime refuses to build a Request for (blueprints/functions/server.mjs UNSUPPORTED_METHODS). */
const UNSUPPORTED = new Set(['CONNECT', 'TRACE', 'TRACK'])

export function checkMethod(method: string): string {
  const upper = method.toUpperCase()
  if (TOKEN.test(method) && !UNSUPPORTED.has(upper)) return upper
  throw new SparkbaasError('usage', `--method must be an HTTP method such as GET, POST, PUT, PATCH or DELETE, not ${JSON.stringify(method)}.`)
}
