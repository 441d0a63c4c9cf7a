/**
 * A fake `docker` (and `podman`, `docker-compose`, `podman-compose`) for the engine tests: no Docker engine runs on CI machines.
 * Each fake is a small Node script that appends its argv as one JSON line to a log file and answers like Docker
 * Compose v2.29 would, steered by environment variables the test sets:
 *
 * - FAKE_DOCKER_SCENARIO: `ok` (default), `unhealthy` (up fails: keycloak unhealthy), `daemon-down` (every call but
 *   `version` fails as with a stopped daemon), `port-allocated` (up fails: FAKE_DOCKER_BUSY_PORT is taken),
 *   `no-compose` (docker without its compose plugin), `v1-only` (same, plus docker-compose 1.29.2), `hang` (up
 *   waits until it gets SIGINT or SIGTERM, logs the signal and exits 130), `broken` (every call but `version` and
 *   `ps` fails with exit code 15), `pull-fails` (`pull` fails with exit code 18, as for an unknown tag);
 * - FAKE_DOCKER_PS: what `ps` prints while the stack is up (after `up`, until `down`; `stop` and `start` change nothing);
 * - FAKE_EXEC_EXIT: the exit code of `exec`;
 * - FAKE_DOCKER_LOGS: the log `logs` prints (its lines; the last N with `--tail N`), whatever the services; with
 *   FAKE_DOCKER_LOGS_HOLD set, `logs --follow` then waits, as for new lines, until SIGINT or SIGTERM (exit 130);
 * - FAKE_DOCKER_FUNCTIONS_PORT: the port of a local functions runtime. Then `compose exec -T functions node <args…>`
 *   runs this machine's node with those arguments and PORT set to it, as the functions container would (its
 *   runtime listens on $PORT); any other exec is refused with exit 126;
 * - FAKE_DOCKER_PG: JSON `{ bindir, host, port }` of a local PostgreSQL (test/helpers/pg-stack.ts). Then
 *   `compose exec [-T] [-e K=V]… [-u USER] postgres <pg program> <args…>` runs that program from `bindir` against the
 *   cluster, with stdin, stdout and stderr passed through byte for byte, the way the container's binaries would
 *   run over its Unix socket (no PG* variables but the socket's; the default user is the caller's, as root's is in
 *   the container). Any other program or service is refused with exit 126, so a test cannot pass by accident.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export type FakeName = 'docker' | 'podman' | 'docker-compose' | 'podman-compose'

const SCRIPT = String.raw`
const fs = require('node:fs')
const args = process.argv.slice(2)
const env = process.env
const record = (entry) => env.FAKE_DOCKER_LOG && fs.appendFileSync(env.FAKE_DOCKER_LOG, JSON.stringify(entry) + '\n')
record([NAME, ...args])
const scenario = env.FAKE_DOCKER_SCENARIO || 'ok'
const out = (text) => process.stdout.write(text + '\n')
const err = (text) => process.stderr.write(text + '\n')

let rest = args
if (NAME !== 'docker-compose' && NAME !== 'podman-compose') {
  if (rest[0] !== 'compose') { err(NAME + ': this fake only knows compose'); process.exit(125) }
  if (NAME === 'docker' && (scenario === 'no-compose' || scenario === 'v1-only')) {
    err("docker: unknown command: docker compose\n\nRun 'docker --help' for more information")
    process.exit(1)
  }
  rest = rest.slice(1)
}
// Global options, then the subcommand.
const globals = {}
while (['-p', '-f', '--env-file'].includes(rest[0])) { globals[rest[0]] = rest[1]; rest = rest.slice(2) }
const [command, ...options] = rest

if (command === 'version') {
  if (NAME === 'podman-compose') out('podman-compose version 1.0.6\npodman version 4.9.3')
  else out(NAME === 'docker-compose' && scenario === 'v1-only' ? 'docker-compose version 1.29.2, build unknown' : 'Docker Compose version v2.29.1')
  process.exit(0)
}
if (scenario === 'daemon-down') {
  err('Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?')
  process.exit(1)
}
if (scenario === 'broken' && command !== 'ps') {
  err('validating ' + globals['-f'] + ': services.web.image must be a string')
  process.exit(15)
}
const state = env.FAKE_DOCKER_STATE
const project = globals['-p']
switch (command) {
  case 'ps':
    if (state && fs.existsSync(state)) process.stdout.write(env.FAKE_DOCKER_PS || '')
    process.exit(0)
  case 'up':
    if (scenario === 'hang') {
      err(' Container ' + project + '-postgres-1  Waiting')
      for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => { record(['signal', signal]); process.exit(130) })
      setInterval(() => {}, 1000)
      break
    }
    if (scenario === 'port-allocated') {
      err(' Container ' + project + '-traefik-1  Starting')
      err('Error response from daemon: driver failed programming external connectivity on endpoint ' + project + '-traefik-1 (0123abcd): Bind for 0.0.0.0:' + env.FAKE_DOCKER_BUSY_PORT + ' failed: port is already allocated')
      process.exit(1)
    }
    if (state) fs.writeFileSync(state, 'up')
    if (scenario === 'unhealthy') {
      err(' Container ' + project + '-postgres-1  Healthy')
      err(' Container ' + project + '-keycloak-1  Error')
      err('dependency failed to start: container ' + project + '-keycloak-1 is unhealthy')
      process.exit(1)
    }
    err(' Container ' + project + '-postgres-1  Started')
    err(' Container ' + project + '-postgres-1  Healthy')
    process.exit(0)
  case 'down':
    if (state) fs.rmSync(state, { force: true })
    err(' Container ' + project + '-postgres-1  Removed')
    process.exit(0)
  case 'logs': {
    const at = options.indexOf('--tail')
    if (env.FAKE_DOCKER_LOGS !== undefined) {
      const lines = env.FAKE_DOCKER_LOGS.split('\n').filter((line) => line !== '')
      const last = at === -1 ? lines : lines.slice(lines.length - Number(options[at + 1]))
      if (last.length > 0) out(last.join('\n'))
      if (options.includes('--follow') && env.FAKE_DOCKER_LOGS_HOLD) {
        for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => { record(['signal', signal]); process.exit(130) })
        setInterval(() => {}, 1000)
        break
      }
      process.exit(0)
    }
    const tail = at === -1 ? 40 : Number(options[at + 1])
    const services = options.filter((o, i) => !o.startsWith('-') && options[i - 1] !== '--tail')
    for (const service of services.length ? services : ['postgres']) {
      const lines = Array.from({ length: 40 }, (_, i) => service + '-1  | log line ' + (i + 1))
      out(lines.slice(40 - tail).join('\n'))
    }
    process.exit(0)
  }
  case 'restart':
    err(' Container ' + project + '-postgres-1  Started')
    process.exit(0)
  case 'stop':
  case 'start':
    for (const service of options.filter((o) => !o.startsWith('-'))) err(' Container ' + project + '-' + service + '-1  ' + (command === 'stop' ? 'Stopped' : 'Started'))
    process.exit(0)
  case 'pull':
    if (scenario === 'pull-fails') {
      err(' ' + options[0] + ' Error manifest unknown')
      err('Error response from daemon: manifest unknown')
      process.exit(18)
    }
    for (const service of options.filter((o) => !o.startsWith('-'))) err(' ' + service + ' Pulled')
    process.exit(0)
  case 'exec': {
    if (env.FAKE_DOCKER_PG) {
      const pg = JSON.parse(env.FAKE_DOCKER_PG)
      const extra = {}
      let at = 0
      for (; at < options.length && options[at].startsWith('-'); at++) {
        const flag = options[at]
        if (flag === '-T' || flag === '--no-TTY') continue
        if (flag === '-e' || flag === '--env') {
          const pair = options[++at]
          const eq = pair.indexOf('=')
          extra[pair.slice(0, eq)] = pair.slice(eq + 1)
          continue
        }
        if (flag === '-u' || flag === '--user' || flag === '-w' || flag === '--workdir') { at++; continue }
        err('fake docker: exec option ' + flag + ' is not supported'); process.exit(126)
      }
      const [service, program, ...programArgs] = options.slice(at)
      const known = ['psql', 'pg_dump', 'pg_dumpall', 'pg_restore', 'pg_isready', 'createdb', 'dropdb']
      if (service !== 'postgres' || !known.includes(program)) {
        err('fake docker: exec ' + service + ' ' + program + ' is not forwarded (only postgres ' + known.join('|') + ')')
        process.exit(126)
      }
      const clean = {}
      for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PG') && !k.startsWith('FAKE_')) clean[k] = v
      const child = require('node:child_process').spawnSync(require('node:path').join(pg.bindir, program), programArgs, {
        stdio: 'inherit',
        env: { ...clean, PGHOST: pg.host, PGPORT: String(pg.port), ...extra },
      })
      if (child.error) { err(String(child.error)); process.exit(127) }
      process.exit(child.status === null ? 128 : child.status)
    }
    if (env.FAKE_DOCKER_FUNCTIONS_PORT) {
      const [service, program, ...programArgs] = options.filter((o, i) => !(i === 0 && o === '-T'))
      if (options[0] !== '-T' || service !== 'functions' || program !== 'node') {
        err('fake docker: exec ' + options.join(' ') + ' is not forwarded (only -T functions node)')
        process.exit(126)
      }
      const child = require('node:child_process').spawnSync(process.execPath, programArgs, {
        stdio: 'inherit',
        env: { PATH: env.PATH, PORT: env.FAKE_DOCKER_FUNCTIONS_PORT },
      })
      process.exit(child.status === null ? 128 : child.status)
    }
    out('ran: ' + options.join(' '))
    process.exit(Number(env.FAKE_EXEC_EXIT || 0))
  }
  default:
    err('unknown command: ' + command)
    process.exit(1)
}
`

export interface FakeDocker {
  /** The folder to put first on PATH (holds the fakes and, when the machine has it, `ss`). */
  readonly bin: string
  /** Every call as `[program, ...argv]`, in order; signals the fake received as `["signal", name]`. */
  calls(): string[][]
  /** PATH with only the fakes on it: a real docker or podman on this machine cannot answer instead. */
  readonly path: string
  /** Environment for the CLI child process. */
  env(extra?: Record<string, string>): Record<string, string>
  remove(): void
}

