/** The one compose command line, and the file names it shares with the generator. */
import { expect, test } from 'vitest'
import { composeArgv, daemonError } from '../../src/engine/compose.js'
import type { Engine } from '../../src/engine/detect.js'
import type { ProcessResult } from '../../src/engine/process.js'

const docker: Engine = { command: ['docker', 'compose'], name: 'docker compose', version: '2.29.1', runtime: 'docker' }
const podman: Engine = { command: ['podman-compose'], name: 'podman-compose', version: '1.0.6', runtime: 'podman' }

test('every call: engine, -p project, -f compose file, --env-file .env, then the subcommand', () => {
  expect(composeArgv(docker, { project: 'acme', outDir: '/srv/acme/generated' }, ['up', '-d'])).toEqual([
    'docker', 'compose', '-p', 'acme', '-f', '/srv/acme/generated/docker-compose.yml', '--env-file', '/srv/acme/generated/.env', 'up', '-d',
  ])
  expect(composeArgv(podman, { project: 'acme', outDir: '/o' }, ['ps'])).toEqual(['podman-compose', '-p', 'acme', '-f', '/o/docker-compose.yml', '--env-file', '/o/.env', 'ps'])
})

const failed = (stderr: string): ProcessResult => ({ argv: ['docker'], exitCode: 1, stdout: '', stderr, spawnError: undefined, shown: true, cause: undefined })

test('daemon errors: Docker down (exit 4), permission denied, Podman down; anything else is not one', () => {
  const down = daemonError(docker, failed('Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?'))
  expect(down).toMatchObject({ code: 'daemon_down', exitCode: 4 })
  expect(daemonError(docker, failed('permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock'))?.message).toBe(
    'docker compose is installed, but you may not use the Docker daemon (permission denied on its socket).',
  )
  expect(daemonError(podman, failed('Error: Cannot connect to Podman. Please verify your connection to the Linux system'))?.hint).toMatch(/^Start it: `podman machine start`/)
  expect(daemonError(docker, failed('no such service: web'))).toBeUndefined()
})
