// SparkBaaS functions runtime.
//
// A zero-dependency HTTP server (Node built-ins only, Node 20+) that runs the project's HTTP functions.
// `sparkbaas generate` copies this file verbatim next to the bundled functions and a manifest.json.
//
// Manifest (path from FUNCTIONS_MANIFEST, default ./manifest.json beside this file):
//   { "functions": [ { "name": "hello", "file": "hello.mjs", "timeoutMs": 10000, "env": { "GREETING": "Hello" } } ] }
// `file` is relative to the manifest's directory; its default export is a Web-standard handler
// `(request: Request) => Response | Promise<Response> | <JSON value>` (or an object with a `fetch(request)` method,
// the Cloudflare Workers module shape).
//
// HTTP contract:
//   GET /_health               200 {"status":"ok","functions":[...names]}
//   ANY /<name>[/<rest>][?q]   the function <name> gets a Request for http(s)://<host>/<rest>?q
//   unknown name               404 {"error":"not_found","message":"no function named \"x\""}
//   body over the limit        413 {"error":"payload_too_large",...}
//   handler threw              500 {"error":"function_error","message":"<error message>"}
//   module failed to load      500 {"error":"function_unavailable",...}
//   worker crashed             500 {"error":"function_crashed",...}
//   slower than timeoutMs      504 {"error":"timeout","message":"function \"x\" did not answer within N ms"}
//   worker restarted mid-flight 503 {"error":"function_restarted",...}
//
// Environment: PORT (8000), HOST (0.0.0.0), FUNCTIONS_MANIFEST (./manifest.json beside this file),
// FUNCTIONS_MAX_BODY_BYTES (6 MiB).
//
// Logs: one line per request on stdout (`GET /hello/x 200 1.2ms`, no query string). Every line a function writes
// (console.*, process.stdout/stderr) and every line the runtime writes about one function starts with `[<name>] `,
// on stdout or stderr as written, so one function's lines can be picked out (`sparkbaas function logs <name>`).
//
// Design:
// - Each function runs in its own worker_threads Worker created from THIS file (the same file is both the server
//   and the worker bootstrap, so the generator ships a single file). A Worker gets its own copy of process.env,
//   which is how two functions see different values for the same variable, and its own event loop, so a function
//   that blocks only blocks itself.
// - Requests and responses cross the thread boundary as plain, structured-cloneable messages. Bodies are buffered
//   on both sides (request bodies up to a limit); streaming responses (e.g. server-sent events) are not supported.
// - A request that outlives its function's timeoutMs is answered 504 immediately. Then the worker is probed: a
//   worker that does not answer a ping within STUCK_GRACE_MS has a blocked event loop (e.g. `while (true) {}`)
//   and is terminated (worker.terminate() interrupts running JavaScript); the next request starts a fresh one.
//   A worker whose handler is merely slow (awaiting something) is left alone, so one slow request does not
//   kill its healthy siblings.

import { createServer } from 'node:http'
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { performance } from 'node:perf_hooks'
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads'

// ---------------------------------------------------------------------------------------------------------------
// Worker side: load one function module and answer request messages.
// ---------------------------------------------------------------------------------------------------------------

/** @param {{ name: string, path: string }} fn */
function runWorker(fn) {
  // Why: Node's default for an unhandled rejection is to throw, which would take the worker (and every request
  // in flight on it) down because one handler forgot a `.catch()` on a fire-and-forget promise. Deno, Workers and
  // browsers log it and carry on; so do we. Synchronous uncaught exceptions still end the worker (see 'exit').
  process.on('unhandledRejection', (reason) => {
    // No `[name] ` here: everything this worker writes gets it on the way out (prefixLines).
    console.error('unhandled promise rejection:', reason)
  })

  // Attach the listener before the import settles: messages that arrive while the module loads wait on the
  // promise instead of being lost.
  const handlerPromise = import(pathToFileURL(fn.path).href).then((mod) => {
    const exported = mod.default
    if (typeof exported === 'function') return exported
    if (exported && typeof exported.fetch === 'function') return (request) => exported.fetch(request)
    throw new TypeError(`the default export of ${fn.path} is not a function (nor an object with a fetch method)`)
  })
  handlerPromise.then(
    () => parentPort.postMessage({ type: 'ready' }),
    (error) => parentPort.postMessage({ type: 'load-error', message: errorMessage(error), stack: errorStack(error) }),
  )

  parentPort.on('message', (message) => {
    if (message.type === 'ping') {
      parentPort.postMessage({ type: 'pong' })
    } else if (message.type === 'request') {
      handlerPromise.then(
        (handler) => handleInWorker(handler, message),
        () => {}, // the load error was already reported; the main thread answers for us
      )
    }
  })
}