export function fakeDocker(names: readonly FakeName[] = ['docker']): FakeDocker {
  const dir = mkdtempSync(join(tmpdir(), 'sparkbaas-fake-docker-'))
  const bin = join(dir, 'bin')
  mkdirSync(bin)
  for (const name of names) {
    const file = join(bin, name)
    writeFileSync(file, `#!${process.execPath}\nconst NAME = ${JSON.stringify(name)}\n${SCRIPT}`)
    chmodSync(file, 0o755)
  }
  // The busy-port message names the program holding the port when `ss` can tell.
  for (const ss of ['/usr/bin/ss', '/bin/ss', '/usr/sbin/ss', '/sbin/ss']) {
    if (existsSync(ss)) {
      symlinkSync(ss, join(bin, 'ss'))
      break
    }
  }
  const log = join(dir, 'calls.jsonl')
  const state = join(dir, 'stack-is-up')
  return {
    bin,
    path: bin,
    calls: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as string[]) : []),
    env: (extra = {}) => ({ PATH: bin, FAKE_DOCKER_LOG: log, FAKE_DOCKER_STATE: state, ...extra }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  }
}

/** One `compose ps --format json` line, as compose v2.21+ prints it. */
export function psLine(
  project: string,
  service: string,
  state = 'running',
  health = 'healthy',
  publishers: { url: string; target: number; published: number }[] = [],
  exitCode = state === 'exited' ? 1 : 0,
): string {
  return JSON.stringify({
    Name: `${project}-${service}-1`,
    Service: service,
    State: state,
    Health: health,
    ExitCode: exitCode,
    Publishers: publishers.map((p) => ({ URL: p.url, TargetPort: p.target, PublishedPort: p.published, Protocol: 'tcp' })),
  })
}
