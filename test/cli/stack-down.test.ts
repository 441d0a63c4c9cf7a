/** `sparkbaas down`: keeps the data unless both --volumes and --yes are given; never a prompt. */
import { rmSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { stackFixture, VERSION_CALL } from '../helpers/stack.js'

describe('sparkbaas down', () => {
  test('removes containers and networks, keeps the volumes: compose down without -v', async () => {
    const s = await stackFixture()
    const result = await s.run(['down'])
    expect(result.code).toBe(0)
    expect(s.fake.calls()).toEqual([VERSION_CALL, [...s.compose, 'down', '--remove-orphans']])
    expect(result.stdout).toBe('✔ demo is down: containers and networks removed, volume demo_pgdata kept\n')
    expect(result.stderr).toBe(' Container demo-postgres-1  Removed\n')
  })

  test('--volumes without --yes refuses (exit 2), naming what would be deleted, and runs nothing', async () => {
    const s = await stackFixture()
    for (const args of [['down', '--volumes'], ['down', '--volumes', '--no-yes']]) {
      const result = await s.run(args)
      expect(result.code).toBe(2)
      expect(result.stdout).toBe('')
      expect(result.stderr).toBe(
        [
          "✖ --volumes deletes the stack's data for good (1 volume):",
          "  demo_pgdata: every Postgres database, Keycloak's realms and users included",
          'hint: Add --yes to delete it: `sparkbaas down --volumes --yes`. Plain `sparkbaas down` keeps the data.',
          '',
        ].join('\n'),
      )
    }
    expect(s.fake.calls()).toEqual([])
  })

  test('--volumes --yes deletes them; --yes alone changes nothing', async () => {
    const s = await stackFixture()
    const result = await s.run(['down', '--volumes', '--yes'])
    expect(result.code).toBe(0)
    expect(result.stdout).toBe('✔ demo is down: containers, networks and volume demo_pgdata deleted\n')
    expect((await s.run(['down', '-y'])).code).toBe(0)
    expect(s.fake.calls().filter((call) => call.includes('down'))).toEqual([
      [...s.compose, 'down', '--remove-orphans', '--volumes'],
      [...s.compose, 'down', '--remove-orphans'],
    ])
  })

  test('--json', async () => {
    const s = await stackFixture()
    const result = await s.run(['down', '--json'])
    expect(result.stderr).toBe('')
    expect(JSON.parse(result.stdout)).toEqual({ ok: true, project: 'demo', volumesDeleted: [], volumesKept: ['demo_pgdata'] })
    const refused = await s.run(['down', '--volumes', '--json'])
    expect(refused.code).toBe(2)
    expect(JSON.parse(refused.stdout)).toEqual({
      ok: false,
      problems: [{ path: 'demo_pgdata', code: 'confirmation_required', message: "every Postgres database, Keycloak's realms and users included" }],
    })
  })

  test('daemon down: compose\'s message, then ours; exit 4', async () => {
    const s = await stackFixture()
    const down = await s.run(['down'], { FAKE_DOCKER_SCENARIO: 'daemon-down' })
    expect(down.code).toBe(4)
    // Compose's own output is streamed first, then the explanation.
    expect(down.stderr).toBe(
      [
        'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?',
        '✖ docker compose is installed, but the Docker engine is not running (cannot connect to it).',
        'hint: Start Docker Desktop (macOS, Windows) or the service (Linux: `sudo systemctl start docker`); `docker info` checks it.',
        '',
      ].join('\n'),
    )
  })

  test('without generated output it says so (exit 1)', async () => {
    const s = await stackFixture()
    rmSync(s.out, { recursive: true })
    const result = await s.run(['down'])
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(
      [
        '✖ generated/docker-compose.yml does not exist: the stack has not been generated there.',
        'hint: Run `sparkbaas up` (it generates first) or `sparkbaas generate`.',
        '',
      ].join('\n'),
    )
  })
})