async function handleInWorker(handler, message) {
  const { id } = message
  let reply
  try {
    const hasBody = message.body !== null && message.method !== 'GET' && message.method !== 'HEAD'
    const request = new Request(message.url, {
      method: message.method,
      headers: message.headers,
      body: hasBody ? message.body : undefined,
    })
    const result = await handler(request)
    reply = await toReply(result)
  } catch (error) {
    parentPort.postMessage({ type: 'error', id, message: errorMessage(error), stack: errorStack(error) })
    return
  }
  // Transfer (not copy) the body, but only a buffer that holds exactly these bytes.
  if (reply.body && reply.body.byteLength !== reply.body.buffer.byteLength) reply.body = reply.body.slice()
  parentPort.postMessage({ type: 'response', id, ...reply }, reply.body ? [reply.body.buffer] : [])
}

/** Turn whatever the handler returned into { status, headers: [name, value][], body: Uint8Array | null }. */
async function toReply(result) {
  if (isResponseLike(result)) {
    const headers = []
    for (const [name, value] of result.headers) {
      if (name !== 'set-cookie') headers.push([name, value])
    }
    // Why: several Set-Cookie headers must stay separate lines; getSetCookie() is the only lossless accessor.
    const cookies = typeof result.headers.getSetCookie === 'function' ? result.headers.getSetCookie() : []
    for (const cookie of cookies) headers.push(['set-cookie', cookie])
    const body = result.body === null ? null : new Uint8Array(await result.arrayBuffer())
    return { status: result.status, headers, body }
  }
  if (result === undefined) return { status: 204, headers: [], body: null }
  const json = JSON.stringify(result)
  if (json === undefined) throw new TypeError(`the handler returned a ${typeof result}, which is not JSON-serializable`)
  return {
    status: 200,
    headers: [['content-type', 'application/json; charset=utf-8']],
    body: new TextEncoder().encode(json),
  }
}

function isResponseLike(value) {
  // instanceof first; the duck-typed fallback accepts Responses from a bundled fetch polyfill.
  if (value instanceof Response) return true
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof value.status === 'number' &&
    typeof value.arrayBuffer === 'function' &&
    value.headers !== null &&
    typeof value.headers === 'object' &&
    typeof value.headers[Symbol.iterator] === 'function'
  )
}

// ---------------------------------------------------------------------------------------------------------------
// Main thread: HTTP server, routing, one FunctionHost per function.
// ---------------------------------------------------------------------------------------------------------------

const DEFAULT_TIMEOUT_MS = 10_000
// How long a timed-out worker gets to answer a ping before we call it stuck and terminate it.
const STUCK_GRACE_MS = 1_000
// How long shutdown waits for in-flight requests before answering them 503 and exiting anyway.
const SHUTDOWN_GRACE_MS = 5_000
// Why these: Traefik keeps idle connections to backends for 90 s by default. If Node closed them first
// (its default is 5 s), Traefik could send a request on a connection we are closing and answer 502.
const KEEP_ALIVE_TIMEOUT_MS = 95_000
// Methods the Fetch API refuses to build a Request for.
const UNSUPPORTED_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK'])
// Connection-level headers that describe the hop to us, not the request; they must not reach the handler
// (the body is already de-chunked) or be copied from the handler's Response (Node frames the body itself).
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'http2-settings',
])

class HttpError extends Error {
  constructor(status, code, message) {
    super(message)
    this.status = status
    this.code = code
  }
}

