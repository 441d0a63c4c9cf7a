/**
 * A throwaway PostgreSQL cluster for tests: `initdb` in a temp dir, `pg_ctl start` on a free port, listening on
 * 127.0.0.1 (scram-sha-256, superuser `postgres` with a password) and on a Unix socket inside the temp dir (trust,
 * like the official image's init phase). initdb and postgres refuse to run as root, so as root (CI) the server
 * runs as the `postgres` system user (or `nobody`) through runuser; the client, psql, runs as the caller.
 *
 * Use `findPostgres()` at module load to skip a suite cleanly when no server binaries exist; `.ci/run` installs
 * them, so CI never skips.
 */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { appendFileSync, chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execa } from 'execa'

/** The oldest server whose psql has `\getenv`, which the generated init SQL needs. */
const MIN_MAJOR = 15

export interface PostgresBinaries {
  readonly bindir: string
  readonly major: number
}

export type FindResult = { readonly found: true; readonly bin: PostgresBinaries } | { readonly found: false; readonly reason: string }

const hasServer = (bindir: string) => ['initdb', 'pg_ctl', 'postgres', 'psql'].every((b) => existsSync(join(bindir, b)))

function majorOf(bindir: string): number {
  // "initdb (PostgreSQL) 15.18 (Debian …)"
  const out = execFileSync(join(bindir, 'initdb'), ['--version'], { encoding: 'utf8' })
  return Number(/\(PostgreSQL\)\s+(\d+)/.exec(out)?.[1] ?? NaN)
}

/** Finds server binaries: the highest `/usr/lib/postgresql/<major>/bin`, else `pg_config --bindir`. */
export function findPostgres(): FindResult {
  const candidates: string[] = []
  const root = '/usr/lib/postgresql'
  if (existsSync(root)) {
    const majors = readdirSync(root)
      .filter((d) => /^\d+$/.test(d))
      .sort((a, b) => Number(b) - Number(a))
    candidates.push(...majors.map((m) => join(root, m, 'bin')))
  }
  try {
    candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim())
  } catch {
    // no pg_config on PATH
  }
  const tried: string[] = []
  for (const bindir of candidates) {
    if (!hasServer(bindir)) {
      tried.push(`${bindir} (no initdb/pg_ctl/postgres/psql)`)
      continue
    }
    const major = majorOf(bindir)
    if (major >= MIN_MAJOR) return { found: true, bin: { bindir, major } }
    tried.push(`${bindir} (PostgreSQL ${major}, need ${MIN_MAJOR}+)`)
  }
  return {
    found: false,
    reason: `no PostgreSQL ${MIN_MAJOR}+ server binaries found (looked in /usr/lib/postgresql/*/bin and pg_config --bindir${
      tried.length > 0 ? `: ${tried.join(', ')}` : ''
    }); install them with \`apt-get install -y postgresql\``,
  }
}

export interface PsqlResult {
  readonly exitCode: number
  readonly stdout: string
  readonly stderr: string
}

export interface PsqlOptions {
  /** Extra environment (on top of a clean one: no PG* variables of the caller leak in). */
  readonly env?: Readonly<Record<string, string>>
  /** Text fed to psql's stdin. */
  readonly input?: string
}

export interface PostgresServer {
  readonly port: number
  /** Directory holding the server's Unix socket; the default `PGHOST` of `psql()`. */
  readonly socketDir: string
  /** The superuser's password, for TCP logins as `postgres`. */
  readonly superuserPassword: string
  readonly major: number
  /** A scratch directory the caller may write to (psql, running as the caller, reads files from it). */
  readonly workDir: string
  /** Runs the cluster's psql with `PGHOST`/`PGPORT` pointing at the socket; never throws on a non-zero exit. */
  psql(args: readonly string[], options?: PsqlOptions): Promise<PsqlResult>
  stop(): Promise<void>
}

/** The caller's environment without libpq's PG* variables, so nothing from the host redirects a test. */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('PG') && key !== 'PSQLRC') env[key] = value
  }
  return env
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

