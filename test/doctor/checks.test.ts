/**
 * Each doctor check on its own, driven through its inputs (what a probe returned or threw): the ok, warn and fail
 * text of every one.
 */
import { describe, expect, test } from 'vitest'
import type { Engine } from '../../src/engine/detect.js'
import { SparkbaasError } from '../../src/errors.js'
import type { GenerateResult } from '../../src/generate.js'
import { checkHostPorts } from '../../src/stack/ports.js'
import { checkEngine, checkResources, isRootless, memoryBytes, rootlessArgv } from '../../src/doctor/machine.js'
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
  const withHttp = (http: number, more: object = {}) => stackOf({ ...STACK_CONFIG, ports: { http }, ...more })

  test('ok: each free port with the key that moves it; ports the stack itself holds are not a conflict', async () => {
    const http = await freePort()
    const pg = await freePort()
    const stack = withHttp(http)
    const env = envOf({ POSTGRES_HOST_PORT: String(pg) })
    expect(await checkPorts(stack, env, new Set(), checkHostPorts)).toMatchObject({ status: 'ok', message: `free: ${pg} (POSTGRES_HOST_PORT), ${http} (ports.http)` })
    await holdPort(http)
    expect(await checkPorts(stack, env, new Set([http]), checkHostPorts)).toMatchObject({
      status: 'ok',
      message: `free: ${pg} (POSTGRES_HOST_PORT); in use by demo itself: ${http} (ports.http)`,
    })
  })

  test('fail: a busy web port, with the config key to change', async () => {
    const http = await freePort()
    const pg = await freePort()
    await holdPort(http)
    const result = await checkPorts(withHttp(http), envOf({ POSTGRES_HOST_PORT: String(pg) }), new Set(), checkHostPorts)
    expect(result).toMatchObject({
      status: 'fail',
      message: 'A host port the stack publishes cannot be used:',
      fix: "Stop what holds the port, or set ports.http in sparkbaas.config.json to a free port, then run `sparkbaas up` again. Every public URL follows the config's ports, Keycloak's issuer included: `up` regenerates with the new one.",
    })
    expect(result.details).toHaveLength(1)
    expect(result.details[0]).toMatch(new RegExp(`^ports\\.http: port ${http} \\(traefik\\) is in use( by .+)?$`))
  })

  test('fail: a port in .env that is not a number', async () => {
    const result = await checkPorts(stackOf(STACK_CONFIG), envOf({ POSTGRES_HOST_PORT: 'fifty' }), new Set(), checkHostPorts)
    expect(result).toEqual({
      name: 'ports',
      status: 'fail',
      message: 'POSTGRES_HOST_PORT is "fifty": postgres needs a host port number (1–65535).',
      details: [],
      fix: "Set POSTGRES_HOST_PORT in generated/.env (a value in your shell's environment overrides the file).",
    })
  })

  test('before the first generate: the defaults generate would write, and the config\'s web port', async () => {
    const seen: number[] = []
    const result = await checkPorts(stackOf(STACK_CONFIG), undefined, new Set(), async (ports) => {
      seen.push(...ports.map((p) => p.port))
    })
    expect(seen).toEqual([5432, 80])
    expect(result.message).toBe('free: 5432 (POSTGRES_HOST_PORT), 80 (ports.http) (the defaults: generated/.env does not exist yet)')
  })

  test('warn: HTTP_PORT / HTTPS_PORT left in .env from before `ports` no longer move the stack', async () => {
    const none = async () => {}
    const stack = stackOf({ ...STACK_CONFIG, tls: 'self-signed' })
    const result = await checkPorts(stack, envOf({ POSTGRES_HOST_PORT: '5432', HTTP_PORT: '8080', HTTPS_PORT: '8443' }), new Set(), none)
    expect(result).toEqual({
      name: 'ports',
      status: 'warn',
      message: 'free: 5432 (POSTGRES_HOST_PORT), 80 (ports.http), 443 (ports.https); settings that no longer move the stack:',
      details: [
        'HTTP_PORT=8080 (in generated/.env or your shell) is no longer read: Traefik publishes port 80, ports.http in sparkbaas.config.json. To serve on 8080, set ports: { http: 8080 } there (every URL follows) and delete HTTP_PORT.',
        'HTTPS_PORT=8443 (in generated/.env or your shell) is no longer read: Traefik publishes port 443, ports.https in sparkbaas.config.json. To serve on 8443, set ports: { https: 8443 } there (every URL follows) and delete HTTPS_PORT.',
      ],
      fix: 'Delete them from generated/.env (or your shell), or move the port in sparkbaas.config.json as said.',
    })
    // The value the config publishes anyway, or HTTPS_PORT with TLS off (nothing listens for HTTPS): nothing to say.
    expect((await checkPorts(stack, envOf({ POSTGRES_HOST_PORT: '5432', HTTP_PORT: '80', HTTPS_PORT: '443' }), new Set(), none)).status).toBe('ok')
    expect((await checkPorts(stackOf(STACK_CONFIG), envOf({ POSTGRES_HOST_PORT: '5432', HTTPS_PORT: '8443' }), new Set(), none)).status).toBe('ok')
  })

  describe('rootless engines and ports below 1024', () => {
    const none = async () => {}
    const env = envOf({ POSTGRES_HOST_PORT: '5432' })
    const tls = stackOf({ ...STACK_CONFIG, tls: 'self-signed' })

    test('fail: rootless Podman cannot publish 80 and 443, with the sysctl and the config fix', async () => {
      // containers/podman rootless.md: "Podman can not create containers that bind to ports < 1024" unless
      // net.ipv4.ip_unprivileged_port_start is lowered.
      const result = await checkPorts(tls, env, new Set(), none, async () => ({ runtime: 'podman', lowestPort: 1024 }))
      expect(result).toEqual({
        name: 'ports',
        status: 'fail',
        message: 'Podman runs rootless here: it cannot publish ports below 1024 (net.ipv4.ip_unprivileged_port_start), and the stack publishes:',
        details: ['ports.http: port 80 (traefik)', 'ports.https: port 443 (traefik)'],
        fix:
          'Let unprivileged users bind from 80 up: `sudo sysctl net.ipv4.ip_unprivileged_port_start=80` (a file in /etc/sysctl.d/ keeps it after a reboot), ' +
          'or move the ports listed to 1024 and up (e.g. ports: { http: 8080, https: 8443 } in sparkbaas.config.json).',
      })
    })

    test('the machine\'s own threshold counts: 443 allowed from 443 up, 80 still refused (rootless Docker)', async () => {
      const result = await checkPorts(tls, env, new Set(), none, async () => ({ runtime: 'docker', lowestPort: 443 }))
      expect(result).toMatchObject({
        status: 'fail',
        message: 'Docker runs rootless here: it cannot publish ports below 443 (net.ipv4.ip_unprivileged_port_start), and the stack publishes:',
        details: ['ports.http: port 80 (traefik)'],
      })
      expect((await checkPorts(tls, env, new Set(), none, async () => ({ runtime: 'docker', lowestPort: 80 }))).status).toBe('ok')
    })

    test('ok: a rootful engine, or ports of 1024 and up (then the engine is not even asked)', async () => {
      expect((await checkPorts(tls, env, new Set(), none, async () => undefined)).status).toBe('ok')
      const high = stackOf({ ...STACK_CONFIG, tls: 'self-signed', ports: { http: 8080, https: 8443 } })
      const asked: string[] = []
      const result = await checkPorts(high, env, new Set(), none, async () => {
        asked.push('engine')
        return { runtime: 'podman', lowestPort: 1024 }
      })
      expect(result).toMatchObject({ status: 'ok', message: 'free: 5432 (POSTGRES_HOST_PORT), 8080 (ports.http), 8443 (ports.https)' })
      expect(asked).toEqual([])
    })
  })
})