/** A JSON error reply in the shape every error of this server has. */
function errorReply(status, code, message) {
  return {
    status,
    headers: [['content-type', 'application/json; charset=utf-8']],
    body: Buffer.from(JSON.stringify({ error: code, message })),
  }
}

/**
 * Owns the Worker of one function: starts it, hands it requests, enforces the timeout, replaces it when it
 * crashes or gets stuck. A "generation" is one Worker and the requests sent to it, so that a late 'exit' of a
 * worker we already replaced cannot touch the requests of its successor.
 */
class FunctionHost {
  /** @param {{ name: string, path: string, timeoutMs: number, env: Record<string, string> }} fn */
  constructor(fn) {
    this.fn = fn
    this.generation = null
    this.loadError = null // set once when the module cannot be loaded; the function stays unavailable
    this.nextId = 1
  }

  start() {
    if (this.generation || this.loadError) return this.generation
    const worker = new Worker(fileURLToPath(import.meta.url), {
      workerData: { sparkbaasFunction: { name: this.fn.name, path: this.fn.path } },
      env: { ...process.env, ...this.fn.env },
      // Its output comes to us instead of straight to ours, so every line can be labelled with the function.
      stdout: true,
      stderr: true,
    })
    prefixLines(worker.stdout, process.stdout, `[${this.fn.name}] `)
    prefixLines(worker.stderr, process.stderr, `[${this.fn.name}] `)
    const generation = {
      worker,
      pending: new Map(), // request id → { resolve, timer }
      ready: false, // the module loaded
      probe: null, // timer of an unanswered liveness ping
      crash: null, // message of the uncaught exception that is ending the worker
      ended: false, // retired: its requests are answered, its 'exit' is ignored
    }
    this.generation = generation

    worker.on('message', (message) => this.onMessage(generation, message))
    worker.on('error', (error) => {
      // An uncaught exception inside the worker; it is about to exit. Log the stack for the operator.
      logFunction(this.fn.name, `worker crashed: ${errorStack(error) ?? errorMessage(error)}`)
      generation.crash = errorMessage(error)
    })
    worker.on('exit', (code) => {
      if (generation.ended) return // we retired it ourselves and already answered its requests
      if (!generation.ready && !this.loadError) {
        this.markBroken(`it exited while loading (${generation.crash ?? `exit code ${code}`})`)
      }
      this.retire(generation, () =>
        errorReply(500, 'function_crashed', `function "${this.fn.name}" crashed while handling the request`),
      )
    })
    return generation
  }

