// SparkBaaS functions runtime.
//
// A zero-dependency HTTP server (Node built-ins only, Node 20+) that runs the project's HTTP functions.
// `sparkbaas generate` copies this file verbatim next to the bundled functions and a manifest.json.
//
// Manifest (path from FUNCTIONS_MANIFEST, default ./manifest.json beside this file):
//   { "functions": [ { "name": "hello", "file": "hello.mjs", "timeoutMs": 10000, "memoryMb": 256, "env": { "GREETING": "Hello" },
//       "envFrom": { "STRIPE_KEY": "SPARKBAAS_SECRET_STRIPE_KEY" },
//       "database": { "host": "postgres", "port": 5432, "name": "app", "user": "fn_hello", "passwordFrom": "SPARKBAAS_SECRET_…" } } ] }
// `envFrom` and `database` keep secrets out of the manifest (a committed file): the function's variable takes the
// value of the named variable of the runtime's own environment (compose fills those from .env), and `database`
// becomes DATABASE_URL, postgres://user:password@host:port/name, user and password URL-encoded. A named variable the
// runtime lacks is logged at start and left unset for the function.
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
// FUNCTIONS_MAX_BODY_BYTES (6 MiB), AUTH_HEADERS_KEY (unset: no identity headers at all), FUNCTIONS_ACCESS_LOG
// (all | sample:<N> | off; see accessLog), and the variables manifests name in `envFrom` / `database.passwordFrom`.
// None of it reaches a function as such: a function's process.env is its manifest `env` plus the values its own
// entry names.
//
// Identity headers: a function sees X-Auth-Subject, X-Auth-Username and X-Auth-Roles only when the request carries
// a valid X-Auth-Signature from the verifier, made for this very function (see verifyIdentity); otherwise every
// X-Auth-* header is removed and the function gets the request as an anonymous one. X-Auth-Signature itself never
// reaches a function.
//
// Logs: one line per request on stdout (`GET /hello/x 200 1.2ms`, no query string; written in batches, and
// sampled or off as FUNCTIONS_ACCESS_LOG says). Every line a function writes
// (console.*, process.stdout/stderr) and every line the runtime writes about one function starts with `[<name>] `,
// on stdout or stderr as written, so one function's lines can be picked out (`sparkbaas function logs <name>`).
//
// Design:
// - Each function runs in a child process of its own, started from THIS file (the same file is the server and the
//   function bootstrap, so the generator ships a single file) when the runtime starts (or, in a project of more
//   than EAGER_START_MAX functions, on its first request) and again after it dies, never per request. A process, not a worker thread, because a worker shares its process: `process.kill
//   (process.pid)` in a worker signals the whole runtime, every thread can read the process's files and
//   /proc/self/environ, and a worker's `resourceLimits` bound only the JavaScript heap, not Buffers.
// - Isolation of a function process:
//   - env: only the function's own `env`, `envFrom` and DATABASE_URL from the manifest (not the runtime's, not
//     another function's secrets);
//   - Node's permission model (`--permission`; `--experimental-permission` before Node 22.13): file reads only of
//     this file and the function's bundle (so not the manifest, nor /proc/<pid>/environ), no child processes, no
//     worker threads, no native addons, and `process.binding()` denied;
//   - `process.kill` may signal only the function itself; `process.exit` ends only its own process;
//   - memory: V8's heap is capped at `memoryMb` (--max-old-space-size) and the runtime stops a process whose
//     resident memory (heap, Buffers and Node itself) goes over `memoryMb` (checked every MEMORY_POLL_MS). Its
//     oom_score_adj is raised so that, if the container's own memory limit is hit first, the kernel's OOM killer
//     picks a function process rather than the runtime.
//   The permission model is documented by Node as a seat belt, not a sandbox against malicious code; functions
//   that must not trust each other belong in separate containers.
// - Requests and responses cross the process boundary over the IPC channel as structured-cloneable messages
//   (`serialization: 'advanced'`). Bodies are buffered on both sides (request bodies up to a limit); streaming
//   responses (e.g. server-sent events) are not supported.
// - A request that outlives its function's timeoutMs is answered 504 immediately. Then the process is probed: one
//   that does not answer a ping within STUCK_GRACE_MS has a blocked event loop (e.g. `while (true) {}`) and is
//   killed; the next request starts a fresh one. A process whose handler is merely slow (awaiting something) is
//   left alone, so one slow request does not kill its healthy siblings.

