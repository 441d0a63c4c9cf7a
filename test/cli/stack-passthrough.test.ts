/** `logs`, `restart` and `exec`: the exact compose calls, exit codes passed back, usage mistakes. */
import { describe, expect, test } from 'vitest'
import { stackFixture, VERSION_CALL } from '../helpers/stack.js'

describe('sparkbaas logs', () => {
  test('logs <service> --tail N and -f pass through to compose logs', async () => {
    const s = await stackFixture()
    const result = await s.run(['logs', 'postgres', 'keycloak', '--tail', '2'])
    expect(result.code).toBe(0)
    expect(result.stdout).toBe(['postgres-1  | log line 39', 'postgres-1  | log line 40', 'keycloak-1  | log line 39', 'keycloak-1  | log line 40', ''].join('\n'))
    await s.run(['logs', '-f'])
    expect(s.fake.calls()).toEqual([
      VERSION_CALL,
      [...s.compose, 'logs', '--tail', '2', 'postgres', 'keycloak'],
      VERSION_CALL,
      [...s.compose, 'logs', '--follow'],
    ])
  })

  test('--json captures them; --json with --follow, a bad --tail and an unknown service are usage errors', async () => {
    const s = await stackFixture()
    const json = await s.run(['logs', 'postgres', '--tail', '1', '--json'])
    expect(JSON.parse(json.stdout)).toEqual({ ok: true, project: 'demo', services: ['postgres'], logs: 'postgres-1  | log line 40\n' })
    expect((await s.run(['logs', '-f', '--json'])).code).toBe(2)
    const tail = await s.run(['logs', '--tail', '-3'])
    expect(tail.code).toBe(2)
    expect(tail.stderr).toBe('✖ Option --tail needs a value: --tail LINES.\nhint: Run `sparkbaas logs --help` to see its usage.\n')
    const unknown = await s.run(['logs', 'redis'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toBe('✖ Unknown service "redis": stack demo has no such service.\nhint: Its services are: postgres, postgres-init, keycloak, keycloak-sync, postgrest, traefik.\n')
  })
})

describe('sparkbaas restart', () => {
  test('restart [service…]', async () => {
    const s = await stackFixture()
    expect((await s.run(['restart'])).stdout).toBe('✔ Restarted every service of demo\n')
    expect((await s.run(['restart', 'keycloak'])).stdout).toBe('✔ Restarted keycloak\n')
    expect(s.fake.calls().filter((call) => call !== VERSION_CALL && call.includes('restart'))).toEqual([
      [...s.compose, 'restart'],
      [...s.compose, 'restart', 'keycloak'],
    ])
  })
})

test('a failing compose call: its output, then the command that ran and its exit code (in --json, with the output)', async () => {
  const s = await stackFixture()
  const command = '`docker compose -p demo -f <tmp>/generated/docker-compose.yml --env-file <tmp>/generated/.env restart`'
  const result = await s.run(['restart'], { FAKE_DOCKER_SCENARIO: 'broken' })
  expect(result.code).toBe(1)
  expect(result.stderr).toBe(
    ['validating <tmp>/generated/docker-compose.yml: services.web.image must be a string', `✖ ${command} failed with exit code 15.`, ''].join('\n'),
  )
  const json = await s.run(['restart', '--json'], { FAKE_DOCKER_SCENARIO: 'broken' })
  expect(json.code).toBe(1)
  expect(json.stderr).toBe('')
  expect(JSON.parse(json.stdout)).toEqual({
    ok: false,
    problems: [
      {
        path: '',
        code: 'engine_failed',
        message: `${command} failed with exit code 15:\n  validating <tmp>/generated/docker-compose.yml: services.web.image must be a string`,
      },
    ],
  })
})

describe('sparkbaas exec', () => {
  test('everything after -- is the command; -T without a terminal; its exit code is passed back', async () => {
    const s = await stackFixture()
    const result = await s.run(['exec', 'postgres', '--', 'psql', '-U', 'postgres', '-c', 'select 1', '--json'], { FAKE_EXEC_EXIT: '3' })
    expect(result.code).toBe(3)
    expect(result.stdout).toBe('ran: -T postgres psql -U postgres -c select 1 --json\n')
    expect(result.stderr).toBe('')
    expect(s.fake.calls().at(-1)).toEqual([...s.compose, 'exec', '-T', 'postgres', 'psql', '-U', 'postgres', '-c', 'select 1', '--json'])
  })

  test('--json captures the output and the exit code', async () => {
    const s = await stackFixture()
    const result = await s.run(['exec', 'postgres', '--json', '--', 'true'])
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual({ ok: true, exitCode: 0, stdout: 'ran: -T postgres true\n', stderr: '' })
  })

  test('a missing command or service is a usage error', async () => {
    const s = await stackFixture()
    const noCommand = await s.run(['exec', 'postgres'])
    expect(noCommand.code).toBe(2)
    expect(noCommand.stderr).toBe('✖ exec needs the command to run after `--`.\nhint: For example: `sparkbaas exec postgres -- psql -U postgres`.\n')
    const noService = await s.run(['exec', '--', 'psql'])
    expect(noService.code).toBe(2)
    expect(noService.stderr).toBe('✖ exec needs the service before `--`.\nhint: For example: `sparkbaas exec postgres -- psql -U postgres`.\n')
    expect(s.fake.calls()).toEqual([])
  })
})
