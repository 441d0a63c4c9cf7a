/**
 * A project with functions in a temp folder (config, function sources, optionally generated) plus a fake docker,
 * for the `sparkbaas function …` tests, which run the built CLI (`npm run build` first) as a child process.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { afterEach, expect } from 'vitest'
import { generate } from '../../src/generate.js'
import { sparkbaas, STACK_LINE, tempDir, type CliResult } from '../helpers/cli.js'
import { fakeDocker, type FakeDocker } from '../helpers/fake-docker.js'

/**
 * Four functions: `hello` (routed, with env), `echo` (two routes), `secret` (routed with auth), `internal` (not
 * routed; 404 for /missing, else what it received).
 */
export const CONFIG = {
  project: 'demo',
  realms: [{ name: 'main', roles: ['user', 'admin'], clients: [{ id: 'web', type: 'public' }] }],
  functions: [
    { name: 'hello', source: './functions/hello', env: { GREETING: 'Hi', MOOD: 'fine' } },
    { name: 'echo', source: './functions/echo', timeoutMs: 3000 },
    { name: 'secret', source: './functions/secret' },
    { name: 'internal', source: './functions/internal' },
  ],
  routes: [
    { host: 'api', path: '/fn/hello', to: { function: 'hello' }, stripPrefix: true },
    { host: 'api', path: '/echo', to: { function: 'echo' } },
    { host: 'echo', to: { function: 'echo' } },
    { host: 'api', path: '/secret', to: { function: 'secret' }, stripPrefix: true, auth: { realm: 'main', roles: ['user', 'admin'] } },
    { host: 'auth', to: 'keycloak' },
  ],
}

export const SOURCES: Readonly<Record<string, string>> = {
  'functions/hello/index.ts': "export default (request: Request) => ({ message: `${process.env.GREETING}, ${new URL(request.url).searchParams.get('name') ?? 'world'}!` })\n",
  'functions/echo/index.ts': [
    'export default async (request: Request) => {',
    '  const url = new URL(request.url)',
    '  return { method: request.method, path: url.pathname, query: url.search, type: request.headers.get("content-type"), extra: request.headers.get("x-extra"), body: await request.text() }',
    '}',
    '',
  ].join('\n'),
  'functions/secret/index.ts': 'export default () => new Response("nope", { status: 418, statusText: "I\'m a teapot" })\n',
  'functions/internal/index.mjs': [
    'export default async (request) => {',
    '  const url = new URL(request.url)',
    "  if (url.pathname === '/missing') return new Response('{\"error\":\"no such thing\"}', { status: 404 })",
    '  return { internal: true, method: request.method, path: url.pathname + url.search, type: request.headers.get("content-type"), body: await request.text() }',
    '}',
    '',
  ].join('\n'),
}

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
})

export interface Project {
  readonly dir: string
  readonly out: string
  readonly fake: FakeDocker
  /** `docker compose -p demo -f <out>/docker-compose.yml --env-file <out>/.env` */
  readonly compose: string[]
  run(args: string[], env?: Record<string, string>): Promise<CliResult>
  write(path: string, contents: string): void
  /** Sets `ports` in the config, as a user moves Traefik's host ports. */
  setPorts(ports: { http?: number; https?: number }): void
}

export async function project(options: { config?: object; generate?: boolean } = {}): Promise<Project> {
  const dir = await tempDir()
  const fake = fakeDocker()
  cleanups.push(() => {
    rmSync(dir, { recursive: true, force: true })
    fake.remove()
  })
  const write = (path: string, contents: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), contents)
  }
  write('sparkbaas.config.json', `${JSON.stringify(options.config ?? CONFIG, null, 2)}\n`)
  for (const [path, contents] of Object.entries(SOURCES)) write(path, contents)
  const out = join(dir, 'generated')
  if (options.generate !== false) await generate({ cwd: dir })
  return {
    dir,
    out,
    fake,
    compose: ['docker', 'compose', '-p', 'demo', '-f', join(out, 'docker-compose.yml'), '--env-file', join(out, '.env')],
    run: async (args, env = {}) => {
      // Compose lets the shell override .env; the shell running the tests must not.
      const clean = { SPARKBAAS_COMPOSE: undefined, HTTP_PORT: undefined, HTTPS_PORT: undefined }
      const result = await sparkbaas(args, { cwd: dir, tmp: dir, env: { ...clean, ...fake.env(env) } })
      expect(result.raw.stderr).not.toMatch(STACK_LINE)
      expect(result.raw.stdout).not.toMatch(STACK_LINE)
      return result
    },
    write,
    setPorts: (ports) => {
      const file = join(dir, 'sparkbaas.config.json')
      const config = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
      writeFileSync(file, `${JSON.stringify({ ...config, ports }, null, 2)}\n`)
    },
  }
}