import { createServer } from 'node:http'
import { spawn } from 'node:child_process'
import { createHmac, timingSafeEqual } from 'node:crypto'
import { readFile, readFileSync, writeFile, writeSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { performance } from 'node:perf_hooks'

/**
 * Messages over an IPC channel, batched: every message pushed during one turn of the event loop goes out as one
 * `{ type: 'batch', messages }` (a lone message as itself) when the turn's I/O is done (setImmediate). Why: each
 * `send` is a write(2) of its own and the receiver's read, and under load one turn handles many requests, so a
 * request cost four system calls on the channel (request and reply, each written and read) besides its own HTTP
 * read and write. Order is kept.
 */
class Outbox {
  /** @param {(message: object) => void} send */
  constructor(send) {
    this.send = send
    this.messages = []
    this.flush = this.flush.bind(this)
  }

  push(message) {
    if (this.messages.push(message) === 1) setImmediate(this.flush)
  }

  flush() {
    const messages = this.messages
    if (messages.length === 0) return
    this.messages = []
    this.send(messages.length === 1 ? messages[0] : { type: 'batch', messages })
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Worker side: load one function module and answer request messages.
// ---------------------------------------------------------------------------------------------------------------

/** The argument that makes this file run one function instead of the server: `server.mjs <FLAG> <name> <path>`. */
const FUNCTION_FLAG = '--sparkbaas-function'

/** @param {{ name: string, path: string }} fn */
function runFunction(fn) {
  denyForeignSignals()
  // Why: Node's default for an unhandled rejection is to throw, which would take the process (and every request
  // in flight on it) down because one handler forgot a `.catch()` on a fire-and-forget promise. Deno, Workers and
  // browsers log it and carry on; so do we. Synchronous uncaught exceptions still end the process (see 'exit').
  process.on('unhandledRejection', (reason) => {
    // No `[name] ` here: everything this process writes gets it on the way out (prefixLines).
    console.error('unhandled promise rejection:', reason)
  })
  // The runtime went away (the IPC channel closed): nothing can reach us any more.
  process.on('disconnect', () => process.exit(0))

  // Attach the listener before the import settles: messages that arrive while the module loads wait on the
  // promise instead of being lost.
  const handlerPromise = import(pathToFileURL(fn.path).href).then((mod) => {
    const exported = mod.default
    if (typeof exported === 'function') return exported
    if (exported && typeof exported.fetch === 'function') return (request) => exported.fetch(request)
    throw new TypeError(`the default export of ${fn.path} is not a function (nor an object with a fetch method)`)
  })
  handlerPromise.then(
    () => post({ type: 'ready' }),
    (error) => post({ type: 'load-error', message: errorMessage(error), stack: errorStack(error) }),
  )

  process.on('message', (message) => {
    if (message.type === 'batch') {
      for (const one of message.messages) onRuntimeMessage(one)
    } else {
      onRuntimeMessage(message)
    }
  })

  function onRuntimeMessage(message) {
    if (message.type === 'ping') {
      post({ type: 'pong' })
    } else if (message.type === 'request') {
      handlerPromise.then(
        (handler) => handleInWorker(handler, message),
        () => {}, // the load error was already reported; the runtime answers for us
      )
    }
  }
}

/**
 * `process.kill` may only signal this process. Without this a function could `process.kill(process.ppid)` the
 * runtime (same user, so the kernel allows it). The raw binding is out of reach: the permission model denies
 * `process.binding()`, child processes and addons.
 */
function denyForeignSignals() {
  // process.kill validates its arguments and calls process._kill (lib/internal/process/per_thread.js); both are
  // replaced, so neither the public nor the internal one can signal another pid.
  const rawKill = process._kill
  const guard = (pid) => {
    if (Number(pid) !== process.pid) {
      throw new Error('process.kill is not allowed in a function (only the function itself may be signalled)')
    }
  }
  const kill = process.kill
  const lock = (name, value) => Object.defineProperty(process, name, { value, writable: false, configurable: false })
  lock('_kill', (pid, signal) => {
    guard(pid)
    return rawKill.call(process, pid, signal)
  })
  lock('kill', (pid, signal) => {
    guard(pid)
    return kill.call(process, pid, signal)
  })
}

/**
 * Send to the runtime, batched (see Outbox); a closed channel means the runtime is gone, and 'disconnect' ends us.
 */
const toRuntime = new Outbox((message) => {
  if (process.connected) process.send(message, undefined, undefined, () => {})
})
function post(message) {
  toRuntime.push(message)
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
    post({ type: 'error', id, message: errorMessage(error), stack: errorStack(error) })
    return
  }
  post({ type: 'response', id, ...reply })
}

const UTF8 = new TextEncoder()

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
    body: UTF8.encode(json),
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
// How long a timed-out function process gets to answer a ping before we call it stuck and kill it.
const STUCK_GRACE_MS = 1_000
// A function's memory limit when the manifest gives none.
const DEFAULT_MEMORY_MB = 256
// How often the resident memory of every function process is checked against its limit.
const MEMORY_POLL_MS = 100
// How long a function process may take to start and load its module before it is killed and started again.
const LOAD_TIMEOUT_MS = 10_000
// Up to this many functions, every process starts with the runtime; beyond it, each starts on its first request.
const EAGER_START_MAX = 16
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

// The identity headers the verifier signs (in this order), and the one that carries the signature.
const IDENTITY_HEADERS = ['x-auth-subject', 'x-auth-username', 'x-auth-roles']
const SIGNATURE_HEADER = 'x-auth-signature'
// Shorter keys are refused at start; `sparkbaas generate` makes 32 random base64url characters (192 bits).
const MIN_AUTH_KEY_LENGTH = 32

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
 * Owns the process of one function: starts it, hands it requests, enforces the timeout and the memory limit,
 * replaces it when it dies or gets stuck. A "generation" is one process and the requests sent to it, so that a
 * late 'exit' of a process we already replaced cannot touch the requests of its successor.
 */
class FunctionHost {
  /** @param {{ name: string, path: string, timeoutMs: number, memoryMb: number, env: Record<string, string> }} fn */
  constructor(fn) {
    this.fn = fn
    this.generation = null
    this.loadError = null // set once when the module cannot be loaded; the function stays unavailable
    this.nextId = 1
  }

  start() {
    if (this.generation || this.loadError) return this.generation
    const self = fileURLToPath(import.meta.url)
    const child = spawn(process.execPath, [...functionNodeFlags(self, this.fn), self, FUNCTION_FLAG, this.fn.name, this.fn.path], {
      // Only the function's own variables: not the runtime's (FUNCTIONS_MANIFEST, …), not another function's.
      env: { ...this.fn.env },
      // Its output comes to us instead of straight to ours, so every line can be labelled with the function.
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced', // structured clone: Uint8Array bodies cross as bytes, not JSON
    })
    prefixLines(child.stdout, process.stdout, `[${this.fn.name}] `)
    prefixLines(child.stderr, process.stderr, `[${this.fn.name}] `)
    const generation = {
      child,
      pending: new Map(), // request id → { resolve, timer }
      ready: false, // the module loaded
      queue: [], // messages held until the module loaded (a process that has not started listening drops them)
      loading: null, // timer: a module that never finishes loading
      probe: null, // timer of an unanswered liveness ping
      memory: null, // timer of the memory check
      ended: false, // retired: its requests are answered, its 'exit' is ignored
      outbox: new Outbox((message) => {
        if (child.connected) child.send(message, undefined, undefined, () => {})
      }),
    }
    this.generation = generation
    if (child.pid !== undefined) {
      // Best effort (the file may not exist or be writable): the highest OOM score makes the kernel's OOM killer
      // choose this process over the runtime when the container runs out of memory. Raising it needs no privilege.
      writeFile(`/proc/${child.pid}/oom_score_adj`, '1000', () => {})
      generation.memory = setInterval(() => this.checkMemory(generation), MEMORY_POLL_MS).unref()
    }
    generation.loading = setTimeout(() => {
      logFunction(this.fn.name, `did not finish loading within ${LOAD_TIMEOUT_MS} ms; restarting it`)
      this.retire(generation, () =>
        errorReply(503, 'function_restarted', `function "${this.fn.name}" did not finish loading within ${LOAD_TIMEOUT_MS} ms`),
      )
    }, LOAD_TIMEOUT_MS).unref()

    child.on('message', (message) => {
      if (message.type !== 'batch') return this.onMessage(generation, message)
      for (const one of message.messages) this.onMessage(generation, one)
    })
    child.on('error', (error) => {
      // The process could not be started (or signalled); 'exit' may never come for a spawn failure.
      logFunction(this.fn.name, `process error: ${errorMessage(error)}`)
      if (child.pid === undefined) {
        this.markBroken(`its process could not be started (${errorMessage(error)})`)
        this.retire(generation, () => this.unavailableReply())
      }
    })
    child.on('exit', (code, signal) => {
      if (generation.ended) return // we retired it ourselves and already answered its requests
      const how = signal ? `signal ${signal}` : `exit code ${code}`
      logFunction(this.fn.name, `process ended (${how})`)
      if (!generation.ready && !this.loadError) this.markBroken(`it exited while loading (${how})`)
      this.retire(generation, () =>
        errorReply(500, 'function_crashed', `function "${this.fn.name}" crashed while handling the request`),
      )
    })
    return generation
  }

  /** Stop the process once its resident memory (heap, Buffers, Node itself) is over the function's limit. */
  checkMemory(generation) {
    if (generation.ended) return
    readFile(`/proc/${generation.child.pid}/status`, 'utf8', (error, status) => {
      if (error || generation.ended) return // not Linux, or the process is already gone
      const kb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1])
      if (!(kb > this.fn.memoryMb * 1024)) return
      const { name, memoryMb } = this.fn
      logFunction(name, `uses ${Math.round(kb / 1024)} MiB, over its limit of ${memoryMb} MiB; stopping it`)
      this.retire(generation, () =>
        errorReply(500, 'function_out_of_memory', `function "${name}" used more than its memory limit of ${memoryMb} MiB and was stopped`),
      )
    })
  }

  onMessage(generation, message) {
    switch (message.type) {
      case 'ready':
        generation.ready = true
        clearTimeout(generation.loading)
        for (const queued of generation.queue.splice(0)) this.dispatch(generation, queued)
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
      generation.pending.set(id, { resolve: resolvePromise, timer: null })
      // Why copy: Buffer.concat may return a view on Node's shared allocation pool; serializing that view could
      // copy bytes of unrelated requests into another function's process.
      const body = request.body ? new Uint8Array(request.body) : null
      const message = { type: 'request', id, ...request, body }
      if (generation.ready) this.dispatch(generation, message)
      else generation.queue.push(message)
    })
  }

  /** Hand a request to a loaded process; its timeoutMs counts from here (a cold start is not the function's time). */
  dispatch(generation, message) {
    const entry = generation.pending.get(message.id)
    if (!entry) return
    entry.timer = setTimeout(() => this.onTimeout(generation, message.id), this.fn.timeoutMs)
    sendTo(generation, message)
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
    sendTo(generation, { type: 'ping' })
    generation.probe = setTimeout(() => {
      logFunction(name, 'process is unresponsive after a timeout (blocked event loop?); restarting it')
      this.retire(generation, () =>
        errorReply(503, 'function_restarted', `function "${name}" was restarted because it stopped responding`),
      )
    }, STUCK_GRACE_MS)
  }

  /** Stop a process generation for good: answer its pending requests and kill the process. */
  retire(generation, replyFactory) {
    if (generation.ended) return
    generation.ended = true
    if (generation.probe) clearTimeout(generation.probe)
    if (generation.memory) clearInterval(generation.memory)
    clearTimeout(generation.loading)
    if (this.generation === generation) this.generation = null
    for (const id of [...generation.pending.keys()]) this.settle(generation, id, replyFactory())
    if (generation.child.exitCode === null && generation.child.signalCode === null) generation.child.kill('SIGKILL')
  }

  stop() {
    if (this.generation) {
      this.retire(this.generation, () =>
        errorReply(503, 'shutting_down', `the functions runtime is shutting down`),
      )
    }
  }
}

