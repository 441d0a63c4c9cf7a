/**
 * `doctor()` with every probe injected: it reports rather than throws when the config, the engine or the output is
 * missing, asks the engine the right way, and does not count the running stack's own ports as a conflict.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { doctor } from '../../src/doctor/doctor.js'
import type { CheckResult, DoctorProbes } from '../../src/doctor/types.js'
import { SparkbaasError } from '../../src/errors.js'
import type { GenerateResult } from '../../src/generate.js'
import { tempDir } from '../helpers/cli.js'
import { psLine } from '../helpers/fake-docker.js'
import { STACK_CONFIG } from '../helpers/stack.js'
import { DOCKER, processResult, stackOf } from './fixtures.js'

const GiB = 1024 ** 3
const UP_TO_DATE = { written: [], removed: [], drift: { stale: [], missing: [], extra: [] } } as unknown as GenerateResult

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const unexpected = (name: string) => () => {
  throw new Error(`probe ${name} should not run`)
}

/** Probes that all succeed; a test replaces the ones it is about. */
function probes(overrides: Partial<DoctorProbes>): Partial<DoctorProbes> {
  return {
    openStack: async () => stackOf(STACK_CONFIG),
    detectEngine: async () => DOCKER,
    composePs: async () => processResult(0),
    engineInfo: async () => processResult(0, '', ['docker', 'info']),
    checkPorts: async () => {},
    engineRootless: async () => false,
    unprivilegedPortStart: async () => 1024,
    totalMemory: () => 16 * GiB,
    cpuCount: () => 8,
    lookup: async () => ['127.0.0.1'],
    fileMode: async () => 0o100600,
    planGenerate: async () => UP_TO_DATE,
    platform: 'linux',
    ...overrides,
  }
}

const statuses = (checks: readonly CheckResult[]) => Object.fromEntries(checks.map((c) => [c.name, c.status]))

