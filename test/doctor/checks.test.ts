/**
 * Each doctor check on its own, driven through its inputs (what a probe returned or threw): the ok, warn and fail
 * text of every one.
 */
import { describe, expect, test } from 'vitest'
import type { Engine } from '../../src/engine/detect.js'
import { SparkbaasError } from '../../src/errors.js'
import type { GenerateResult } from '../../src/generate.js'
import { checkHostPorts } from '../../src/stack/ports.js'
import { checkEngine, checkResources, memoryBytes } from '../../src/doctor/machine.js'
import { checkConfig, checkDns, checkEnvFile, checkOutput, checkPorts } from '../../src/doctor/stack-checks.js'
import { formatReport } from '../../src/doctor/format.js'
import { freePort, holdPort, STACK_CONFIG } from '../helpers/stack.js'
import { DOCKER, processResult, stackOf } from './fixtures.js'

const GiB = 1024 ** 3

describe('config', () => {
  test('ok: the file, the project and how many services', () => {
    expect(checkConfig({ stack: stackOf(STACK_CONFIG) })).toEqual({
      name: 'config',
      status: 'ok',
      message: 'sparkbaas.config.json is valid: project demo, 6 services',
      details: [],
      fix: undefined,
    })
  })

  test('fail: no config, with the loader\'s hint', () => {
    const error = new SparkbaasError('config_not_found', 'No config found in /tmp/x or any folder above it.', { hint: 'Run `sparkbaas init` to create sparkbaas.config.ts, or pass --config PATH.' })
    expect(checkConfig({ error })).toEqual({
      name: 'config',
      status: 'fail',
      message: 'No config found in /tmp/x or any folder above it.',
      details: [],
      fix: 'Run `sparkbaas init` to create sparkbaas.config.ts, or pass --config PATH.',
    })
  })

  test('fail: an invalid config lists each problem', () => {
    const error = new SparkbaasError('config_invalid', '/p/sparkbaas.config.json is not a valid config (2 problems):', {
      problems: [
        { path: 'project', message: 'expected a project name', code: 'invalid' },
        { path: '', message: 'top-level problem', code: 'x' },
      ],
    })
    expect(checkConfig({ error })).toEqual({
      name: 'config',
      status: 'fail',
      message: '/p/sparkbaas.config.json is not a valid config (2 problems):',
      details: ['project: expected a project name', 'top-level problem'],
      fix: 'Fix the problems listed; `sparkbaas validate` checks the config alone.',
    })
  })
})