  onMessage(generation, message) {
    switch (message.type) {
      case 'ready':
        generation.ready = true
        break
      case 'load-error':
        logFunction(this.fn.name, `failed to load ${this.fn.path}: ${message.stack ?? message.message}`)
        this.markBroken(message.message)
        this.retire(generation, () => this.unavailableReply())
        break
      case 'pong':
        if (generation.probe) clearTimeout(generation.probe)
        generation.probe = null
        break
      case 'response':
        this.settle(generation, message.id, {
          status: message.status,
          headers: message.headers,
          body: message.body ? Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength) : null,
        })
        break
      case 'error':
        logFunction(this.fn.name, `handler threw: ${message.stack ?? message.message}`)
        this.settle(generation, message.id, errorReply(500, 'function_error', message.message))
        break
    }
  }

  markBroken(reason) {
    if (!this.loadError) this.loadError = reason
  }

  unavailableReply() {
    return errorReply(
      500,
      'function_unavailable',
      `function "${this.fn.name}" failed to load: ${this.loadError}`,
    )
  }

  /**
   * Send one request to the worker; resolves with the reply (never rejects).
   * @param {{ method: string, url: string, headers: [string, string][], body: Uint8Array | null }} request
   */
  invoke(request) {
    if (this.loadError) return Promise.resolve(this.unavailableReply())
    const generation = this.generation ?? this.start()
    if (!generation) return Promise.resolve(this.unavailableReply())
    const id = this.nextId++
    return new Promise((resolvePromise) => {
      const timer = setTimeout(() => this.onTimeout(generation, id), this.fn.timeoutMs)
      generation.pending.set(id, { resolve: resolvePromise, timer })
      // Why copy: Buffer.concat may return a view on Node's shared allocation pool. Transferring that would
      // detach the pool, and cloning it would copy bytes of unrelated requests into another function's thread.
      const body = request.body ? new Uint8Array(request.body) : null
      generation.worker.postMessage({ type: 'request', id, ...request, body }, body ? [body.buffer] : [])
    })
  }

  settle(generation, id, reply) {
    const entry = generation.pending.get(id)
    if (!entry) return // already answered (timed out) — a late answer is dropped
    generation.pending.delete(id)
    clearTimeout(entry.timer)
    entry.resolve(reply)
  }

  onTimeout(generation, id) {
    const { name, timeoutMs } = this.fn
    this.settle(generation, id, errorReply(504, 'timeout', `function "${name}" did not answer within ${timeoutMs} ms`))
    if (generation.ended || generation.probe) return
    generation.worker.postMessage({ type: 'ping' })
    generation.probe = setTimeout(() => {
      logFunction(name, 'worker is unresponsive after a timeout (blocked event loop?); restarting it')
      this.retire(generation, () =>
        errorReply(503, 'function_restarted', `function "${name}" was restarted because it stopped responding`),
      )
    }, STUCK_GRACE_MS)
  }

  /** Stop a worker generation for good: answer its pending requests and terminate the thread. */
  retire(generation, replyFactory) {
    if (generation.ended) return
    generation.ended = true
    if (generation.probe) clearTimeout(generation.probe)
    if (this.generation === generation) this.generation = null
    for (const id of [...generation.pending.keys()]) this.settle(generation, id, replyFactory())
    generation.worker.terminate().catch(() => {})
  }

  stop() {
    if (this.generation) {
      this.retire(this.generation, () =>
        errorReply(503, 'shutting_down', `the functions runtime is shutting down`),
      )
    }
  }
}

// A line a worker started but has not finished is written anyway after this long without more output, or once it
// is this long, so a progress message without a line break still shows up and memory stays bounded.
const PARTIAL_LINE_FLUSH_MS = 100
const MAX_PARTIAL_LINE = 64 * 1024

/**
 * Copy a worker's stdout or stderr to ours with `prefix` at the start of every line. Output arrives in chunks that
 * need not end at a line break (process.stdout.write('a'); …('b\n')), so the unfinished end of a chunk waits for
 * the rest of its line; it is written with a line break of its own when the stream ends (the worker exited), after
 * PARTIAL_LINE_FLUSH_MS of silence, or at MAX_PARTIAL_LINE characters. Each chunk goes out in one write, so lines
 * of different functions never interleave mid-line.
 */
function prefixLines(source, target, prefix) {
  // utf8 decoding on the stream keeps a character split across two chunks whole.
  source.setEncoding('utf8')
  let partial = ''
  let timer = null
  const flushPartial = () => {
    if (timer) clearTimeout(timer)
    timer = null
    if (partial === '') return
    target.write(`${prefix}${partial}\n`)
    partial = ''
  }
  source.on('data', (chunk) => {
    if (timer) clearTimeout(timer)
    timer = null
    const text = partial + chunk
    const end = text.lastIndexOf('\n')
    if (end !== -1) target.write(`${prefix}${text.slice(0, end).split('\n').join(`\n${prefix}`)}\n`)
    partial = text.slice(end + 1)
    if (partial.length >= MAX_PARTIAL_LINE) flushPartial()
    else if (partial !== '') timer = setTimeout(flushPartial, PARTIAL_LINE_FLUSH_MS).unref()
  })
  source.on('end', flushPartial)
}

/** A message of the runtime about one function: `[name] ` before each of its lines (a stack trace has many). */
function logFunction(name, text) {
  process.stderr.write(`[${name}] ${text.split('\n').join(`\n[${name}] `)}\n`)
}

