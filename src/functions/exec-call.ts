/**
 * Calling a function that no route reaches: `compose exec -T functions node -e <script> -- <values…>` runs a
 * request from inside the functions container to the runtime on its own port. Every value travels as an argument
 * after `--` (node hands them to the script in process.argv, and stops reading its own options there); none is
 * ever written into the script, so no value can change what the script does.
 */
import { STATUS_CODES } from 'node:http'
import type { Engine } from '../engine/detect.js'
import { lastLines } from '../engine/process.js'
import { SparkbaasError } from '../errors.js'
import { FUNCTIONS_PORT } from '../model/services.js'
import type { Stack } from '../stack/context.js'
import { exec } from '../stack/passthrough.js'
import type { HttpReply } from './http-call.js'
import { FUNCTIONS_SERVICE } from './lookup.js'

/** The script's exit code when the runtime did not answer (sysexits' EX_UNAVAILABLE). */
const UNREACHABLE = 69

/**
 * Runs in the container's Node (20+: global fetch). Arguments: function name, method, path and query (may be
 * empty), the headers as a JSON list of pairs, "1" or "0" for whether a body follows, the body. Prints one JSON
 * object: status, statusText, headers (set-cookie as a list) and the body in base64 (any bytes survive).
 */
export const EXEC_SCRIPT = `
const [name, method, path, headers, hasBody, body] = process.argv.slice(1)
const port = process.env.PORT || '${FUNCTIONS_PORT}'
fetch('http://127.0.0.1:' + port + '/' + name + path, { method, headers: JSON.parse(headers), body: hasBody === '1' ? body : undefined, redirect: 'manual' })
  .then(async (res) => {
    const out = {}
    for (const [key, value] of res.headers) if (key !== 'set-cookie') out[key] = value
    const cookies = res.headers.getSetCookie()
    if (cookies.length > 0) out['set-cookie'] = cookies
    const bytes = Buffer.from(await res.arrayBuffer())
    process.stdout.write(JSON.stringify({ status: res.status, statusText: res.statusText, headers: out, body: bytes.toString('base64') }))
  })
  .catch((error) => {
    process.stderr.write('the functions runtime did not answer on port ' + port + ': ' + ((error.cause && error.cause.message) || error.message) + '\\n')
    process.exit(${UNREACHABLE})
  })
`.trim()

export interface ExecCall {
  readonly name: string
  readonly method: string
  /** Path below the function and query, `''` for none: `/items/1?x=2`. */
  readonly path: string
  readonly headers: readonly (readonly [string, string])[]
  readonly body?: string
  /** @internal the engine to use instead of detecting one. */
  readonly engine?: Engine
}

/** The argv after `compose exec -T functions`. */
export function execCommand(call: ExecCall): string[] {
  return ['node', '-e', EXEC_SCRIPT, '--', call.name, call.method, call.path, JSON.stringify(call.headers), call.body === undefined ? '0' : '1', call.body ?? '']
}

export async function execCall(stack: Stack, call: ExecCall): Promise<HttpReply> {
  const result = await exec(stack, {
    service: FUNCTIONS_SERVICE,
    command: execCommand(call),
    tty: false,
    output: 'capture',
    ...(call.engine === undefined ? {} : { engine: call.engine }),
  })
  const said = lastLines(result.stderr, 10).map((line) => `  ${line}`)
  if (result.exitCode === UNREACHABLE) {
    throw new SparkbaasError('function_failed', [`Could not call function "${call.name}" inside the ${FUNCTIONS_SERVICE} container:`, ...said].join('\n'), {
      hint: '`sparkbaas status` shows whether the functions service is healthy; `sparkbaas logs functions` shows why not.',
    })
  }
  if (result.exitCode !== 0) {
    // Not formatCommand(argv): it would print the whole script.
    throw new SparkbaasError('function_failed', [`Could not run a request in the ${FUNCTIONS_SERVICE} container (compose exec failed with exit code ${result.exitCode})${said.length > 0 ? ':' : '.'}`, ...said].join('\n'), {
      hint: 'Is the stack up? `sparkbaas up` starts it; `sparkbaas status` shows it.',
      cause: result.cause,
    })
  }
  let reply: { status: number; statusText: string; headers: Record<string, string | string[]>; body: string }
  try {
    reply = JSON.parse(result.stdout) as typeof reply
  } catch (error) {
    throw new SparkbaasError('function_failed', `The request in the ${FUNCTIONS_SERVICE} container printed no reply: ${JSON.stringify(result.stdout.slice(0, 200))}.`, { cause: error })
  }
  return { status: reply.status, statusText: reply.statusText || STATUS_CODES[reply.status] || '', headers: reply.headers, body: Buffer.from(reply.body, 'base64') }
}