describe('engine', () => {
  test('ok: name, version, and the engine answers', () => {
    expect(checkEngine({ engine: DOCKER }, processResult(0))).toMatchObject({ status: 'ok', message: 'docker compose 2.29.1; the Docker engine answers', fix: undefined })
    expect(checkEngine({ engine: { ...DOCKER, version: undefined } }, processResult(0)).message).toBe('docker compose (version unknown); the Docker engine answers')
    const podman: Engine = { command: ['podman', 'compose'], name: 'podman compose', version: '1.0.6', runtime: 'podman' }
    expect(checkEngine({ engine: podman }, processResult(0)).message).toBe('podman compose 1.0.6; the Podman engine answers')
  })

  test('fail: no engine, each place looked listed', () => {
    const error = new SparkbaasError('engine_missing', 'No compose engine found: sparkbaas runs the stack with Docker Compose v2 or Podman. Looked for:\n  docker compose: docker is not on PATH\n  podman-compose: not on PATH', {
      hint: 'Install Docker Desktop.',
    })
    expect(checkEngine({ error }, undefined)).toEqual({
      name: 'engine',
      status: 'fail',
      message: 'No compose engine found: sparkbaas runs the stack with Docker Compose v2 or Podman. Looked for:',
      details: ['docker compose: docker is not on PATH', 'podman-compose: not on PATH'],
      fix: 'Install Docker Desktop.',
    })
  })

  test('fail: installed, but the daemon does not answer', () => {
    const result = checkEngine({ engine: DOCKER }, processResult(1, 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?'))
    expect(result).toEqual({
      name: 'engine',
      status: 'fail',
      message: 'docker compose is installed, but the Docker engine is not running (cannot connect to it).',
      details: [],
      fix: 'Start Docker Desktop (macOS, Windows) or the service (Linux: `sudo systemctl start docker`); `docker info` checks it.',
    })
    const denied = checkEngine({ engine: DOCKER }, processResult(1, 'permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock'))
    expect(denied.status).toBe('fail')
    expect(denied.message).toBe('docker compose is installed, but you may not use the Docker daemon (permission denied on its socket).')
  })

  test('warn: the probe failed some other way', () => {
    expect(checkEngine({ engine: DOCKER }, processResult(125, 'docker: unknown flag\n', ['docker', 'info']))).toEqual({
      name: 'engine',
      status: 'warn',
      message: 'docker compose 2.29.1 found, but `docker info` exited with code 125: docker: unknown flag; could not tell whether the engine runs.',
      details: [],
      fix: 'Run `docker info`: it says whether the engine runs and why not.',
    })
  })

  test('warn: a Docker Compose older than 2.17 lacks --wait-timeout', () => {
    expect(checkEngine({ engine: { ...DOCKER, version: '2.12.2' } }, processResult(0))).toMatchObject({
      status: 'warn',
      message: 'docker compose 2.12.2; the Docker engine answers, but it is older than Docker Compose 2.17: `sparkbaas up --timeout` needs its --wait-timeout.',
      fix: 'Update Docker Compose (Docker Desktop, or the docker-compose-plugin package on Linux).',
    })
    expect(checkEngine({ engine: { ...DOCKER, version: '2.17.0' } }, processResult(0)).status).toBe('ok')
  })
})

describe('ports', () => {
  const envOf = (values: Record<string, string>) => (key: string) => values[key]

  test('ok: each free port with its .env key; ports the stack itself holds are not a conflict', async () => {
    const http = await freePort()
    const pg = await freePort()
    const stack = stackOf(STACK_CONFIG)
    const env = envOf({ HTTP_PORT: String(http), POSTGRES_HOST_PORT: String(pg) })
    expect(await checkPorts(stack, env, new Set(), checkHostPorts)).toMatchObject({ status: 'ok', message: `free: ${pg} (POSTGRES_HOST_PORT), ${http} (HTTP_PORT)` })
    await holdPort(http)
    expect(await checkPorts(stack, env, new Set([http]), checkHostPorts)).toMatchObject({
      status: 'ok',
      message: `free: ${pg} (POSTGRES_HOST_PORT); in use by demo itself: ${http} (HTTP_PORT)`,
    })
  })

  test('fail: a busy port, with the key to change', async () => {
    const http = await freePort()
    const pg = await freePort()
    await holdPort(http)
    const result = await checkPorts(stackOf(STACK_CONFIG), envOf({ HTTP_PORT: String(http), POSTGRES_HOST_PORT: String(pg) }), new Set(), checkHostPorts)
    expect(result).toMatchObject({
      status: 'fail',
      message: 'A host port the stack publishes cannot be used:',
      fix: "Stop what holds the port, or set the key shown to a free port in generated/.env, then run `sparkbaas up` again. On another web port the API and its tokens work, but Keycloak's login pages and admin console still link to the standard one.",
    })
    expect(result.details).toHaveLength(1)
    expect(result.details[0]).toMatch(new RegExp(`^HTTP_PORT: port ${http} \\(traefik\\) is in use( by .+)?$`))
  })

  test('fail: a port that is not a number', async () => {
    const result = await checkPorts(stackOf(STACK_CONFIG), envOf({ HTTP_PORT: 'eighty', POSTGRES_HOST_PORT: '5432' }), new Set(), checkHostPorts)
    expect(result).toEqual({
      name: 'ports',
      status: 'fail',
      message: 'HTTP_PORT is "eighty": traefik needs a host port number (1–65535).',
      details: [],
      fix: "Set HTTP_PORT in generated/.env (a value in your shell's environment overrides the file).",
    })
  })

  test('before the first generate: the defaults generate would write', async () => {
    const seen: number[] = []
    const result = await checkPorts(stackOf(STACK_CONFIG), undefined, new Set(), async (ports) => {
      seen.push(...ports.map((p) => p.port))
    })
    expect(seen).toEqual([5432, 80])
    expect(result.message).toBe('free: 5432 (POSTGRES_HOST_PORT), 80 (HTTP_PORT) (the defaults: generated/.env does not exist yet)')
  })
})

describe('resources', () => {
  const withWorkers = stackOf({ ...STACK_CONFIG, workers: [{ name: 'etl', replicas: 2, cores: 2, memory: '2g' }, { name: 'small', memory: '512m' }] }).model

  test('memoryBytes reads Spark sizes in binary units', () => {
    expect([memoryBytes('512m'), memoryBytes('2g'), memoryBytes('1T'), memoryBytes('64k')]).toEqual([512 * 1024 ** 2, 2 * GiB, 1024 * GiB, 64 * 1024])
  })

  test('ok: workers (memory × replicas, cores × replicas) plus the rest, against the machine', () => {
    // Workers: 2 × 2g + 512m = 4.5 GiB offered, 3 × 256 MiB daemons; the rest: postgres 256, keycloak 1024, postgrest 64,
    // traefik 64, spark-master 512 (MiB). Cores: 2 × 2 + 1 = 5, plus 1 for the rest.
    expect(checkResources(withWorkers, 16 * GiB, 8)).toEqual({
      name: 'resources',
      status: 'ok',
      message: 'the stack needs about 7.1 GiB of memory and 6 cores (Spark workers: 3 offering 4.5 GiB and 5 cores); this machine has 16.0 GiB and 8 cores',
      details: [],
      fix: undefined,
    })
    expect(checkResources(stackOf(STACK_CONFIG).model, 4 * GiB, 2).message).toBe('the stack needs about 1.4 GiB of memory and 1 core; this machine has 4.0 GiB and 2 cores')
  })

  test('warn when short of memory, cores, or both; never fail', () => {
    expect(checkResources(withWorkers, 6 * GiB, 8)).toMatchObject({
      status: 'warn',
      message: 'not enough memory: the stack needs about 7.1 GiB of memory and 6 cores (Spark workers: 3 offering 4.5 GiB and 5 cores); this machine has 6.0 GiB and 8 cores',
      fix: "Lower the workers' memory, cores or replicas in the config, or use a bigger machine (with Docker Desktop, the limits of its VM count: Settings → Resources).",
    })
    expect(checkResources(withWorkers, 16 * GiB, 4).message).toMatch(/^not enough cores: /)
    expect(checkResources(withWorkers, 2 * GiB, 1).message).toMatch(/^not enough memory or cores: .*this machine has 2\.0 GiB and 1 core$/)
    expect(checkResources(stackOf(STACK_CONFIG).model, 1 * GiB, 1)).toMatchObject({
      status: 'warn',
      fix: 'Use a machine with more memory (with Docker Desktop, the limits of its VM count: Settings → Resources).',
    })
  })
})

describe('dns', () => {
  const answers = (table: Record<string, string[] | string>) => async (host: string) => {
    const answer = table[host]
    if (answer === undefined || typeof answer === 'string') throw Object.assign(new Error(`getaddrinfo ${answer ?? 'ENOTFOUND'} ${host}`), { code: answer ?? 'ENOTFOUND' })
    return answer
  }

  test('ok: *.localhost names resolving to the loopback', async () => {
    const result = await checkDns(stackOf(STACK_CONFIG), answers({ 'api.localhost': ['127.0.0.1', '::1'], 'auth.localhost': ['::1'] }), 'linux')
    expect(result).toEqual({ name: 'dns', status: 'ok', message: 'api.localhost, auth.localhost resolve to the loopback', details: [], fix: undefined })
  })

  test('warn: *.localhost names that do not resolve, with the hosts-file line', async () => {
    const result = await checkDns(stackOf(STACK_CONFIG), answers({ 'api.localhost': ['127.0.0.1'] }), 'linux')
    expect(result).toEqual({
      name: 'dns',
      status: 'warn',
      message: '1 of 2 route host names does not resolve as expected',
      details: ['auth.localhost: does not resolve (ENOTFOUND)', 'api.localhost → 127.0.0.1'],
      fix: 'Browsers and curl reach *.localhost anyway; for other programs add this line to /etc/hosts: 127.0.0.1 auth.localhost',
    })
    const windows = await checkDns(stackOf(STACK_CONFIG), answers({}), 'win32')
    expect(windows.message).toBe('2 of 2 route host names do not resolve as expected')
    expect(windows.fix).toBe('Browsers and curl reach *.localhost anyway; for other programs add this line to C:\\Windows\\System32\\drivers\\etc\\hosts: 127.0.0.1 api.localhost auth.localhost')
  })

  test('warn: a *.localhost name resolving elsewhere', async () => {
    const result = await checkDns(stackOf(STACK_CONFIG), answers({ 'api.localhost': ['10.0.0.7'], 'auth.localhost': ['127.0.0.1'] }), 'linux')
    expect(result).toMatchObject({
      status: 'warn',
      message: '1 of 2 route host names does not resolve as expected',
      details: ['api.localhost → 10.0.0.7: not the loopback', 'auth.localhost → 127.0.0.1'],
      fix: 'Browsers and curl reach *.localhost anyway; for other programs add this line to /etc/hosts: 127.0.0.1 api.localhost',
    })
  })

  test('a real domain: what each name resolves to; a name that does not resolve is a warning (Let\'s Encrypt noted)', async () => {
    const stack = stackOf({ ...STACK_CONFIG, domain: 'example.org', tls: { acme: { email: 'ops@example.org' } } })
    expect(await checkDns(stack, answers({ 'api.example.org': ['203.0.113.5'], 'auth.example.org': ['203.0.113.5', '2001:db8::5'] }), 'linux')).toMatchObject({
      status: 'ok',
      message: 'api.example.org → 203.0.113.5; auth.example.org → 203.0.113.5, 2001:db8::5',
    })
    expect(await checkDns(stack, answers({ 'api.example.org': ['203.0.113.5'], 'auth.example.org': 'EAI_AGAIN' }), 'linux')).toEqual({
      name: 'dns',
      status: 'warn',
      message: '1 of 2 route host names does not resolve as expected',
      details: ['auth.example.org: does not resolve (EAI_AGAIN)', 'api.example.org → 203.0.113.5'],
      fix: "Create DNS records (A or AAAA) for auth.example.org pointing at the machine that runs the stack; Let's Encrypt cannot issue certificates for names that do not resolve.",
    })
  })

  test('no routes: nothing to resolve', async () => {
    expect(await checkDns(stackOf({ project: 'bare' }), answers({}), 'linux')).toMatchObject({ status: 'ok', message: 'no routes: no host names to resolve' })
  })
})

describe('env', () => {
  const stack = stackOf(STACK_CONFIG)
  test('ok at 0600', () => {
    expect(checkEnvFile(stack, 0o100600, 'linux')).toEqual({ name: 'env', status: 'ok', message: 'generated/.env exists, mode 0600', details: [], fix: undefined })
  })
  test('warn otherwise, with the chmod command', () => {
    expect(checkEnvFile(stack, 0o100644, 'linux')).toEqual({
      name: 'env',
      status: 'warn',
      message: 'generated/.env has mode 0644: other users can read it, and it holds every secret of the stack',
      details: [],
      fix: 'chmod 600 generated/.env',
    })
    expect(checkEnvFile(stack, 0o100400, 'linux')).toMatchObject({ status: 'warn', message: 'generated/.env has mode 0400: it should be 0600, and it holds every secret of the stack', fix: 'chmod 600 generated/.env' })
  })
  test('warn when missing; modes not judged on Windows', () => {
    expect(checkEnvFile(stack, undefined, 'linux')).toMatchObject({ status: 'warn', message: 'generated/.env does not exist yet', fix: '`sparkbaas generate` (or `sparkbaas up`) creates it, with mode 0600.' })
    expect(checkEnvFile(stack, 0o100666, 'win32')).toMatchObject({ status: 'ok', message: 'generated/.env exists (file modes are not checked on Windows)' })
  })
})

describe('output', () => {
  const stack = stackOf(STACK_CONFIG)
  const plan = (written: string[], missing: string[] = [], removed: string[] = []) =>
    ({ written, removed, drift: { stale: written.filter((f) => !missing.includes(f)), missing, extra: removed } }) as unknown as GenerateResult

  test('ok when generate would change nothing', () => {
    expect(checkOutput(stack, { plan: plan([]) })).toEqual({ name: 'output', status: 'ok', message: 'generated/ is up to date with sparkbaas.config.json', details: [], fix: undefined })
  })
  test('warn when stale, listing the files; when never generated', () => {
    expect(checkOutput(stack, { plan: plan(['.sparkbaas-manifest.json', 'keycloak/main-realm.json'], [], ['old.sql']) })).toEqual({
      name: 'output',
      status: 'warn',
      message: 'generated/ is out of date with sparkbaas.config.json: keycloak/main-realm.json, old.sql',
      details: [],
      fix: '`sparkbaas up` regenerates it before starting; `sparkbaas generate` only regenerates.',
    })
    expect(checkOutput(stack, { plan: plan(['docker-compose.yml', '.env'], ['docker-compose.yml', '.env']) })).toMatchObject({
      status: 'warn',
      message: 'generated/ has not been generated yet',
      fix: '`sparkbaas up` generates and starts the stack; `sparkbaas generate` only generates.',
    })
  })
  test('fail when the config cannot be generated', () => {
    const error = new SparkbaasError('render_failed', 'blueprint docker-compose.yml.hbs produced invalid docker-compose.yml: x', { hint: 'Compare it with the built-in one.' })
    expect(checkOutput(stack, { error })).toEqual({
      name: 'output',
      status: 'fail',
      message: 'the config cannot be generated: blueprint docker-compose.yml.hbs produced invalid docker-compose.yml: x',
      details: [],
      fix: 'Compare it with the built-in one.',
    })
  })
})

test('formatReport: one line per check, details and fix indented, a count at the end', () => {
  const text = formatReport({
    ok: false,
    checks: [
      { name: 'config', status: 'ok', message: 'fine', details: [], fix: undefined },
      { name: 'ports', status: 'fail', message: 'A host port the stack publishes cannot be used:', details: ['HTTP_PORT: port 80 (traefik) is in use'], fix: 'Stop it.' },
      { name: 'env', status: 'warn', message: 'missing', details: [], fix: 'Generate.' },
    ],
  })
  expect(text).toBe(
    [
      'ok   config    fine',
      'fail ports     A host port the stack publishes cannot be used:',
      '                 HTTP_PORT: port 80 (traefik) is in use',
      '               fix: Stop it.',
      'warn env       missing',
      '               fix: Generate.',
      '1 ok, 1 warning, 1 failed',
      '',
    ].join('\n'),
  )
})
