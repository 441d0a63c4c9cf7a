/** Engine detection against fake docker / podman / docker-compose executables (in-process, PATH stubbed). */
import { afterEach, describe, expect, test, vi } from 'vitest'
import { detectEngine } from '../../src/engine/detect.js'
import { SparkbaasError } from '../../src/errors.js'
import { fakeDocker, type FakeName } from '../helpers/fake-docker.js'

const removals: (() => void)[] = []
afterEach(() => {
  vi.unstubAllEnvs()
  for (const remove of removals.splice(0)) remove()
})

function onPath(names: FakeName[], scenario = 'ok') {
  const fake = fakeDocker(names)
  removals.push(fake.remove)
  for (const [key, value] of Object.entries(fake.env({ FAKE_DOCKER_SCENARIO: scenario, SPARKBAAS_COMPOSE: '' }))) vi.stubEnv(key, value)
  return fake
}

async function failure(promise: Promise<unknown>): Promise<SparkbaasError> {
  const error = await promise.then(() => undefined, (e: unknown) => e)
  expect(error).toBeInstanceOf(SparkbaasError)
  return error as SparkbaasError
}

describe('detectEngine', () => {
  test('docker compose v2 first, with its version', async () => {
    const fake = onPath(['docker', 'podman'])
    expect(await detectEngine()).toEqual({ command: ['docker', 'compose'], name: 'docker compose', version: '2.29.1', runtime: 'docker' })
    expect(fake.calls()).toEqual([['docker', 'compose', 'version']])
  })

  test('then podman compose, then podman-compose', async () => {
    const fake = onPath(['docker', 'podman', 'podman-compose'], 'no-compose')
    expect(await detectEngine()).toMatchObject({ command: ['podman', 'compose'], runtime: 'podman' })
    expect(fake.calls()).toEqual([['docker', 'compose', 'version'], ['podman', 'compose', 'version']])
    vi.unstubAllEnvs()
    onPath(['docker', 'podman-compose'], 'no-compose')
    expect(await detectEngine()).toEqual({ command: ['podman-compose'], name: 'podman-compose', version: '1.0.6', runtime: 'podman' })
  })

  test('a standalone docker-compose v2 is fine; v1 is refused with the reason (exit 3)', async () => {
    onPath(['docker', 'docker-compose'], 'no-compose')
    expect(await detectEngine()).toMatchObject({ command: ['docker-compose'], version: '2.29.1' })
    vi.unstubAllEnvs()
    onPath(['docker', 'docker-compose'], 'v1-only')
    const error = await failure(detectEngine())
    expect(error.code).toBe('engine_missing')
    expect(error.exitCode).toBe(3)
    expect(error.message).toMatch(/^Only Compose v1 \(docker-compose 1\.29\.2\) was found\./)
  })

  test('SPARKBAAS_COMPOSE replaces the search, split on spaces; a broken one is named', async () => {
    const fake = onPath(['docker', 'podman'])
    expect(await detectEngine({ SPARKBAAS_COMPOSE: ' podman  compose ' })).toEqual({
      command: ['podman', 'compose'],
      name: 'podman compose',
      version: '2.29.1',
      runtime: 'podman',
    })
    expect(fake.calls()).toEqual([['podman', 'compose', 'version']])
    const error = await failure(detectEngine({ SPARKBAAS_COMPOSE: 'nerdctl compose' }))
    expect(error.message).toBe('SPARKBAAS_COMPOSE="nerdctl compose" cannot be used: nerdctl is not on PATH.')
    expect(error.hint).toBe('Fix or unset SPARKBAAS_COMPOSE; without it sparkbaas looks for docker compose, then podman.')
    expect(error.exitCode).toBe(3)
  })

  test('an override that fails its probe says why', async () => {
    onPath(['docker'], 'no-compose')
    const error = await failure(detectEngine({ SPARKBAAS_COMPOSE: 'docker compose' }))
    expect(error.message).toBe('SPARKBAAS_COMPOSE="docker compose" cannot be used: docker is on PATH, but its compose plugin is not installed.')
  })
})
