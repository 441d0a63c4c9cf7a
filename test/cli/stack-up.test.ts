/**
 * `sparkbaas up` against a fake docker: the exact compose calls, what it prints on success, and every way it
 * refuses or fails (stale output, busy port, unhealthy service, daemon down, no engine, Compose v1).
 */
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { ROOT, normalize, sparkbaas, tempDir } from '../helpers/cli.js'
import { psLine } from '../helpers/fake-docker.js'
import { holdPort, STACK_CONFIG, stackFixture, VERSION_CALL } from '../helpers/stack.js'

const PS = ['ps', '--all', '--format', 'json']
const UP = ['up', '-d', '--wait', '--remove-orphans']

describe('sparkbaas up', () => {
  test('starts the stack with one compose call and prints the URLs (with the config port) and the Keycloak login', async () => {
    const s = await stackFixture()
    const result = await s.run(['up'])
    expect(result.code).toBe(0)
    expect(s.fake.calls()).toEqual([VERSION_CALL, [...s.compose, ...PS], [...s.compose, ...UP]])
    expect(result.stdout).toBe(
      [
        '✔ demo is up',
        `  http://api.localhost:${s.httpPort}/rest`,
        `  http://auth.localhost:${s.httpPort}/`,
        // keycloak.adminConsole is "off" by default (issue 12 item 9): the console is not routed.
        '  Keycloak admin console: not served (keycloak.adminConsole is "off"); set it to "public", or use',
        '    `sparkbaas exec keycloak -- /opt/keycloak/bin/kcadm.sh config credentials --server http://localhost:8080 --realm master --user admin`',
        '    user: admin',
        '    password: in generated/.env (KC_BOOTSTRAP_ADMIN_PASSWORD)',
        // Issue 13: how to call the API right away, with a token `sparkbaas token` mints from the realm key.
        '  Call the API with a token of realm main (valid 1h; `sparkbaas token --help` for more):',
        `    curl -H "Authorization: Bearer $(sparkbaas token)" http://api.localhost:${s.httpPort}/rest/<table>`,
        '',
      ].join('\n'),
    )
    // compose's own progress is streamed as it comes.
    expect(result.stderr).toBe(
      ['Starting demo with docker compose, waiting until every service is healthy…', ' Container demo-postgres-1  Started', ' Container demo-postgres-1  Healthy', ''].join('\n'),
    )
    expect(result.raw.stdout + result.raw.stderr).not.toContain(s.envValue('KC_BOOTSTRAP_ADMIN_PASSWORD'))
  })

  test('up <service> --timeout N: only those services (compose adds their dependencies), with --wait-timeout', async () => {
    const s = await stackFixture()
    const result = await s.run(['up', 'postgres', 'postgrest', '--timeout', '90'])
    expect(result.code).toBe(0)
    expect(s.fake.calls().at(-1)).toEqual([...s.compose, ...UP, '--wait-timeout', '90', 'postgres', 'postgrest'])
    expect(result.stdout.split('\n')[0]).toBe('✔ demo: postgres, postgrest are up')
  })

  test('--json: compose output is not streamed; stdout is one JSON value', async () => {
    const s = await stackFixture()
    const result = await s.run(['up', '--json'])
    expect(result.code).toBe(0)
    expect(result.stderr).toBe('')
    expect(JSON.parse(result.stdout)).toEqual({
      ok: true,
      project: 'demo',
      engine: 'docker compose',
      services: [],
      regenerated: [],
      warnings: [],
      routes: [{ url: `http://api.localhost:${s.httpPort}/rest` }, { url: `http://auth.localhost:${s.httpPort}/` }],
      keycloak: {
        adminConsole: null,
        username: 'admin',
        passwordKey: 'KC_BOOTSTRAP_ADMIN_PASSWORD',
        envFile: '<tmp>/generated/.env',
      },
      apiCall: {
        realm: 'main',
        tokenCommand: 'sparkbaas token',
        curl: `curl -H "Authorization: Bearer $(sparkbaas token)" http://api.localhost:${s.httpPort}/rest/<table>`,
      },
    })
  })

  test('the API call it prints asks the token for the roles the API route requires', async () => {
    const s = await stackFixture()
    s.writeConfig({
      ...STACK_CONFIG,
      realms: [{ name: 'main', roles: ['reader', 'user'] }],
      routes: [{ host: 'api', path: '/rest', to: 'api', stripPrefix: true, auth: { realm: 'main', roles: ['user', 'reader'] } }],
    })
    const result = await s.run(['up'])
    expect(result.code).toBe(0)
    expect(result.stdout.split('\n').slice(-3)).toEqual([
      '  Call the API with a token of realm main (valid 1h; `sparkbaas token --help` for more):',
      `    curl -H "Authorization: Bearer $(sparkbaas token --role reader --role user)" http://api.localhost:${s.httpPort}/rest/<table>`,
      '',
    ])
  })

  test('no API route: no API call printed', async () => {
    const s = await stackFixture()
    s.writeConfig({ ...STACK_CONFIG, routes: [{ host: 'auth', to: 'keycloak' }] })
    const result = await s.run(['up'])
    expect(result.code).toBe(0)
    expect(result.stdout).not.toContain('sparkbaas token')
    expect(JSON.parse((await s.run(['up', '--json'])).stdout).apiCall).toBeNull()
  })

  test('with keycloak.adminConsole "public", prints the admin console URL', async () => {
    const s = await stackFixture()
    s.writeConfig({ ...STACK_CONFIG, keycloak: { adminConsole: 'public' } })
    const result = await s.run(['up'])
    expect(result.code).toBe(0)
    const lines = result.stdout.split('\n')
    const at = lines.findIndex((line) => line.startsWith('  Keycloak admin console'))
    expect(lines.slice(at, at + 3)).toEqual([
      `  Keycloak admin console: http://auth.localhost:${s.httpPort}/admin/`,
      '    user: admin',
      '    password: in generated/.env (KC_BOOTSTRAP_ADMIN_PASSWORD)',
    ])
  })

  test('regenerates stale output before starting', async () => {
    const s = await stackFixture()
    s.writeConfig({ ...STACK_CONFIG, realms: [{ ...STACK_CONFIG.realms[0], roles: ['user', 'admin'] }] })
    const result = await s.run(['up'])
    expect(result.code).toBe(0)
    expect(result.stdout.split('\n')[0]).toBe('✔ Regenerated generated/ (it was out of date with the config): 2 written')
    expect(s.fake.calls().at(-1)).toEqual([...s.compose, ...UP])
    // The second time there is nothing to regenerate.
    expect((await s.run(['up'])).stdout.split('\n')[0]).toBe('✔ demo is up')
  })

  test('--no-generate refuses stale output, listing each file, and starts nothing', async () => {
    const s = await stackFixture()
    s.writeConfig({ ...STACK_CONFIG, realms: [{ ...STACK_CONFIG.realms[0], roles: ['user', 'admin'] }] })
    const result = await s.run(['up', '--no-generate'])
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe(
      [
        '✖ generated/ is out of date with sparkbaas.config.json (2 files), and --no-generate was given:',
        '  .sparkbaas-manifest.json: differs from what the config generates',
        '  keycloak/main-realm.json: differs from what the config generates',
        'hint: Run `sparkbaas generate` first, or `sparkbaas up` without --no-generate.',
        '',
      ].join('\n'),
    )
    expect(s.fake.calls()).toEqual([VERSION_CALL])
  })

  test('a busy host port is found before compose starts anything: the port, the service, the key that moves it', async () => {
    const s = await stackFixture()
    await holdPort(s.httpPort)
    await holdPort(s.postgresPort)
    const result = await s.run(['up'])
    expect(result.code).toBe(1)
    const lines = result.stderr.split('\n')
    // `ss` names the holder (this test process) where it is available.
    expect(lines[1]).toMatch(new RegExp(`^  POSTGRES_HOST_PORT: port ${s.postgresPort} \\(postgres\\) is in use( by .+ \\(pid ${process.pid}\\))?$`))
    expect(lines[2]).toMatch(new RegExp(`^  ports\\.http: port ${s.httpPort} \\(traefik\\) is in use( by .+ \\(pid ${process.pid}\\))?$`))
    expect([lines[0], ...lines.slice(3)]).toEqual([
      '✖ 2 host ports the stack publishes cannot be used:',
      "hint: Stop what holds the port, or set POSTGRES_HOST_PORT in generated/.env, or ports.http in sparkbaas.config.json to a free port, then run `sparkbaas up` again. Every public URL follows the config's ports, Keycloak's issuer included: `up` regenerates with the new one.",
      '',
    ])
    expect(s.fake.calls()).toEqual([VERSION_CALL, [...s.compose, ...PS]])
  })

  test('a host port in .env that is not a number is named, with the key to fix', async () => {
    const s = await stackFixture()
    const env = path.join(s.out, '.env')
    writeFileSync(env, readFileSync(env, 'utf8').replace(/^POSTGRES_HOST_PORT=.*$/m, 'POSTGRES_HOST_PORT=fifty'))
    const result = await s.run(['up'])
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(
      [
        '✖ POSTGRES_HOST_PORT is "fifty": postgres needs a host port number (1–65535).',
        "hint: Set POSTGRES_HOST_PORT in generated/.env (a value in your shell's environment overrides the file).",
        '',
      ].join('\n'),
    )
    expect(s.fake.calls()).toEqual([VERSION_CALL])
  })

  test('HTTP_PORT from before `ports` (in .env or the shell) moves nothing: up says so and starts on the config\'s port', async () => {
    const s = await stackFixture()
    const env = path.join(s.out, '.env')
    writeFileSync(env, `${readFileSync(env, 'utf8')}HTTP_PORT=8080\n`)
    const warning = (value: string) =>
      `! HTTP_PORT=${value} (in generated/.env or your shell) is no longer read: Traefik publishes port ${s.httpPort}, ports.http in sparkbaas.config.json. ` +
      `To serve on ${value}, set ports: { http: ${value} } there (every URL follows) and delete HTTP_PORT.`
    const fromFile = await s.run(['up'])
    expect(fromFile.code).toBe(0)
    expect(fromFile.stderr.split('\n')[0]).toBe(warning('8080'))
    expect(fromFile.stdout.split('\n')[1]).toBe(`  http://api.localhost:${s.httpPort}/rest`)
    // The compose file publishes the config's number itself: no ${HTTP_PORT} left for a shell variable to move.
    expect(readFileSync(path.join(s.out, 'docker-compose.yml'), 'utf8')).toContain(`- "${s.httpPort}:${s.httpPort}"\n`)
    const fromShell = await s.run(['up', '--json'], { HTTP_PORT: '9090' })
    expect(fromShell.code).toBe(0)
    expect(fromShell.stderr).toBe('')
    expect((JSON.parse(fromShell.stdout) as { warnings: string[] }).warnings).toEqual([warning('9090').slice(2)])
  })

  test('an unpinned image: up warns on stderr (and in `warnings` with --json) and starts as usual', async () => {
    const s = await stackFixture()
    s.writeConfig({ ...STACK_CONFIG, images: { traefik: 'traefik:latest' } })
    const warning =
      'images.traefik: "traefik:latest" uses the tag latest, which changes with each release; ' +
      'pin a version tag such as "traefik:v3.5" or a digest "traefik@sha256:…" so every `up`, on every machine, runs the same image'
    const run = await s.run(['up'])
    expect(run.code).toBe(0)
    expect(run.stderr.split('\n').filter((line) => line.startsWith('! '))).toEqual([`! ${warning}`])
    const json = await s.run(['up', '--json'])
    expect(json.code).toBe(0)
    expect(json.stderr).toBe('')
    expect((JSON.parse(json.stdout) as { warnings: string[] }).warnings).toEqual([warning])
  })

  test("a port docker reports as allocated is explained the same way", async () => {
    const s = await stackFixture()
    const result = await s.run(['up'], { FAKE_DOCKER_SCENARIO: 'port-allocated', FAKE_DOCKER_BUSY_PORT: String(s.httpPort) })
    expect(result.code).toBe(1)
    expect(result.stderr.split('\n').slice(-4)).toEqual([
      '✖ A host port the stack publishes cannot be used:',
      `  ports.http: port ${s.httpPort} (traefik) is already allocated, probably by another container (\`docker ps\` shows which)`,
      "hint: Stop what holds the port, or set ports.http in sparkbaas.config.json to a free port, then run `sparkbaas up` again. Every public URL follows the config's ports, Keycloak's issuer included: `up` regenerates with the new one.",
      '',
    ])
  })

  test('ports the running stack already publishes are its own, not a conflict', async () => {
    const s = await stackFixture()
    const ps = psLine('demo', 'traefik', 'running', 'healthy', [{ url: '0.0.0.0', target: 80, published: s.httpPort }])
    expect((await s.run(['up'], { FAKE_DOCKER_PS: `${ps}\n` })).code).toBe(0)
    // The fake stack is up now and ps shows traefik publishing ports.http; held here as docker-proxy would hold it.
    await holdPort(s.httpPort)
    expect((await s.run(['up'], { FAKE_DOCKER_PS: `${ps}\n` })).code).toBe(0)
  })

  test('an unhealthy service: which one, its last 30 log lines, a hint; exit 1', async () => {
    const s = await stackFixture()
    const ps = [psLine('demo', 'postgres'), psLine('demo', 'keycloak', 'running', 'unhealthy'), psLine('demo', 'traefik', 'created', '')].join('\n')
    const result = await s.run(['up'], { FAKE_DOCKER_SCENARIO: 'unhealthy', FAKE_DOCKER_PS: ps })
    expect(result.code).toBe(1)
    expect(s.fake.calls()).toEqual([
      VERSION_CALL,
      [...s.compose, ...PS],
      [...s.compose, ...UP],
      [...s.compose, ...PS],
      [...s.compose, 'logs', '--no-color', '--tail', '30', 'keycloak'],
    ])
    const logLines = Array.from({ length: 30 }, (_, i) => `    keycloak-1  | log line ${i + 11}`)
    expect(result.stderr).toBe(
      [
        'Starting demo with docker compose, waiting until every service is healthy…',
        ' Container demo-postgres-1  Healthy',
        ' Container demo-keycloak-1  Error',
        'dependency failed to start: container demo-keycloak-1 is unhealthy',
        '✖ demo did not come up (1 service failed):',
        '  keycloak: demo-keycloak-1 is unhealthy (its healthcheck keeps failing). Last 30 log lines:',
        ...logLines,
        'hint: Fix what the log shows, then run `sparkbaas up` again. `sparkbaas logs <service>` shows more, `sparkbaas status` every service.',
        '',
      ].join('\n'),
    )
  })

  test('up with a one-shot job named alone is a usage error (compose would report its clean exit as a failure)', async () => {
    const s = await stackFixture()
    const result = await s.run(['up', 'postgres-init'])
    expect(result.code).toBe(2)
    expect(s.fake.calls()).toEqual([])
    expect(result.stderr).toBe(
      [
        '✖ "postgres-init" is a one-shot job, which `sparkbaas up` runs on every start before the services that need it.',
        'hint: Run `sparkbaas up`, or name the services that need it (they run it first); `sparkbaas logs postgres-init` shows its last run.',
        '',
      ].join('\n'),
    )
  })

  test('a one-shot job: done when it exited 0, reported with its log when it exited otherwise', async () => {
    const s = await stackFixture()
    const ps = [
      psLine('demo', 'postgres'),
      psLine('demo', 'postgres-init', 'exited', '', [], 0),
      psLine('demo', 'keycloak'),
      psLine('demo', 'keycloak-sync', 'exited', '', [], 1),
      psLine('demo', 'traefik', 'created', ''),
    ].join('\n')
    const result = await s.run(['up'], { FAKE_DOCKER_SCENARIO: 'unhealthy', FAKE_DOCKER_PS: ps })
    expect(result.code).toBe(1)
    // postgres-init is not named: exit 0 is how a one-shot job ends. keycloak-sync failed, so its log is shown.
    expect(s.fake.calls().at(-1)).toEqual([...s.compose, 'logs', '--no-color', '--tail', '30', 'keycloak-sync'])
    const report = result.stderr.split('\n').filter((l) => l.startsWith('✖') || l.startsWith('  keycloak') || l.startsWith('  postgres'))
    expect(report).toEqual(['✖ demo did not come up (1 service failed):', '  keycloak-sync: demo-keycloak-sync-1 exited with code 1. Last 30 log lines:'])
  })

  test('any other failure: the command that ran, its exit code, where to look next', async () => {
    const s = await stackFixture()
    const result = await s.run(['up'], { FAKE_DOCKER_SCENARIO: 'broken' })
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(
      [
        'Starting demo with docker compose, waiting until every service is healthy…',
        'validating <tmp>/generated/docker-compose.yml: services.web.image must be a string',
        '✖ `docker compose -p demo -f <tmp>/generated/docker-compose.yml --env-file <tmp>/generated/.env up -d --wait --remove-orphans` failed with exit code 15.',
        'hint: `sparkbaas status` shows each service; `sparkbaas logs <service>` its log.',
        '',
      ].join('\n'),
    )
  })

  test('the daemon is not running: its own message and exit code 4', async () => {
    const s = await stackFixture()
    const result = await s.run(['up'], { FAKE_DOCKER_SCENARIO: 'daemon-down' })
    expect(result.code).toBe(4)
    expect(result.stderr).toBe(
      [
        '✖ docker compose is installed, but the Docker engine is not running (cannot connect to it).',
        'hint: Start Docker Desktop (macOS, Windows) or the service (Linux: `sudo systemctl start docker`); `docker info` checks it.',
        '',
      ].join('\n'),
    )
    const json = await s.run(['up', '--json'], { FAKE_DOCKER_SCENARIO: 'daemon-down' })
    expect(json.code).toBe(4)
    expect(JSON.parse(json.stdout)).toEqual({
      ok: false,
      problems: [{ path: '', code: 'daemon_down', message: 'docker compose is installed, but the Docker engine is not running (cannot connect to it).' }],
    })
  })

  test('no engine on PATH: what was looked for, how to install one, exit code 3', async () => {
    const s = await stackFixture({ fakes: [] })
    const result = await s.run(['up'])
    expect(result.code).toBe(3)
    expect(result.stderr).toBe(
      [
        '✖ No compose engine found: sparkbaas runs the stack with Docker Compose v2 or Podman. Looked for:',
        '  docker compose: docker is not on PATH',
        '  podman compose: podman is not on PATH',
        '  podman-compose: not on PATH',
        '  docker-compose: not on PATH',
        'hint: Install Docker Desktop (macOS, Windows), or Docker Engine with the docker-compose-plugin package (Linux), or Podman with podman-compose. To use another compose command, set SPARKBAAS_COMPOSE, e.g. SPARKBAAS_COMPOSE="podman compose".',
        '',
      ].join('\n'),
    )
  })

  test('docker without its compose plugin and only docker-compose v1: refused, with the reason; exit 3', async () => {
    const s = await stackFixture({ fakes: ['docker', 'docker-compose'] })
    const result = await s.run(['up'], { FAKE_DOCKER_SCENARIO: 'v1-only' })
    expect(result.code).toBe(3)
    expect(result.stderr).toBe(
      [
        '✖ Only Compose v1 (docker-compose 1.29.2) was found. sparkbaas needs Compose v2 or Podman: v1 cannot read compose files with a top-level `name:`, which every generated docker-compose.yml has. Looked for:',
        '  docker compose: docker is on PATH, but its compose plugin is not installed',
        '  podman compose: podman is not on PATH',
        '  podman-compose: not on PATH',
        '  docker-compose: version 1.29.2 is Compose v1, which cannot read compose files with a top-level `name:`',
        'hint: Install Compose v2 (the docker-compose-plugin package on Linux, or Docker Desktop), or Podman with podman-compose. To use another compose command, set SPARKBAAS_COMPOSE, e.g. SPARKBAAS_COMPOSE="podman compose".',
        '',
      ].join('\n'),
    )
    expect(s.fake.calls()).toEqual([['docker', 'compose', 'version'], ['docker-compose', 'version']])
  })

  test('SPARKBAAS_COMPOSE="podman compose" is used instead of searching', async () => {
    const s = await stackFixture({ fakes: ['docker', 'podman'] })
    const result = await s.run(['up'], { SPARKBAAS_COMPOSE: 'podman compose' })
    expect(result.code).toBe(0)
    const podman = ['podman', ...s.compose.slice(1)]
    expect(s.fake.calls()).toEqual([['podman', 'compose', 'version'], [...podman, ...PS], [...podman, ...UP]])
    expect(result.stderr.split('\n')[0]).toBe('Starting demo with podman compose, waiting until every service is healthy…')
  })

  test('usage mistakes exit 2 before anything runs', async () => {
    const s = await stackFixture()
    const unknown = await s.run(['up', 'nope'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toBe('✖ Unknown service "nope": stack demo has no such service.\nhint: Its services are: postgres, postgres-init, keycloak, keycloak-sync, postgrest, traefik.\n')
    const timeout = await s.run(['up', '--timeout', 'soon'])
    expect(timeout.code).toBe(2)
    expect(timeout.stderr).toBe('✖ --timeout needs a whole number of at least 1, not "soon".\nhint: For example: `sparkbaas up --timeout 300`.\n')
    expect(s.fake.calls()).toEqual([])
  })

  test('Ctrl-C while compose waits is forwarded to it, and its exit code comes back', async () => {
    const s = await stackFixture()
    const env = { ...process.env, ...s.fake.env({ FAKE_DOCKER_SCENARIO: 'hang' }), NO_COLOR: '1' }
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/sparkbaas.mjs'), 'up'], { cwd: s.dir, env })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    await expect.poll(() => s.fake.calls().some((call) => call.includes('up')), { timeout: 20_000 }).toBe(true)
    await expect.poll(() => stderr, { timeout: 5000 }).toContain('Waiting')
    child.kill('SIGINT')
    expect(await exited).toBe(130)
    expect(s.fake.calls().at(-1)).toEqual(['signal', 'SIGINT'])
    expect(normalize(stderr, s.dir).split('\n').slice(-3)).toEqual([
      '✖ Interrupted: demo was not (yet) up; containers already started keep running.',
      'hint: `sparkbaas status` shows them; `sparkbaas down` stops them.',
      '',
    ])
  })
})

test('with no config at all, up says so (exit 1) without looking for an engine', async () => {
  const dir = await tempDir()
  mkdirSync(path.join(dir, 'empty'))
  const result = await sparkbaas(['up'], { cwd: path.join(dir, 'empty'), tmp: dir, env: { PATH: path.join(dir, 'empty') } })
  rmSync(dir, { recursive: true, force: true })
  expect(result.code).toBe(1)
  expect(result.stderr.split('\n')[0]).toMatch(/^✖ No config found in <tmp>\/empty or any folder above it\./)
})
