/** `sparkbaas status` / `ps`: services from `compose ps` in either JSON format, route URLs, and `-o env`. */
import { describe, expect, test } from 'vitest'
import { psLine } from '../helpers/fake-docker.js'
import { stackFixture, VERSION_CALL } from '../helpers/stack.js'

const PS = ['ps', '--all', '--format', 'json']

describe('sparkbaas status', () => {
  test('a stack that is not running: every service "not created", and the URLs', async () => {
    const s = await stackFixture()
    const result = await s.run(['status'])
    expect(result.code).toBe(0)
    expect(s.fake.calls()).toEqual([VERSION_CALL, [...s.compose, ...PS]])
    expect(result.stdout).toBe(
      [
        'demo: 0 of 6 services running',
        '  SERVICE        STATE        HEALTH  PORTS',
        '  postgres       not created',
        '  postgres-init  not created',
        '  keycloak       not created',
        '  keycloak-sync  not created',
        '  postgrest      not created',
        '  traefik        not created',
        'routes:',
        `  http://api.localhost:${s.httpPort}/rest`,
        `  http://auth.localhost:${s.httpPort}/`,
        '',
      ].join('\n'),
    )
  })

  const runningPs = (s: { httpPort: number; postgresPort: number }) =>
    [
      psLine('demo', 'postgres', 'running', 'healthy', [{ url: '127.0.0.1', target: 5432, published: s.postgresPort }]),
      // A one-shot job that ended with 0 is done; one that failed is not.
      psLine('demo', 'postgres-init', 'exited', '', [], 0),
      psLine('demo', 'keycloak', 'running', 'starting'),
      psLine('demo', 'keycloak-sync', 'exited', '', [], 1),
      psLine('demo', 'postgrest', 'exited', ''),
      psLine('demo', 'traefik', 'running', 'healthy', [
        { url: '0.0.0.0', target: 80, published: s.httpPort },
        { url: '::', target: 80, published: s.httpPort },
      ]),
    ]

  test('a running stack: state, health and published ports per service (ps ndjson and the older JSON array)', async () => {
    const s = await stackFixture()
    const lines = runningPs(s)
    await s.run(['up'], { FAKE_DOCKER_PS: lines.join('\n') })
    const expected = [
      'demo: 4 of 6 services running',
      '  SERVICE        STATE      HEALTH    PORTS',
      `  postgres       running    healthy   127.0.0.1:${s.postgresPort}->5432/tcp`,
      '  postgres-init  completed  -',
      '  keycloak       running    starting',
      '  keycloak-sync  exited     -',
      '  postgrest      exited     -',
      `  traefik        running    healthy   ${s.httpPort}->80/tcp`,
      'routes:',
      `  http://api.localhost:${s.httpPort}/rest`,
      `  http://auth.localhost:${s.httpPort}/`,
      '',
    ].join('\n')
    expect((await s.run(['status'], { FAKE_DOCKER_PS: `${lines.join('\n')}\n` })).stdout).toBe(expected)
    expect((await s.run(['ps'], { FAKE_DOCKER_PS: `[${lines.join(',')}]` })).stdout).toBe(expected)
  })

  test('--json: { ok, project, services: [{ name, state, health, ports }], routes: [{ url }] }', async () => {
    const s = await stackFixture()
    const lines = runningPs(s)
    await s.run(['up'], { FAKE_DOCKER_PS: lines.join('\n') })
    const result = await s.run(['status', '--json'], { FAKE_DOCKER_PS: lines.join('\n') })
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual({
      ok: true,
      project: 'demo',
      services: [
        { name: 'postgres', state: 'running', health: 'healthy', ports: [{ host: '127.0.0.1', published: s.postgresPort, target: 5432, protocol: 'tcp' }] },
        { name: 'postgres-init', state: 'completed', health: null, ports: [] },
        { name: 'keycloak', state: 'running', health: 'starting', ports: [] },
        { name: 'keycloak-sync', state: 'exited', health: null, ports: [] },
        { name: 'postgrest', state: 'exited', health: null, ports: [] },
        {
          name: 'traefik',
          state: 'running',
          health: 'healthy',
          ports: [
            { host: '0.0.0.0', published: s.httpPort, target: 80, protocol: 'tcp' },
            { host: '::', published: s.httpPort, target: 80, protocol: 'tcp' },
          ],
        },
      ],
      routes: [{ url: `http://api.localhost:${s.httpPort}/rest` }, { url: `http://auth.localhost:${s.httpPort}/` }],
    })
  })

  test('-o env: connection settings as KEY=value lines, without asking the engine', async () => {
    const s = await stackFixture()
    const result = await s.run(['status', '-o', 'env'])
    expect(result.code).toBe(0)
    expect(s.fake.calls()).toEqual([])
    expect(result.stdout).toBe(
      [
        '# Connection settings of stack demo (sparkbaas status -o env).',
        '# DATABASE_URL holds the Postgres superuser password: keep this output out of logs and commits.',
        `DATABASE_URL=postgres://postgres:${s.envValue('POSTGRES_PASSWORD')}@127.0.0.1:${s.postgresPort}/app`,
        `API_URL=http://api.localhost:${s.httpPort}/rest`,
        `KEYCLOAK_URL=http://auth.localhost:${s.httpPort}`,
        // The issuer carries the port like every other URL (it did not while the port came from .env).
        `REALM_MAIN_ISSUER=http://auth.localhost:${s.httpPort}/realms/main`,
        'REALM_MAIN_CLIENT_IDS=web,cli',
        '',
      ].join('\n'),
    )
    // --format is the name; --output, its name before, still works.
    expect((await s.run(['status', '--format', 'env'])).stdout).toBe(result.stdout)
    expect((await s.run(['status', '--format=env'])).stdout).toBe(result.stdout)
    expect((await s.run(['status', '--output', 'env'])).stdout).toBe(result.stdout)
  })

  test('-o env without a published Postgres says why there is no DATABASE_URL', async () => {
    const s = await stackFixture()
    s.writeConfig({ project: 'demo', routes: [] })
    await s.run(['up'])
    const result = await s.run(['status', '-o', 'env'])
    expect(result.stdout).toBe(
      [
        '# Connection settings of stack demo (sparkbaas status -o env).',
        '# No DATABASE_URL: Postgres is not published on the host (set postgres.exposePort to publish it).',
        '',
      ].join('\n'),
    )
  })

  test('usage: -o (--format) takes text or env; -o env with --json is refused', async () => {
    const s = await stackFixture()
    const bad = await s.run(['status', '-o', 'yaml'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toBe('✖ Invalid value for argument: --format (yaml). Expected one of: text, env.\n')
    const both = await s.run(['status', '-o', 'env', '--json'])
    expect(both.code).toBe(2)
    expect(JSON.parse(both.stdout)).toEqual({ ok: false, problems: [{ path: '', code: 'usage', message: '--format env and --json cannot be used together.' }] })
  })
})