/** Send a message to a function process (batched); one that is gone is noticed through its 'exit'. */
function sendTo(generation, message) {
  generation.outbox.push(message)
}

/**
 * Node flags of a function process: the permission model with file reads limited to this file and the bundle, and
 * the V8 heap capped at the function's memory limit. The flag is `--permission` from Node 22.13 / 23.5 on (where
 * the model became stable) and `--experimental-permission` before; Node 20 would also print an ExperimentalWarning
 * into the function's log, hence --disable-warning.
 */
function functionNodeFlags(self, fn) {
  const [major, minor] = process.versions.node.split('.').map(Number)
  const stable = major > 23 || (major === 23 && minor >= 5) || (major === 22 && minor >= 13)
  return [
    stable ? '--permission' : '--experimental-permission',
    '--disable-warning=ExperimentalWarning',
    `--allow-fs-read=${self}`,
    `--allow-fs-read=${fn.path}`,
    `--max-old-space-size=${fn.memoryMb}`,
  ]
}

// A line a function process started but has not finished is written anyway after this long without more output, or once it
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

const ACCESS_LOG_BATCH_BYTES = 64 * 1024
// A line reaches the log at most this long after its request ended.
const ACCESS_LOG_FLUSH_MS = 50

/**
 * The access log: one line per request, as `log(status, () => line)`. Lines are written in batches, ACCESS_LOG_FLUSH_MS
 * after the first line of a batch (or at ACCESS_LOG_BATCH_BYTES), not one write each: Node writes to a pipe, which
 * is what Docker's log driver gives a container, synchronously, so one write per request was a system call in every
 * request's path, and a wake-up of the reader on the other end. Batching per turn of the event loop still made
 * hundreds of writes a second under load; a timer makes at most 20, for ~5 µs less CPU per request here (server
 * and reader; docs/performance.md). Lines still waiting are written when the process exits. `setting`: "all" (the default),
 * "off", or "sample:<N>": one successful request in N, and every answer of 400 or more.
 * @returns {(status: number, line: () => string) => void}
 */
