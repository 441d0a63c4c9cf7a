/** Reading `compose ps --format json`: one object per line (v2.21+) or one array (older v2). */
import { expect, test } from 'vitest'
import { formatPort, isFailing, parsePs } from '../../src/engine/ps.js'
import { byService } from '../../src/stack/status.js'

const row = {
  Name: 'acme-postgres-1',
  Service: 'postgres',
  State: 'running',
  Health: 'healthy',
  ExitCode: 0,
  Publishers: [
    { URL: '127.0.0.1', TargetPort: 5432, PublishedPort: 5432, Protocol: 'tcp' },
    { URL: '', TargetPort: 8080, PublishedPort: 0, Protocol: 'tcp' },
  ],
}
const expected = {
  name: 'acme-postgres-1',
  service: 'postgres',
  state: 'running',
  health: 'healthy',
  exitCode: 0,
  ports: [{ host: '127.0.0.1', published: 5432, target: 5432, protocol: 'tcp' }],
}

test('JSON lines and a JSON array read the same; unpublished ports are left out', () => {
  const other = { ...row, Name: 'acme-traefik-1', Service: 'traefik', Health: '', Publishers: null }
  const lines = `${JSON.stringify(row)}\n${JSON.stringify(other)}\n`
  const parsed = parsePs(lines)
  expect(parsed[0]).toEqual(expected)
  expect(parsed[1]).toMatchObject({ service: 'traefik', health: null, ports: [] })
  expect(parsePs(JSON.stringify([row, other]))).toEqual(parsed)
  expect(parsePs('')).toEqual([])
  expect(parsePs('[]\n')).toEqual([])
})

test('output that is not JSON is an engine error naming it', () => {
  expect(() => parsePs('NAME  IMAGE\n')).toThrow('Could not read the output of `compose ps --format json`: NAME  IMAGE')
})

test('failing states, and ports printed like docker ps', () => {
  expect(isFailing(expected)).toBe(false)
  for (const change of [{ state: 'exited' }, { state: 'restarting' }, { health: 'unhealthy' }, { health: 'starting' }]) {
    expect(isFailing({ ...expected, ...change })).toBe(true)
  }
  expect(formatPort({ host: '127.0.0.1', published: 5432, target: 5432, protocol: 'tcp' })).toBe('127.0.0.1:5432->5432/tcp')
  expect(formatPort({ host: '0.0.0.0', published: 8080, target: 80, protocol: 'tcp' })).toBe('8080->80/tcp')
  expect(formatPort({ host: '::1', published: 8080, target: 80, protocol: 'udp' })).toBe('[::1]:8080->80/udp')
})

test('status per service: model order, "not created", replicas merged, orphans last', () => {
  const worker = (n: number, state: string) => ({ ...expected, name: `acme-spark-w-${n}`, service: 'spark-w', state, health: null, ports: [] })
  const orphan = { ...expected, name: 'acme-old-1', service: 'old', ports: [] }
  expect(byService(['postgres', 'keycloak', 'spark-w'], [orphan, worker(1, 'running'), worker(2, 'exited'), expected])).toEqual([
    { name: 'postgres', state: 'running', health: 'healthy', ports: expected.ports },
    { name: 'keycloak', state: 'not created', health: null, ports: [] },
    { name: 'spark-w', state: 'exited, running', health: null, ports: [] },
    { name: 'old', state: 'running', health: 'healthy', ports: [] },
  ])
})

test('a one-shot job (postgres-init, keycloak-sync) is done when it exited with code 0, failing with any other code', () => {
  const job = { ...expected, name: 'acme-postgres-init-1', service: 'postgres-init', state: 'exited', health: null, ports: [] }
  expect(isFailing(job, true)).toBe(false)
  expect(isFailing({ ...job, exitCode: 3 }, true)).toBe(true)
  expect(isFailing({ ...job, state: 'running' }, true)).toBe(false)
  // The same exit from a long-running service is a failure.
  expect(isFailing(job)).toBe(true)
  expect(byService(['postgres-init', 'keycloak-sync'], [job, { ...job, name: 'acme-keycloak-sync-1', service: 'keycloak-sync', exitCode: 1 }], new Set(['postgres-init', 'keycloak-sync']))).toEqual([
    { name: 'postgres-init', state: 'completed', health: null, ports: [] },
    { name: 'keycloak-sync', state: 'exited', health: null, ports: [] },
  ])
})
