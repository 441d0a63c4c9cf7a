/**
 * A generated stack whose `postgres` service is a real, throwaway local PostgreSQL: the fake docker forwards
 * `compose exec postgres <pg program> …` to the local binaries (see FAKE_DOCKER_PG in fake-docker.ts). The cluster
 * is initialised the way the official image does it: the generated `postgres/init/*.sql`, sorted, each under
 * `psql -v ON_ERROR_STOP=1` as `postgres` over the socket, with the postgres service's environment from the
 * generated compose file and `.env`. So backup, restore and migrations run for real on what `generate` wrote.
 *
 * Skip a suite when `findPostgres()` finds no binaries; `.ci/run` installs them, so CI never skips.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, expect } from 'vitest'
import { parse } from 'yaml'
import { parseDotenv, dotenvValues } from '../../src/write/dotenv.js'
import { psLine } from './fake-docker.js'
import { startPostgres, type PostgresBinaries, type PostgresServer, type PsqlResult } from './postgres.js'
import { stackFixture, STACK_CONFIG, type StackFixture } from './stack.js'

export { findPostgres } from './postgres.js'

export interface PgStack extends StackFixture {
  readonly pg: PostgresServer
  /** FAKE_DOCKER_* settings under which the stack is "up" and `exec postgres` reaches the cluster. */
  readonly pgEnv: Record<string, string>
  /** psql as the superuser over the socket, `-X -qAt -v ON_ERROR_STOP=1`, one `-c` per statement; throws on failure. */
  sql(database: string, ...statements: string[]): Promise<string>
}

const stops: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop()
})

/**
 * The postgres-init service's environment as compose would hand it to the container (`${VAR:?…}` read from
 * `.env`), without libpq's connection settings (`PGHOST=postgres`…): the caller points psql at its own cluster.
 */
export function postgresContainerEnv(out: string): Record<string, string> {
  const compose = parse(readFileSync(join(out, 'docker-compose.yml'), 'utf8')) as { services: Record<string, { environment?: Record<string, string> }> }
  const values = dotenvValues(parseDotenv(readFileSync(join(out, '.env'), 'utf8')))
  const env: Record<string, string> = {}
  for (const [key, raw] of Object.entries(compose.services['postgres-init']?.environment ?? {})) {
    if (/^PG(HOST|PORT|USER|DATABASE|PASSWORD|CONNECT_TIMEOUT)$/.test(key)) continue
    env[key] = String(raw)
      .replace(/\$\{([A-Z0-9_]+)(?::\?[^}]*)?\}/g, (_, name: string) => {
        const value = values.get(name)
        if (value === undefined) throw new Error(`${name} is not in .env`)
        return value
      })
      .replaceAll('$$', '$')
  }
  return env
}

const failed = (r: PsqlResult) => `exit ${r.exitCode}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`

export async function pgStack(bin: PostgresBinaries, options: { config?: object } = {}): Promise<PgStack> {
  const stack = await stackFixture({ config: options.config ?? STACK_CONFIG })
  const pg = await startPostgres(bin)
  stops.push(() => pg.stop())

  // The image's entrypoint: every init file in order, as postgres, stopping at the first error.
  const env = postgresContainerEnv(stack.out)
  const initDir = join(stack.out, 'postgres/init')
  const work = join(pg.workDir, 'initdb.d')
  mkdirSync(work)
  for (const file of readdirSync(initDir).sort()) {
    writeFileSync(join(work, file), readFileSync(join(initDir, file)))
    const result = await pg.psql(['-v', 'ON_ERROR_STOP=1', '--no-psqlrc', '--username', 'postgres', '--dbname', 'postgres', '-f', join(work, file)], { env })
    expect(result.exitCode, `${file}: ${failed(result)}`).toBe(0)
  }

  const project = (options.config as { project?: string } | undefined)?.project ?? STACK_CONFIG.project
  const ps = ['postgres', 'keycloak', 'postgrest', 'traefik'].map((s) => psLine(project, s)).join('\n') + '\n'
  const pgEnv = {
    FAKE_DOCKER_PG: JSON.stringify({ bindir: bin.bindir, host: pg.socketDir, port: pg.port }),
    FAKE_DOCKER_PS: ps,
  }
  // The stack is "up" for the fake's `ps` (its state file exists).
  writeFileSync(stack.fake.env().FAKE_DOCKER_STATE!, 'up')

  return {
    ...stack,
    pg,
    pgEnv,
    run: (args, extra = {}) => stack.run(args, { ...pgEnv, ...extra }),
    async sql(database, ...statements) {
      const result = await pg.psql(['-X', '-qAt', '-v', 'ON_ERROR_STOP=1', '--username', 'postgres', '--dbname', database, ...statements.flatMap((s) => ['-c', s])])
      if (result.exitCode !== 0) throw new Error(`psql on ${database} failed: ${failed(result)}`)
      return result.stdout.trim()
    },
  }
}