function accessLog(variable, setting) {
  const match = /^(?:all|off|sample:([1-9][0-9]{0,8}))$/.exec(setting)
  if (!match) {
    console.error(
      `functions runtime: ${variable} must be "all", "off" or "sample:<N>" (one successful request in N logged, N a whole number from 1), got ${JSON.stringify(setting)}`,
    )
    process.exit(1)
  }
  if (setting === 'off') return () => {}
  const every = match[1] === undefined ? 1 : Number(match[1])
  let successes = 0
  let pending = ''
  let scheduled = false
  const flush = () => {
    scheduled = false
    if (pending === '') return
    const text = pending
    pending = ''
    process.stdout.write(text)
  }
  process.on('exit', () => {
    if (pending === '') return
    try {
      writeSync(1, pending)
    } catch {
      // stdout is gone: nothing to write to
    }
  })
  return (status, line) => {
    if (status < 400 && every > 1 && ++successes % every !== 0) return
    pending += `${line()}\n`
    if (pending.length >= ACCESS_LOG_BATCH_BYTES) flush()
    else if (!scheduled) {
      scheduled = true
      setTimeout(flush, ACCESS_LOG_FLUSH_MS)
    }
  }
}

function runServer() {
  const scriptDir = dirname(fileURLToPath(import.meta.url))
  const manifestPath = resolve(process.env.FUNCTIONS_MANIFEST || resolve(scriptDir, 'manifest.json'))
  const port = parsePort(process.env.PORT, 8000)
  const host = process.env.HOST || '0.0.0.0'
  const maxBodyBytes = parsePositiveInt('FUNCTIONS_MAX_BODY_BYTES', process.env.FUNCTIONS_MAX_BODY_BYTES, 6 * 1024 * 1024)
  const log = accessLog('FUNCTIONS_ACCESS_LOG', process.env.FUNCTIONS_ACCESS_LOG || 'all')
  const authKey = process.env.AUTH_HEADERS_KEY || null
  if (authKey !== null && authKey.length < MIN_AUTH_KEY_LENGTH) {
    console.error(
      `functions runtime: AUTH_HEADERS_KEY must be at least ${MIN_AUTH_KEY_LENGTH} characters (got ${authKey.length}); delete its line in .env and run \`sparkbaas generate\` to get a new one`,
    )
    process.exit(1)
  }

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
  // A small project starts every function process now: load errors show up in the log at boot and the first request
  // does not pay for it. A large one starts each on its first request, so memory follows the functions in use
  // (each process costs ~40 MB), not the number in the config.
  if (hosts.size <= EAGER_START_MAX) for (const host of hosts.values()) host.start()

  let shuttingDown = false

  // requireHostHeader: false — Node would otherwise answer a Host-less HTTP/1.1 request itself, with a non-JSON
  // 400 and no log line; publicUrl() copes with a missing Host.
  // maxHeaderSize: Traefik passes on up to 1 MiB of client headers plus the verifier's X-Auth-* (Node's default: 16 KiB);
  // 2 MiB + 64 KiB, as in the verifier (see MAX_HEADER_BYTES there).
  const server = createServer({ keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS, requireHostHeader: false, maxHeaderSize: 2 * 1024 * 1024 + 64 * 1024 }, (req, res) => {
    const started = performance.now()
    res.on('close', () => {
      // 499 (nginx's "client closed request") when the client left before we could answer.
      const status = res.headersSent ? res.statusCode : 499
      // No query string in logs: it may carry secrets.
      log(status, () => `${req.method} ${(req.url ?? '').split('?')[0]} ${status} ${(performance.now() - started).toFixed(1)}ms`)
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
      headers: verifyIdentity(forwardableHeaders(req.rawHeaders), req.method, name, authKey),
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

// Lowercase labels, the last starting with a letter (else URL may read an IPv4 address), no punycode (URL checks
// it), a port below 10000 (URL refuses one over 65535).
const SIMPLE_HOST = /^(?!xn--)(?:[a-z0-9-]+\.(?!xn--))*[a-z][a-z0-9-]*(?::[1-9][0-9]{0,3})?$/
// No "." or "%" (dot segments, percent-escapes), no "\\", "#" or anything URL would encode or normalise.
// A leading "//" would make URL read a host (the slow path keeps that behaviour); "'" is encoded in a query.
const SIMPLE_PATH = /^(?!\/\/)(?:\/[A-Za-z0-9_~!$&'()*+,;=:@-]*)+(?:\?[A-Za-z0-9_~!$&()*+,;=:@/?.%-]*)?$/

/**
 * The URL the handler sees. The host comes from the Host header (Traefik passes the public host through) and the
 * scheme from X-Forwarded-Proto (Traefik sets it), so handlers can build absolute links. Anything unparsable
 * falls back to http://localhost.
 */
function publicUrl(req, pathAndQuery) {
  const proto = req.headers['x-forwarded-proto'] === 'https' ? 'https' : 'http'
  const hostHeader = req.headers.host ?? 'localhost'
  // The common case needs no URL parser: a plain host[:port] and a path of URL-safe characters are already what
  // URL's href would give (lowercase host; no default port, no dot segments, nothing to percent-encode).
  if (SIMPLE_HOST.test(hostHeader) && SIMPLE_PATH.test(pathAndQuery)) {
    const port = hostHeader.indexOf(':')
    const defaultPort = proto === 'https' ? ':443' : ':80'
    const host = port !== -1 && hostHeader.slice(port) === defaultPort ? hostHeader.slice(0, port) : hostHeader
    return `${proto}://${host}${pathAndQuery}`
  }
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

/**
 * The request headers a function may see: every X-Auth-* header is removed unless the verifier signed the identity
 * headers for this very request and function, and then only those it signed pass. Why: Traefik deletes client-sent
 * X-Auth-* and only the verifier sets them, but anything on the stack's networks can call this runtime directly.
 *
 * The verifier sends `X-Auth-Signature: <exp>.<mac>`, mac = base64url(HMAC-SHA256(AUTH_HEADERS_KEY, JSON of
 * ["sparkbaas-x-auth-v2", method, host, fn, subject, username, roles, exp])), fn the function of the route (the
 * verifier signs only for routes to a function, and only those copy the signature into the request), each header's
 * value as sent or null when absent, exp in Unix seconds (30 s after it answered). It is valid when exp is still
 * ahead, the method and Host of this request and the function it is dispatched to (`fn`, its first path segment)
 * are the ones signed, and no X-Auth-* header it covers is repeated. Not covered: the rest of the path, and the
 * route's public path, which this runtime never sees (stripPrefix removed it; X-Forwarded-Prefix would come from
 * the caller). So a signature seen in transit can be replayed to any path below the same function, with the same
 * host and method, until it expires.
 * @param {[string, string][]} headers lowercased names
 * @param {string} fn the function the request is dispatched to
 * @param {string | null} key
 */
function verifyIdentity(headers, method, fn, key) {
  const others = headers.filter(([name]) => !name.startsWith('x-auth-'))
  if (key === null) return others
  const values = (name) => headers.filter(([n]) => n === name).map(([, value]) => value)
  const signature = values(SIGNATURE_HEADER)
  const identity = IDENTITY_HEADERS.map(values)
  const host = values('host')
  if (signature.length !== 1 || host.length !== 1 || identity.some((v) => v.length > 1)) return others
  const match = /^([1-9][0-9]{0,14})\.([A-Za-z0-9_-]{43})$/.exec(signature[0])
  if (!match) return others
  const exp = Number(match[1])
  if (Date.now() / 1000 >= exp) return others
  const signed = JSON.stringify(['sparkbaas-x-auth-v2', method, host[0], fn, ...identity.map((v) => v[0] ?? null), exp])
  const expected = Buffer.from(createHmac('sha256', key).update(signed).digest('base64url'))
  if (!timingSafeEqual(expected, Buffer.from(match[2]))) return others
  return [...others, ...IDENTITY_HEADERS.flatMap((name, i) => identity[i].map((value) => [name, value]))]
}

const EMPTY_BODY = Promise.resolve(Buffer.alloc(0))

/** Buffer the request body, refusing more than `limit` bytes with 413. */
function readBody(req, limit) {
  // RFC 9112 §6.3: a request with neither Content-Length nor Transfer-Encoding has no body. Node ends such a
  // request's stream at once (and dumps it after the response), so there is nothing to wait for.
  if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) return EMPTY_BODY
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
 * @returns {{ name: string, path: string, timeoutMs: number, memoryMb: number, env: Record<string, string> }[]}
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
    const memoryMb = fn.memoryMb ?? DEFAULT_MEMORY_MB
    if (!Number.isInteger(memoryMb) || memoryMb < 32) throw new Error(`${where}.memoryMb must be an integer of at least 32`)
    const envFrom = fn.envFrom ?? {}
    if (!isStringRecord(envFrom)) throw new Error(`${where}.envFrom must be an object of strings`)
    const db = fn.database
    if (db !== undefined && !(db && typeof db === 'object' && ['host', 'name', 'user', 'passwordFrom'].every((k) => typeof db[k] === 'string') && Number.isInteger(db.port))) {
      throw new Error(`${where}.database must be { host, port, name, user, passwordFrom }`)
    }
    return { name: fn.name, path: resolve(baseDir, fn.file), timeoutMs, memoryMb, env: functionEnv(fn.name, env, envFrom, db) }
  })
}

function isStringRecord(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string')
}

/**
 * A function's whole environment: its committed `env`, then each `envFrom` variable and DATABASE_URL from the
 * runtime's own environment. Only the variables this function's entry names are read, so no function gets another's.
 */
function functionEnv(name, env, envFrom, db) {
  const out = { ...env }
  const missing = []
  const read = (variable) => {
    const value = process.env[variable]
    if (value === undefined) missing.push(variable)
    return value
  }
  for (const [key, variable] of Object.entries(envFrom)) {
    const value = read(variable)
    if (value !== undefined) out[key] = value
  }
  if (db) {
    const password = read(db.passwordFrom)
    if (password !== undefined) {
      const userinfo = `${encodeURIComponent(db.user)}:${encodeURIComponent(password)}`
      out.DATABASE_URL = `postgres://${userinfo}@${db.host}:${db.port}/${encodeURIComponent(db.name)}`
    }
  }
  if (missing.length > 0) {
    logFunction(name, `the runtime's environment has no ${missing.join(', ')}: the variables of this function that read them are not set`)
  }
  return out
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
// Entry point. Last in the file so every constant above is initialised. This same file is the function
// bootstrap: started by FunctionHost with FUNCTION_FLAG it runs one function instead of a server.
// ---------------------------------------------------------------------------------------------------------------

if (process.argv[2] === FUNCTION_FLAG && process.send) {
  runFunction({ name: process.argv[3], path: process.argv[4] })
} else {
  runServer()
}