/** As root: the unprivileged account the server runs as. */
function serverAccount(): { user: string; uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined
  for (const user of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim())
      const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim())
      return { user, uid, gid }
    } catch {
      // no such user
    }
  }
  throw new Error('running as root, but neither a "postgres" nor a "nobody" user exists to run the server as')
}

/** Starts a fresh cluster. Call `stop()` when done (an afterAll). */
export async function startPostgres(bin: PostgresBinaries): Promise<PostgresServer> {
  const account = serverAccount()
  const base = mkdtempSync(join(tmpdir(), 'sparkbaas-pg-'))
  const dataDir = join(base, 'data')
  const socketDir = join(base, 'socket')
  const workDir = join(base, 'work')
  const pwFile = join(base, 'superuser.pw')
  const logFile = join(base, 'server.log')
  const superuserPassword = randomBytes(18).toString('base64url')

  // The server user owns base/ (data dir, socket dir, log); the caller owns work/.
  mkdirSync(socketDir)
  mkdirSync(workDir)
  writeFileSync(pwFile, `${superuserPassword}\n`, { mode: 0o600 })
  if (account) {
    for (const path of [base, socketDir, pwFile]) chownSync(path, account.uid, account.gid)
    chmodSync(base, 0o755)
  }

  /** Runs a server-side binary as the server account. */
  const asServer = (cmd: string, args: readonly string[]) => {
    const file = join(bin.bindir, cmd)
    return account
      ? execa('runuser', ['-u', account.user, '--', file, ...args], { env: cleanEnv(), extendEnv: false, reject: false, cwd: base })
      : execa(file, args, { env: cleanEnv(), extendEnv: false, reject: false, cwd: base })
  }
  const must = async (what: string, run: ReturnType<typeof asServer>) => {
    const result = await run
    if (result.exitCode !== 0) {
      throw new Error(`${what} failed (exit ${result.exitCode}):\n${result.stdout}\n${result.stderr}`)
    }
  }

  try {
    await must(
      'initdb',
      asServer('initdb', [
        '-D', dataDir,
        '--username=postgres',
        `--pwfile=${pwFile}`,
        '--auth-local=trust',
        '--auth-host=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
        '--no-sync',
      ]),
    )
    let port = 0
    // A port found free can be taken before the server binds it; try a few.
    for (let attempt = 1; ; attempt++) {
      port = await freePort()
      const conf = [
        `port = ${port}`,
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${socketDir}'`,
        'fsync = off',
        'synchronous_commit = off',
        'full_page_writes = off',
        "password_encryption = 'scram-sha-256'",
        '',
      ].join('\n')
      appendFileSync(join(dataDir, 'postgresql.conf'), conf)
      const started = await asServer('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', '30', 'start'])
      if (started.exitCode === 0) break
      if (attempt >= 3) {
        const log = existsSync(logFile) ? execFileSync('tail', ['-n', '30', logFile], { encoding: 'utf8' }) : ''
        throw new Error(`pg_ctl start failed (exit ${started.exitCode}):\n${started.stdout}\n${started.stderr}\n${log}`)
      }
    }

    let stopped = false
    return {
      port,
      socketDir,
      superuserPassword,
      major: bin.major,
      workDir,
      async psql(args, options = {}) {
        const result = await execa(join(bin.bindir, 'psql'), [...args], {
          env: { ...cleanEnv(), PGHOST: socketDir, PGPORT: String(port), PGCONNECT_TIMEOUT: '10', ...options.env },
          extendEnv: false,
          reject: false,
          ...(options.input === undefined ? { stdin: 'ignore' as const } : { input: options.input }),
        })
        return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) }
      },
      async stop() {
        if (stopped) return
        stopped = true
        await asServer('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop'])
        rmSync(base, { recursive: true, force: true })
      },
    }
  } catch (error) {
    await asServer('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop'])
    rmSync(base, { recursive: true, force: true })
    throw error
  }
}