function runServer() {
  const scriptDir = dirname(fileURLToPath(import.meta.url))
  const manifestPath = resolve(process.env.FUNCTIONS_MANIFEST || resolve(scriptDir, 'manifest.json'))
  const port = parsePort(process.env.PORT, 8000)
  const host = process.env.HOST || '0.0.0.0'
  const maxBodyBytes = parsePositiveInt('FUNCTIONS_MAX_BODY_BYTES', process.env.FUNCTIONS_MAX_BODY_BYTES, 6 * 1024 * 1024)

  let functions
  try {
    functions = loadManifest(manifestPath)
  } catch (error) {
    // A bad manifest is a generator or deployment bug: fail loudly so `docker compose up --wait` notices.
    console.error(`functions runtime: cannot use manifest ${manifestPath}: ${errorMessage(error)}`)
    process.exit(1)
  }

  /** @type {Map<string, FunctionHost>} a Map, not an object, so `/__proto__` is just an unknown name */
  const hosts = new Map(functions.map((fn) => [fn.name, new FunctionHost(fn)]))
  // Start every worker now: load errors show up in the log at boot and the first request does not pay for it.
  for (const host of hosts.values()) host.start()

  let shuttingDown = false

  // requireHostHeader: false — Node would otherwise answer a Host-less HTTP/1.1 request itself, with a non-JSON
  // 400 and no log line; publicUrl() copes with a missing Host.
  // maxHeaderSize: Traefik passes on up to 1 MiB of client headers plus the verifier's X-Auth-* (Node's default: 16 KiB);
  // 2 MiB + 64 KiB, as in the verifier (see MAX_HEADER_BYTES there).
  const server = createServer({ keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS, requireHostHeader: false, maxHeaderSize: 2 * 1024 * 1024 + 64 * 1024 }, (req, res) => {
    const started = performance.now()
    res.on('close', () => {
      const path = (req.url ?? '').split('?')[0] // no query string in logs: it may carry secrets
      // 499 (nginx's "client closed request") when the client left before we could answer.
      const status = res.headersSent ? res.statusCode : 499
      console.log(`${req.method} ${path} ${status} ${(performance.now() - started).toFixed(1)}ms`)
      if (shuttingDown) server.closeIdleConnections()
    })
    handle(req).then(
      (reply) => send(res, reply, shuttingDown),
      (error) => {
        if (error instanceof HttpError) {
          // After a 413 the rest of the body is still on the wire: close the connection rather than read it.
          return send(res, errorReply(error.status, error.code, error.message), shuttingDown || error.status === 413)
        }
        console.error(`functions runtime: internal error: ${errorStack(error) ?? errorMessage(error)}`)
        send(res, errorReply(500, 'internal_error', 'internal error in the functions runtime'), shuttingDown)
      },
    )
  })

  /** Route one request; resolves with a reply, or rejects with an HttpError. */
  async function handle(req) {
    const target = splitTarget(req.url)
    if (target.pathname === '/_health') {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        throw new HttpError(405, 'method_not_allowed', 'use GET for /_health')
      }
      return {
        status: 200,
        headers: [['content-type', 'application/json; charset=utf-8']],
        body: Buffer.from(JSON.stringify({ status: 'ok', functions: [...hosts.keys()] })),
      }
    }

    // "/hello/a/b" → name "hello", rest "/a/b"; "/hello" → rest "/".
    const slash = target.pathname.indexOf('/', 1)
    const name = slash === -1 ? target.pathname.slice(1) : target.pathname.slice(1, slash)
    const rest = slash === -1 ? '/' : target.pathname.slice(slash)
    const fnHost = hosts.get(name)
    if (!fnHost) throw new HttpError(404, 'not_found', `no function named ${JSON.stringify(name)}`)
    if (UNSUPPORTED_METHODS.has(req.method)) {
      throw new HttpError(405, 'method_not_allowed', `method ${req.method} is not supported`)
    }

    const body = await readBody(req, maxBodyBytes)
    return fnHost.invoke({
      method: req.method,
      url: publicUrl(req, rest + target.search),
      headers: forwardableHeaders(req.rawHeaders),
      body: req.method === 'GET' || req.method === 'HEAD' ? null : body,
    })
  }

  server.on('clientError', (error, socket) => {
    // Malformed HTTP from a client: answer 400 if the socket is still usable, never crash.
    if (socket.writable && !socket.headersSent) {
      const body = JSON.stringify({ error: 'bad_request', message: 'malformed HTTP request' })
      socket.end(
        `HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      )
    } else {
      socket.destroy(error)
    }
  })

  server.listen(port, host, () => {
    const { port: actualPort } = server.address()
    console.log(`functions runtime listening on ${host}:${actualPort} with ${hosts.size} function(s): ${[...hosts.keys()].join(', ')}`)
  })
  server.on('error', (error) => {
    console.error(`functions runtime: server error: ${errorMessage(error)}`)
    process.exit(1)
  })

  function shutdown(signal) {
    if (shuttingDown) {
      // A second signal means "now": do not wait for in-flight requests.
      process.exit(0)
    }
    shuttingDown = true
    console.log(`functions runtime: ${signal} received, finishing in-flight requests`)
    const finish = () => {
      for (const fnHost of hosts.values()) fnHost.stop()
      process.exit(0)
    }
    // close() stops accepting and calls back once every connection is gone; idle keep-alive connections are
    // closed now, busy ones after their response (see the 'close' listener and `connection: close` in send()).
    server.close(finish)
    server.closeIdleConnections()
    setTimeout(() => {
      // Deadline: answer whatever is still pending with 503 (stop() does that), give those answers a moment to
      // be written, then drop every remaining connection (e.g. a client still uploading) and exit.
      for (const fnHost of hosts.values()) fnHost.stop()
      setTimeout(() => {
        server.closeAllConnections()
        finish()
      }, 500).unref()
    }, SHUTDOWN_GRACE_MS).unref()
  }
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  process.on('SIGINT', () => shutdown('SIGINT'))
}

/** Write a reply; headers from a handler that Node refuses (invalid characters) turn into a 500. */
function send(res, reply, closeConnection) {
  if (res.headersSent || res.destroyed) return
  try {
    const headers = {}
    for (const [name, value] of reply.headers) {
      const key = name.toLowerCase()
      if (HOP_BY_HOP.has(key) || key === 'content-length') continue
      if (key === 'set-cookie') (headers[key] ??= []).push(value)
      else headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`
    }
    const body = reply.body ?? Buffer.alloc(0)
    // 204 and 304 must not carry a body or a content-length.
    if (reply.status !== 204 && reply.status !== 304) headers['content-length'] = String(body.byteLength)
    if (closeConnection) headers.connection = 'close'
    res.writeHead(reply.status, headers)
    res.end(reply.status === 204 || reply.status === 304 ? undefined : body)
  } catch (error) {
    console.error(`functions runtime: could not send the function's response: ${errorMessage(error)}`)
    if (res.headersSent) {
      res.destroy()
      return
    }
    for (const name of res.getHeaderNames()) res.removeHeader(name)
    const fallback = errorReply(500, 'function_error', 'the function returned a response that cannot be sent')
    res.writeHead(500, { 'content-type': 'application/json; charset=utf-8', 'content-length': fallback.body.byteLength })
    res.end(fallback.body)
  }
}

/** Split the request target into pathname and search without URL parsing (which would treat "//x" as a host). */
function splitTarget(rawUrl = '/') {
  let target = rawUrl
  if (!target.startsWith('/')) {
    // absolute-form ("GET http://host/path HTTP/1.1"), as sent to proxies
    try {
      const url = new URL(target)
      target = url.pathname + url.search
    } catch {
      throw new HttpError(400, 'bad_request', 'malformed request target')
    }
  }
  const q = target.indexOf('?')
  return q === -1 ? { pathname: target, search: '' } : { pathname: target.slice(0, q), search: target.slice(q) }
}

/**
 * The URL the handler sees. The host comes from the Host header (Traefik passes the public host through) and the
 * scheme from X-Forwarded-Proto (Traefik sets it), so handlers can build absolute links. Anything unparsable
 * falls back to http://localhost.
 */
function publicUrl(req, pathAndQuery) {
  const proto = req.headers['x-forwarded-proto'] === 'https' ? 'https' : 'http'
  const hostHeader = req.headers.host ?? 'localhost'
  try {
    return new URL(pathAndQuery, `${proto}://${hostHeader}`).href
  } catch {
    return new URL(pathAndQuery, `${proto}://localhost`).href
  }
}

/** Request headers as [name, value] pairs (repeated headers kept), minus hop-by-hop ones. */
function forwardableHeaders(rawHeaders) {
  const headers = []
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase()
    if (!HOP_BY_HOP.has(name)) headers.push([name, rawHeaders[i + 1]])
  }
  return headers
}