describe('doctor()', () => {
  test('everything fine: every check ok, in order', async () => {
    const report = await doctor({}, probes({}))
    expect(report.ok).toBe(true)
    expect(report.checks.map((c) => [c.name, c.status, c.message])).toEqual([
      ['config', 'ok', 'sparkbaas.config.json is valid: project demo, 6 services'],
      ['engine', 'ok', 'docker compose 2.29.1; the Docker engine answers'],
      ['ports', 'ok', 'free: 5432 (POSTGRES_HOST_PORT), 80 (ports.http) (the defaults: generated/.env does not exist yet)'],
      ['resources', 'ok', 'the stack needs about 1.4 GiB of memory and 1 core; this machine has 16.0 GiB and 8 cores'],
      ['dns', 'ok', 'api.localhost, auth.localhost resolve to the loopback'],
      ['env', 'ok', 'generated/.env exists, mode 0600'],
      ['output', 'ok', 'generated/ is up to date with sparkbaas.config.json'],
    ])
  })

  test('no config: the config fails, the engine is still checked, the rest is not checked; nothing throws', async () => {
    const error = new SparkbaasError('config_not_found', 'No config found in /x or any folder above it.', { hint: 'Run `sparkbaas init`.' })
    const report = await doctor(
      {},
      probes({
        openStack: async () => {
          throw error
        },
        composePs: unexpected('composePs'),
        planGenerate: unexpected('planGenerate'),
      }),
    )
    expect(report.ok).toBe(false)
    expect(report.checks.map((c) => [c.name, c.status, c.message, c.fix])).toEqual([
      ['config', 'fail', 'No config found in /x or any folder above it.', 'Run `sparkbaas init`.'],
      ['engine', 'ok', 'docker compose 2.29.1; the Docker engine answers', undefined],
      ...['ports', 'resources', 'dns', 'env', 'output'].map((name) => [name, 'warn', 'not checked: it needs a valid config', 'Fix the config first (see above).']),
    ])
  })

  test('no engine: it fails, no engine probe runs, the stack checks still run', async () => {
    const missing = new SparkbaasError('engine_missing', 'No compose engine found: sparkbaas runs the stack with Docker Compose v2 or Podman. Looked for:\n  docker compose: docker is not on PATH', { hint: 'Install Docker.' })
    const report = await doctor(
      {},
      probes({
        detectEngine: async () => {
          throw missing
        },
        composePs: unexpected('composePs'),
        engineInfo: unexpected('engineInfo'),
      }),
    )
    expect(report.ok).toBe(false)
    expect(statuses(report.checks)).toEqual({ config: 'ok', engine: 'fail', ports: 'ok', resources: 'ok', dns: 'ok', env: 'ok', output: 'ok' })
    expect(report.checks[1]).toMatchObject({ details: ['docker compose: docker is not on PATH'], fix: 'Install Docker.' })
  })

  test('no generated output: `docker info` asks the engine; .env and output are warnings, not failures', async () => {
    const report = await doctor(
      {},
      probes({
        composePs: unexpected('composePs'),
        fileMode: async () => undefined,
        planGenerate: async () => ({ ...UP_TO_DATE, written: ['docker-compose.yml'], drift: { stale: [], missing: ['docker-compose.yml'], extra: [] } }) as unknown as GenerateResult,
      }),
    )
    expect(report.ok).toBe(true)
    expect(statuses(report.checks)).toEqual({ config: 'ok', engine: 'ok', ports: 'ok', resources: 'ok', dns: 'ok', env: 'warn', output: 'warn' })
  })

  test('a generated stack: `compose ps` asks the engine, and the ports its running containers publish are its own', async () => {
    const dir = await tempDir()
    dirs.push(dir)
    mkdirSync(join(dir, 'generated'))
    writeFileSync(join(dir, 'generated', 'docker-compose.yml'), 'name: demo\n')
    writeFileSync(join(dir, 'generated', '.env'), 'POSTGRES_HOST_PORT=15432\n', { mode: 0o600 })
    const stack = stackOf({ ...STACK_CONFIG, ports: { http: 8080 } }, dir)
    const asked: { ours: number[]; ports: number[] }[] = []
    const ps = psLine('demo', 'traefik', 'running', 'healthy', [{ url: '0.0.0.0', target: 80, published: 8080 }])
    const report = await doctor(
      { cwd: dir },
      probes({
        openStack: async () => stack,
        engineInfo: unexpected('engineInfo'),
        composePs: async (engine, project) => {
          expect([engine, project.project, project.outDir]).toEqual([DOCKER, 'demo', join(dir, 'generated')])
          return processResult(0, '', ['docker', 'compose', 'ps'], `${ps}\n`)
        },
        checkPorts: async (ports, ours) => {
          asked.push({ ours: [...ours], ports: ports.map((p) => p.port) })
        },
      }),
    )
    expect(asked).toEqual([{ ours: [8080], ports: [15432, 8080] }])
    expect(report.checks[2]).toMatchObject({ name: 'ports', status: 'ok', message: 'free: 15432 (POSTGRES_HOST_PORT); in use by demo itself: 8080 (ports.http)' })
  })

  test('a rootless engine on Linux is asked for its lowest port; elsewhere (a VM forwards the ports) it is not', async () => {
    const asked: string[] = []
    const rootless = probes({
      detectEngine: async () => ({ command: ['podman', 'compose'], name: 'podman compose', version: '5.2.0', runtime: 'podman' }),
      engineRootless: async (engine) => {
        asked.push(engine.runtime)
        return true
      },
      unprivilegedPortStart: async () => 1024,
    })
    const report = await doctor({}, rootless)
    expect(asked).toEqual(['podman'])
    expect(report.ok).toBe(false)
    expect(report.checks[2]).toMatchObject({
      name: 'ports',
      status: 'fail',
      message: 'Podman runs rootless here: it cannot publish ports below 1024 (net.ipv4.ip_unprivileged_port_start), and the stack publishes:',
      details: ['ports.http: port 80 (traefik)'],
    })
    // An unreadable sysctl (undefined) means the kernel default, 1024.
    expect((await doctor({}, { ...rootless, unprivilegedPortStart: async () => undefined })).checks[2]?.status).toBe('fail')
    asked.length = 0
    expect((await doctor({}, { ...rootless, platform: 'darwin' })).checks[2]?.status).toBe('ok')
    expect(asked).toEqual([])
  })

  test('a daemon that does not answer fails the engine check; its ports are nobody\'s own', async () => {
    const dir = await tempDir()
    dirs.push(dir)
    mkdirSync(join(dir, 'generated'))
    writeFileSync(join(dir, 'generated', 'docker-compose.yml'), 'name: demo\n')
    writeFileSync(join(dir, 'generated', '.env'), 'HTTP_PORT=8080\nPOSTGRES_HOST_PORT=15432\n', { mode: 0o600 })
    const ours: number[][] = []
    const report = await doctor(
      {},
      probes({
        openStack: async () => stackOf(STACK_CONFIG, dir),
        composePs: async () => processResult(1, 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?'),
        checkPorts: async (_, held) => {
          ours.push([...held])
        },
      }),
    )
    expect(report.ok).toBe(false)
    expect(report.checks[1]).toMatchObject({ name: 'engine', status: 'fail', message: 'docker compose is installed, but the Docker engine is not running (cannot connect to it).' })
    expect(ours).toEqual([[]])
  })

  test('an unreadable .env fails the ports check with the line to fix', async () => {
    const dir = await tempDir()
    dirs.push(dir)
    mkdirSync(join(dir, 'generated'))
    writeFileSync(join(dir, 'generated', 'docker-compose.yml'), 'name: demo\n')
    writeFileSync(join(dir, 'generated', '.env'), 'HTTP_PORT="8080\n', { mode: 0o600 })
    const report = await doctor({}, probes({ openStack: async () => stackOf(STACK_CONFIG, dir) }))
    expect(report.checks[2]).toEqual({
      name: 'ports',
      status: 'fail',
      message: 'generated/.env cannot be read: line 1: unterminated double-quoted value.',
      details: [],
      fix: 'Fix that line; compose reads the file the same way.',
    })
  })

  test('warnings alone do not fail the report', async () => {
    const report = await doctor({}, probes({ totalMemory: () => 1 * GiB, fileMode: async () => 0o100644, lookup: async () => [] }))
    expect(statuses(report.checks)).toEqual({ config: 'ok', engine: 'ok', ports: 'ok', resources: 'warn', dns: 'warn', env: 'warn', output: 'ok' })
    expect(report.ok).toBe(true)
  })
})
