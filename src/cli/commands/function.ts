/**
 * `sparkbaas function new|list|logs|invoke|serve`: the project's functions. Each subcommand parses its options,
 * calls src/functions/ and reports; `new` lives in its own module (function-new.ts), loaded when it runs.
 */
import { styleText } from 'node:util'
import { defineCommand } from 'citty'
import { SparkbaasError } from '../../errors.js'
import { checkData, checkMethod, checkPath, parseHeader } from '../../functions/invoke-args.js'
import { invokeFailure, invokeFunction, succeeded } from '../../functions/invoke.js'
import { formatFunctionList, listFunctions } from '../../functions/list.js'
import { functionLogs } from '../../functions/logs.js'
import { unregisteredFunctions } from '../../functions/unregistered.js'
import { serveFunctions, type ServeEvent } from '../../functions/serve.js'
import { openStack } from '../../stack/context.js'
import { printJson, printSuccess, useColor } from '../report.js'
import { optionValues, STACK_ARGS, stackOptions, where, wholeNumber } from '../stack-args.js'

const NAME = { type: 'positional', required: true, description: 'The function, as named in the config' } as const

const list = defineCommand({
  meta: { name: 'list', description: 'Each function: its folder, entry file, timeout and the URLs of the routes reaching it; and function folders the config does not list.' },
  args: { ...STACK_ARGS },
  async run({ args }) {
    const stack = await openStack(stackOptions(args))
    const functions = listFunctions(stack.model)
    const unregistered = unregisteredFunctions(stack.model)
    if (args.json === true) printJson({ ok: true, project: stack.project, functions, unregistered: unregistered.map(({ name, source, entry }) => ({ name, source, entry })) })
    else process.stdout.write(formatFunctionList(stack.project, functions, unregistered, where(stack.configFile)))
  },
})

const logs = defineCommand({
  meta: { name: 'logs', description: "One function's lines of the functions service's log (-f to follow)." },
  args: {
    name: NAME,
    follow: { type: 'boolean', alias: 'f', description: 'Keep printing new lines until Ctrl-C' },
    tail: { type: 'string', valueHint: 'lines', description: "Only the function's last N lines (default: all)" },
    ...STACK_ARGS,
  },
  async run({ args }) {
    const json = args.json === true
    if (json && args.follow) throw new SparkbaasError('usage', '--follow and --json cannot be used together.', { hint: '--json prints the logs once, as one JSON value.' })
    const tail = wholeNumber(args.tail, '--tail', 0, '`sparkbaas function logs hello --tail 100`')
    const stack = await openStack(stackOptions(args))
    const lines: string[] = []
    const result = await functionLogs(stack, args.name, {
      follow: args.follow === true,
      ...(tail === undefined ? {} : { tail }),
      onLine: json ? (line) => lines.push(line) : (line) => process.stdout.write(`${line}\n`),
    })
    if (json) printJson({ ok: true, project: stack.project, function: args.name, lines })
    return result.exitCode
  },
})

const invoke = defineCommand({
  meta: { name: 'invoke', description: 'Call a function of the running stack through its route (Traefik), or inside the network when it has none.' },
  args: {
    name: NAME,
    data: { type: 'string', valueHint: 'json', description: 'Request body, JSON (sent as application/json; the method becomes POST)' },
    method: { type: 'string', valueHint: 'method', description: 'HTTP method (default: GET, or POST with --data)' },
    path: { type: 'string', valueHint: '/sub?q', description: 'Path below the function, with a query string if any' },
    header: { type: 'string', valueHint: 'name:value', description: 'A request header; repeat for more' },
    token: { type: 'string', valueHint: 'token', description: 'An access token, sent as Authorization: Bearer (for a route with auth)' },
    ...STACK_ARGS,
  },
  async run({ args, rawArgs }) {
    const headers = optionValues(rawArgs, '--header').map(parseHeader)
    if (args.token !== undefined && headers.some(([key]) => key.toLowerCase() === 'authorization')) {
      throw new SparkbaasError('usage', '--token and --header Authorization cannot be used together.', { hint: '--token T sends `Authorization: Bearer T`.' })
    }
    const options = {
      headers,
      ...(args.data === undefined ? {} : { data: checkData(args.data) }),
      ...(args.method === undefined ? {} : { method: checkMethod(args.method) }),
      ...(args.path === undefined ? {} : { path: checkPath(args.path) }),
      ...(args.token === undefined ? {} : { token: args.token }),
    }
    const stack = await openStack(stackOptions(args))
    const result = await invokeFunction(stack, args.name, options)
    const failure = invokeFailure(args.name, result, { token: args.token })
    const body = result.body.toString('utf8')
    if (args.json === true) {
      const { status, statusText, headers: replyHeaders, via } = result
      const problems = failure === undefined ? {} : { problems: [{ path: '', message: failure.message, code: failure.code }] }
      printJson({ ok: failure === undefined, status, statusText, headers: replyHeaders, body, via, ...problems })
      return failure === undefined ? 0 : 1
    }
    // The status goes to stderr, so stdout is the body alone (`… | jq`); a terminal gets a final line break.
    if (succeeded(result)) process.stderr.write(`${mark('green', '✔')} ${result.status} ${result.statusText} (${result.via === 'runtime' ? 'inside the functions container' : result.via})\n`)
    process.stdout.write(body)
    if (process.stdout.isTTY && body !== '' && !body.endsWith('\n')) process.stdout.write('\n')
    if (failure !== undefined) throw failure
  },
})