describe('rootless detection', () => {
  const PODMAN: Engine = { command: ['podman', 'compose'], name: 'podman compose', version: '5.2.0', runtime: 'podman' }

  test('asks each runtime its own way', () => {
    expect(rootlessArgv(PODMAN)).toEqual(['podman', 'info', '--format', '{{.Host.Security.Rootless}}'])
    expect(rootlessArgv(DOCKER)).toEqual(['docker', 'info', '--format', '{{json .SecurityOptions}}'])
  })

  test('reads the answers', () => {
    // libpod/define/info.go SecurityInfo.Rootless; moby daemon/info.go fillSecurityOptions appends "name=rootless".
    expect(isRootless(PODMAN, processResult(0, '', [], 'true\n'))).toBe(true)
    expect(isRootless(PODMAN, processResult(0, '', [], 'false\n'))).toBe(false)
    expect(isRootless(DOCKER, processResult(0, '', [], '["name=seccomp,profile=builtin","name=rootless","name=cgroupns"]\n'))).toBe(true)
    expect(isRootless(DOCKER, processResult(0, '', [], '["name=seccomp,profile=builtin","name=cgroupns"]\n'))).toBe(false)
    expect(isRootless(DOCKER, processResult(1, 'Cannot connect to the Docker daemon', [], ''))).toBeUndefined()
    expect(isRootless(DOCKER, processResult(0, '', [], 'not json'))).toBeUndefined()
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