/** Buffer the request body, refusing more than `limit` bytes with 413. */
function readBody(req, limit) {
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.reject(tooLarge(limit))
  }
  return new Promise((resolvePromise, reject) => {
    const chunks = []
    let size = 0
    let done = false
    req.on('data', (chunk) => {
      if (done) return
      size += chunk.length
      if (size > limit) {
        done = true
        // Why not drain the rest: the client may be sending gigabytes. We answer 413 with `connection: close`
        // and let Node drop the socket after the response.
        req.pause()
        reject(tooLarge(limit))
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => {
      if (done) return
      done = true
      resolvePromise(Buffer.concat(chunks, size))
    })
    req.on('error', (error) => {
      if (done) return
      done = true
      reject(new HttpError(400, 'bad_request', `could not read the request body: ${errorMessage(error)}`))
    })
  })
}

function tooLarge(limit) {
  return new HttpError(413, 'payload_too_large', `request body is larger than ${limit} bytes`)
}

/**
 * Read and validate the manifest. Throws with a precise message on anything malformed.
 * @returns {{ name: string, path: string, timeoutMs: number, env: Record<string, string> }[]}
 */
function loadManifest(manifestPath) {
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'))
  const baseDir = dirname(manifestPath)
  if (!manifest || !Array.isArray(manifest.functions)) throw new Error('"functions" must be an array')
  const seen = new Set()
  return manifest.functions.map((fn, index) => {
    const where = `functions[${index}]`
    if (!fn || typeof fn !== 'object') throw new Error(`${where} must be an object`)
    // Names are URL path segments; "_" prefixes are reserved for the runtime's own endpoints (/_health).
    if (typeof fn.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(fn.name)) {
      throw new Error(`${where}.name must match /^[A-Za-z0-9][A-Za-z0-9_.-]*$/`)
    }
    if (seen.has(fn.name)) throw new Error(`${where}.name "${fn.name}" is used twice`)
    seen.add(fn.name)
    if (typeof fn.file !== 'string' || fn.file === '') throw new Error(`${where}.file must be a non-empty string`)
    const timeoutMs = fn.timeoutMs ?? DEFAULT_TIMEOUT_MS
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new Error(`${where}.timeoutMs must be a positive integer`)
    const env = fn.env ?? {}
    if (typeof env !== 'object' || Array.isArray(env) || Object.values(env).some((v) => typeof v !== 'string')) {
      throw new Error(`${where}.env must be an object of strings`)
    }
    return { name: fn.name, path: resolve(baseDir, fn.file), timeoutMs, env }
  })
}

function parsePort(value, fallback) {
  if (value === undefined || value === '') return fallback
  const port = Number(value)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`PORT must be an integer between 0 and 65535, got ${JSON.stringify(value)}`)
    process.exit(1)
  }
  return port
}

function parsePositiveInt(name, value, fallback) {
  if (value === undefined || value === '') return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n <= 0) {
    console.error(`${name} must be a positive integer, got ${JSON.stringify(value)}`)
    process.exit(1)
  }
  return n
}

function errorMessage(error) {
  if (error instanceof Error) return error.message
  try {
    return typeof error === 'string' ? error : JSON.stringify(error) ?? String(error)
  } catch {
    return String(error)
  }
}

function errorStack(error) {
  return error instanceof Error && typeof error.stack === 'string' ? error.stack : undefined
}

// ---------------------------------------------------------------------------------------------------------------
// Entry point. Last in the file so every constant above is initialised. This same file is the worker bootstrap:
// inside a Worker created by FunctionHost it runs the function instead of a server.
// ---------------------------------------------------------------------------------------------------------------

if (isMainThread) {
  runServer()
} else if (workerData?.sparkbaasFunction) {
  runWorker(workerData.sparkbaasFunction)
}