const serve = defineCommand({
  meta: { name: 'serve', description: 'Run the functions locally with node (no containers), rebuilding and restarting on change.' },
  args: {
    port: { type: 'string', valueHint: 'port', description: 'Port to listen on, on 127.0.0.1; 0 picks a free one (default: 8000)' },
    watch: {
      type: 'boolean',
      default: true,
      description: "Rebuild and restart when a file in a function's folder changes",
      negativeDescription: 'Serve the first build until stopped',
    },
    config: STACK_ARGS.config,
    json: { type: 'boolean', description: 'Print events as JSON lines on stdout (the runtime’s own output goes to stderr)' },
  },
  async run({ args }) {
    const json = args.json === true
    const port = wholeNumber(args.port, '--port', 0, '`sparkbaas function serve --port 8787`')
    if (port !== undefined && port > 65535) throw new SparkbaasError('usage', `--port must be at most 65535, not ${port}.`)
    const stack = await openStack(stackOptions(args))
    const server = await serveFunctions(stack.model, {
      ...(port === undefined ? {} : { port }),
      watch: args.watch !== false,
      onEvent: json ? (event) => process.stdout.write(`${JSON.stringify(eventJson(event))}\n`) : printEvent,
      ...(json ? { stdout: process.stderr } : {}),
    })
    if (json) process.stdout.write(`${JSON.stringify({ event: 'listening', url: server.url, functions: server.functions })}\n`)
    else printSuccess(`Serving ${server.functions.map((name) => `${server.url}/${name}`).join(', ')}${args.watch === false ? '' : ' (reloading on change)'}; Ctrl-C stops.`)
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve())
      process.once('SIGTERM', () => resolve())
    })
    await server.stop()
  },
})

/** A status mark for stderr, coloured when it is a terminal. */
const mark = (style: 'green' | 'red', text: string) => (useColor(process.stderr) ? styleText(style, text) : text)

const files = (list: readonly string[]) => list.map(where).join(', ')

function printEvent(event: ServeEvent): void {
  const err = process.stderr
  switch (event.type) {
    case 'reloaded':
      printSuccess(`Reloaded ${event.functions.join(', ')} (${files(event.files)} changed).`)
      return
    case 'unchanged':
      process.stdout.write(`No function changed (${files(event.files)}).\n`)
      return
    case 'build_failed':
      err.write(`${mark('red', '✖')} Build failed; still serving the last good build.\n${event.error.message}\n`)
      return
    case 'runtime_exited':
      err.write(`${mark('red', '✖')} The functions runtime exited with code ${event.code}; save a change to restart it.\n`)
      return
    case 'restart_failed':
      err.write(`${mark('red', '✖')} The functions runtime did not restart: ${event.error.message}\n`)
      return
    case 'watch_failed':
      err.write(`${mark('red', '✖')} Watching for changes failed: ${event.error.message}\n`)
  }
}

function eventJson(event: ServeEvent): Record<string, unknown> {
  switch (event.type) {
    case 'reloaded':
      return { event: event.type, functions: event.functions, files: event.files }
    case 'unchanged':
      return { event: event.type, files: event.files }
    case 'build_failed':
      return { event: event.type, files: event.files, message: event.error.message }
    case 'runtime_exited':
      return { event: event.type, code: event.code }
    case 'restart_failed':
    case 'watch_failed':
      return { event: event.type, message: event.error.message }
  }
}

export default defineCommand({
  meta: { name: 'function', description: 'Work with the functions: new, list, logs, invoke, serve.' },
  subCommands: {
    new: () => import('./function-new.js').then((m) => m.default),
    list,
    logs,
    invoke,
    serve,
  },
})
