/**
 * `sparkbaas doctor` run as a user runs it, against the fake docker. Memory, cores and name resolution depend on the
 * machine running the tests, so those lines are matched by shape; the rest exactly.
 */
import { chmodSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { sparkbaas, tempDir } from '../helpers/cli.js'
import { fakeDocker, psLine } from '../helpers/fake-docker.js'
import { holdPort, stackFixture, VERSION_CALL } from '../helpers/stack.js'

const PS = ['ps', '--all', '--format', 'json']
const MACHINE = {
  resources: /^(ok   |warn )resources the stack needs about 1\.4 GiB of memory and 1 core; this machine has \d+\.\d GiB and \d+ cores?$/,
  dns: /^(ok   dns       api\.localhost, auth\.localhost resolve to the loopback|warn dns       \d of 2 route host names do(es)? not resolve as expected)$/,
}

/** The lines of a check, from its status line to the next status line. */
function checkLines(stdout: string, name: string): string[] {
  const lines = stdout.split('\n')
  const start = lines.findIndex((line) => new RegExp(`^(ok|warn|fail) +${name} `).test(line))
  if (start === -1) return []
  const end = lines.findIndex((line, i) => i > start && /^(ok|warn|fail) /.test(line))
  return lines.slice(start, end === -1 ? lines.length - 2 : end)
}

describe('sparkbaas doctor', () => {
  test('a generated stack on this machine: one line per check; warnings only, exit 0', async () => {
    const s = await stackFixture()
    const result = await s.run(['doctor'])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const lines = result.stdout.split('\n')
    expect(lines.filter((line) => /^(ok|warn|fail) /.test(line)).map((line) => line.split(/ +/)[1])).toEqual(['config', 'engine', 'ports', 'resources', 'dns', 'env', 'output'])
    expect(checkLines(result.stdout, 'config')).toEqual(['ok   config    sparkbaas.config.json is valid: project demo, 6 services'])
    expect(checkLines(result.stdout, 'engine')).toEqual(['ok   engine    docker compose 2.29.1; the Docker engine answers'])
    expect(checkLines(result.stdout, 'ports')).toEqual([`ok   ports     free: ${s.postgresPort} (POSTGRES_HOST_PORT), ${s.httpPort} (ports.http)`])
    expect(checkLines(result.stdout, 'resources')[0]).toMatch(MACHINE.resources)
    expect(checkLines(result.stdout, 'dns')[0]).toMatch(MACHINE.dns)
    expect(checkLines(result.stdout, 'env')).toEqual(['ok   env       generated/.env exists, mode 0600'])
    expect(checkLines(result.stdout, 'output')).toEqual(['ok   output    generated/ is up to date with sparkbaas.config.json'])
    expect(lines.at(-2)).toMatch(/^\d ok, \d warnings?, 0 failed$/)
    // The engine is asked once, through compose ps of the stack; nothing is started.
    expect(s.fake.calls()).toEqual([VERSION_CALL, [...s.compose, ...PS]])
  })

  test('--json: ok and every check with name, status, message, details and fix', async () => {
    const s = await stackFixture()
    const result = await s.run(['doctor', '--json'])
    expect(result.code).toBe(0)
    expect(result.stderr).toBe('')
    const json = JSON.parse(result.stdout) as { ok: boolean; checks: Record<string, unknown>[] }
    expect(json.ok).toBe(true)
    expect(json.checks.map((c) => c.name)).toEqual(['config', 'engine', 'ports', 'resources', 'dns', 'env', 'output'])
    for (const check of json.checks) {
      expect(Object.keys(check)).toEqual(['name', 'status', 'message', 'details', 'fix'])
      expect(['ok', 'warn', 'fail']).toContain(check.status)
      expect(check.fix === null).toBe(check.status === 'ok')
    }
    expect(json.checks[1]).toEqual({ name: 'engine', status: 'ok', message: 'docker compose 2.29.1; the Docker engine answers', details: [], fix: null })
  })

  test('the running stack holding its own port is not a conflict; a port someone else holds fails (exit 1)', async () => {
    const s = await stackFixture()
    const ps = `${psLine('demo', 'traefik', 'running', 'healthy', [{ url: '0.0.0.0', target: 80, published: s.httpPort }])}\n`
    expect((await s.run(['up'], { FAKE_DOCKER_PS: ps })).code).toBe(0)
    await holdPort(s.httpPort)
    const ours = await s.run(['doctor'], { FAKE_DOCKER_PS: ps })
    expect(checkLines(ours.stdout, 'ports')).toEqual([`ok   ports     free: ${s.postgresPort} (POSTGRES_HOST_PORT); in use by demo itself: ${s.httpPort} (ports.http)`])

    // Down again: the same port is now held by something else.
    expect((await s.run(['down'])).code).toBe(0)
    const busy = await s.run(['doctor'])
    expect(busy.code).toBe(1)
    const lines = checkLines(busy.stdout, 'ports')
    expect(lines[0]).toBe('fail ports     A host port the stack publishes cannot be used:')
    expect(lines[1]).toMatch(new RegExp(`^                 ports\\.http: port ${s.httpPort} \\(traefik\\) is in use( by .+)?$`))
    expect(lines.slice(2)).toEqual([
      "               fix: Stop what holds the port, or set ports.http in sparkbaas.config.json to a free port, then run `sparkbaas up` again. Every public URL follows the config's ports, Keycloak's issuer included: `up` regenerates with the new one.",
    ])
    expect(busy.stdout.split('\n').at(-2)).toMatch(/^\d ok, \d warnings?, 1 failed$/)
  })

  test('the daemon down: the engine check fails with how to start it (exit 1)', async () => {
    const s = await stackFixture()
    const result = await s.run(['doctor'], { FAKE_DOCKER_SCENARIO: 'daemon-down' })
    expect(result.code).toBe(1)
    expect(checkLines(result.stdout, 'engine')).toEqual([
      'fail engine    docker compose is installed, but the Docker engine is not running (cannot connect to it).',
      '               fix: Start Docker Desktop (macOS, Windows) or the service (Linux: `sudo systemctl start docker`); `docker info` checks it.',
    ])
  })

  test('no generated output: reported, not a crash; `docker info` asks the engine', async () => {
    const s = await stackFixture({ generate: false })
    const result = await s.run(['doctor'])
    expect(result.stderr).toBe('')
    expect(checkLines(result.stdout, 'env')).toEqual([
      'warn env       generated/.env does not exist yet',
      '               fix: `sparkbaas generate` (or `sparkbaas up`) creates it, with mode 0600.',
    ])
    expect(checkLines(result.stdout, 'output')).toEqual([
      'warn output    generated/ has not been generated yet',
      '               fix: `sparkbaas up` generates and starts the stack; `sparkbaas generate` only generates.',
    ])
    // The fake docker only speaks compose: the engine cannot be judged, which is a warning.
    expect(checkLines(result.stdout, 'engine')).toEqual([
      'warn engine    docker compose 2.29.1 found, but `docker info` exited with code 125: docker: this fake only knows compose; could not tell whether the engine runs.',
      '               fix: Run `docker info`: it says whether the engine runs and why not.',
    ])
    expect(checkLines(result.stdout, 'ports')[0]).toMatch(
      new RegExp(`^(ok   ports     free: 5432 \\(POSTGRES_HOST_PORT\\), ${s.httpPort} \\(ports\\.http\\) \\(the defaults: generated/\\.env does not exist yet\\)|fail ports     .*)$`),
    )
    expect(s.fake.calls()).toEqual([VERSION_CALL, ['docker', 'info']])
  })

  test('no config and no engine: both fail, the rest is not checked (exit 1, --json too)', async () => {
    const dir = await tempDir()
    const empty = fakeDocker([])
    try {
      const result = await sparkbaas(['doctor'], { cwd: dir, tmp: dir, env: { PATH: empty.path, SPARKBAAS_COMPOSE: undefined } })
      expect(result.code).toBe(1)
      expect(result.stderr).toBe('')
      const lines = result.stdout.split('\n')
      expect(lines[0]).toBe(
        'fail config    No config found in <tmp> or any folder above it. Looked for sparkbaas.config.{ts,mts,js,mjs,json,yaml,yml}, .sparkbaasrc{,.json,.yaml,.yml,.js,.mjs,.ts,.mts} and a "sparkbaas" key in package.json.',
      )
      expect(lines[1]).toBe('               fix: Run `sparkbaas init` to create sparkbaas.config.ts, or pass --config PATH.')
      expect(lines.slice(2, 9)).toEqual([
        'fail engine    No compose engine found: sparkbaas runs the stack with Docker Compose v2 or Podman. Looked for:',
        '                 docker compose: docker is not on PATH',
        '                 podman compose: podman is not on PATH',
        '                 podman-compose: not on PATH',
        '                 docker-compose: not on PATH',
        expect.stringMatching(/^               fix: Install Docker Desktop/),
        'warn ports     not checked: it needs a valid config',
      ])
      expect(lines.at(-2)).toBe('0 ok, 5 warnings, 2 failed')

      const json = await sparkbaas(['doctor', '--json'], { cwd: dir, tmp: dir, env: { PATH: empty.path, SPARKBAAS_COMPOSE: undefined } })
      expect(json.code).toBe(1)
      const parsed = JSON.parse(json.stdout) as { ok: boolean; checks: { name: string; status: string }[] }
      expect(parsed.ok).toBe(false)
      expect(parsed.checks.map((c) => `${c.name}:${c.status}`)).toEqual(['config:fail', 'engine:fail', 'ports:warn', 'resources:warn', 'dns:warn', 'env:warn', 'output:warn'])
    } finally {
      empty.remove()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('a .env readable by others: a warning with the chmod command', async () => {
    const s = await stackFixture()
    chmodSync(join(s.out, '.env'), 0o644)
    const result = await s.run(['doctor'])
    expect(result.code).toBe(0)
    expect(checkLines(result.stdout, 'env')).toEqual([
      'warn env       generated/.env has mode 0644: other users can read it, and it holds every secret of the stack',
      '               fix: chmod 600 generated/.env',
    ])
  })
})
