/**
 * A generated stack in a temp folder plus a fake docker, for the tests of up/down/status/logs/restart/exec, which
 * run the built CLI (`npm run build` first) as a child process with only the fakes on PATH.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { afterEach, expect } from 'vitest'
import { generate } from '../../src/generate.js'
import { sparkbaas, STACK_LINE, tempDir, type CliResult } from './cli.js'
import { fakeDocker, type FakeDocker, type FakeName } from './fake-docker.js'

/** Postgres published, an API realm, routes to PostgREST and Keycloak: services postgres, keycloak, postgrest, traefik. */
export const STACK_CONFIG = {
  project: 'demo',
  postgres: { exposePort: 5432 },
  api: { realm: 'main' },
  realms: [{ name: 'main', roles: ['user'], clients: [{ id: 'web', type: 'public' }, { id: 'cli', type: 'public' }] }],
  routes: [
    { host: 'api', path: '/rest', to: 'api', stripPrefix: true },
    { host: 'auth', to: 'keycloak' },
  ],
}

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
})

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen({ port: 0, host: '127.0.0.1' }, () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/** Holds `port` on 0.0.0.0 until the test ends. */
export function holdPort(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen({ port, host: '0.0.0.0' }, () => {
      cleanups.push(() => server.close())
      resolve()
    })
  })
}

export interface StackFixture {
  /** The project folder (realpath); `<tmp>` in normalized output. */
  readonly dir: string
  readonly out: string
  readonly fake: FakeDocker
  readonly httpPort: number
  readonly postgresPort: number
  /** `docker compose -p demo -f <out>/docker-compose.yml --env-file <out>/.env` */
  readonly compose: string[]
  /** Runs the built CLI in `dir` with the fakes on PATH; `env` adds FAKE_DOCKER_* settings. */
  run(args: string[], env?: Record<string, string>): Promise<CliResult>
  /** The value of a key in the generated .env. */
  envValue(key: string): string
  writeConfig(config: object): void
}

export async function stackFixture(options: { fakes?: FakeName[]; generate?: boolean; config?: object } = {}): Promise<StackFixture> {
  const dir = await tempDir()
  const fake = fakeDocker(options.fakes)
  cleanups.push(() => {
    rmSync(dir, { recursive: true, force: true })
    fake.remove()
  })
  const out = join(dir, 'generated')
  const httpPort = await freePort()
  const postgresPort = await freePort()
  // Port 80 may be taken or privileged here: move it, as a user would, in the config (unless the test sets ports).
  const writeConfig = (config: object) =>
    writeFileSync(join(dir, 'sparkbaas.config.json'), `${JSON.stringify({ ports: { http: httpPort }, ...config }, null, 2)}\n`)
  writeConfig(options.config ?? STACK_CONFIG)
  if (options.generate !== false) {
    await generate({ cwd: dir })
    // Likewise 5432, in .env.
    const envFile = join(out, '.env')
    const text = readFileSync(envFile, 'utf8')
    writeFileSync(envFile, text.replace(/^POSTGRES_HOST_PORT=.*$/m, `POSTGRES_HOST_PORT=${postgresPort}`))
  }
  return {
    dir,
    out,
    fake,
    httpPort,
    postgresPort,
    compose: ['docker', 'compose', '-p', 'demo', '-f', join(out, 'docker-compose.yml'), '--env-file', join(out, '.env')],
    run: async (args, env = {}) => {
      // Compose lets the shell override .env; the shell running the tests must not.
      const clean = { SPARKBAAS_COMPOSE: undefined, HTTP_PORT: undefined, POSTGRES_HOST_PORT: undefined, KC_BOOTSTRAP_ADMIN_USERNAME: undefined }
      const result = await sparkbaas(args, { cwd: dir, tmp: dir, env: { ...clean, ...fake.env(env) } })
      // No command may print a stack trace for a condition the user can fix.
      expect(result.raw.stderr).not.toMatch(STACK_LINE)
      expect(result.raw.stdout).not.toMatch(STACK_LINE)
      return result
    },
    envValue: (key) => new RegExp(`^${key}=(.*)$`, 'm').exec(readFileSync(join(out, '.env'), 'utf8'))?.[1] ?? '',
    writeConfig,
  }
}

/** The version probe every command that needs the engine starts with. */
export const VERSION_CALL = ['docker', 'compose', 'version']
