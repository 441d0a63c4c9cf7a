/**
 * The Kubernetes target's migrations Job for real, as far as this machine goes: `sparkbaas generate --target
 * kubernetes` writes k8s/migrations.yaml; `kubectl kustomize` builds the manifests as `kubectl apply -k` would send
 * them; the Job's ConfigMaps are laid out as its projected volume would mount them,
 * and the Job's own container arguments and (non-secret) environment run the cluster's psql against a throwaway
 * PostgreSQL initialised with the generated init SQL (test/helpers/pg-stack.ts), over TCP with the superuser's
 * password, as the pod does. No cluster runs here: the pod, its volume and its Secret are what this stands in for.
 * `sparkbaas migrate status|up` (the compose path) runs beside it on the same database, so the two agree.
 * The psql here is this machine's (PostgreSQL 15 binaries, FACTS.md); the Job runs the postgres image's (17): the
 * meta-commands the script uses (\connect, \gset, \if, \ir, \echo) are older than both.
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { kustomizeBuild } from '../helpers/kubernetes/kustomize.js'
import { findPostgres, pgStack, type PgStack } from '../helpers/pg-stack.js'
import type { PsqlResult } from '../helpers/postgres.js'

const found = findPostgres()
if (!found.found) console.warn(`[script.live.test] skipped: ${found.reason}`)

const TIMEOUT = 120_000

interface KubeDoc {
  kind: string
  metadata: { name: string }
  data?: Record<string, string>
  binaryData?: Record<string, string>
  spec?: {
    template: {
      spec: {
        containers: { args: string[]; env: { name: string; value?: string }[]; volumeMounts: { mountPath: string }[] }[]
        volumes: { projected: { sources: { configMap: { name: string; items?: { key: string; path: string }[] } }[] } }[]
      }
    }
  }
}

async function stack(): Promise<PgStack> {
  if (!found.found) throw new Error('unreachable: the suite is skipped without PostgreSQL')
  return pgStack(found.bin)
}

function write(s: PgStack, fileName: string, text: string): string {
  mkdirSync(join(s.dir, 'migrations'), { recursive: true })
  const path = join(s.dir, 'migrations', fileName)
  writeFileSync(path, text)
  return path
}

/** The manifests' migrations Job, generated from the project as it is now; undefined when there is none. */
async function generated(s: PgStack): Promise<{ job: KubeDoc; maps: KubeDoc[] } | undefined> {
  const out = join(s.dir, 'k8s-out')
  const result = await s.run(['generate', '--target', 'kubernetes', '--out', 'k8s-out'])
  expect(result.code, result.stderr).toBe(0)
  if (!existsSync(join(out, 'k8s/migrations.yaml'))) return undefined
  // As the cluster would receive them (`kubectl apply -k`), not as the file reads to JavaScript.
  const docs = (await kustomizeBuild(join(out, 'k8s'))) as unknown as KubeDoc[]
  const job = docs.find((d) => d.kind === 'Job' && d.metadata.name.startsWith('migrations-'))!
  const mapNames = new Set(job.spec!.template.spec.volumes[0]!.projected.sources.map((source) => source.configMap.name))
  return { job, maps: docs.filter((d) => d.kind === 'ConfigMap' && mapNames.has(d.metadata.name)) }
}

let volumes = 0

/** Runs the Job's container once: its volume laid out from the ConfigMaps, its args and env, psql over TCP. */
async function runJob(s: PgStack, generatedJob?: { job: KubeDoc; maps: KubeDoc[] }): Promise<PsqlResult & { jobName: string }> {
  const { job, maps } = generatedJob ?? (await generated(s))!
  const pod = job.spec!.template.spec
  const container = pod.containers[0]!
  const mount = container.volumeMounts[0]!.mountPath
  const root = join(s.pg.workDir, `job-volume-${++volumes}`)
  for (const source of pod.volumes[0]!.projected.sources) {
    const map = maps.find((m) => m.metadata.name === source.configMap.name)!
    const bytes = (key: string): Buffer => (map.data?.[key] !== undefined ? Buffer.from(map.data[key], 'utf8') : Buffer.from(map.binaryData![key]!, 'base64'))
    const items = source.configMap.items ?? [...Object.keys(map.data ?? {}), ...Object.keys(map.binaryData ?? {})].map((key) => ({ key, path: key }))
    for (const item of items) {
      mkdirSync(dirname(join(root, item.path)), { recursive: true })
      writeFileSync(join(root, item.path), bytes(item.key))
    }
  }
  expect(container.args[0]).toBe('psql')
  const args = container.args.slice(1).map((arg) => (arg.startsWith(`${mount}/`) ? join(root, arg.slice(mount.length + 1)) : arg))
  const env = Object.fromEntries(container.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]))
  expect(env['PGHOST']).toBe('postgres')
  expect(container.env.find((e) => e.name === 'PGPASSWORD')).toBeDefined()
  const result = await s.pg.psql(args, { env: { ...env, PGHOST: '127.0.0.1', PGPORT: String(s.pg.port), PGPASSWORD: s.pg.superuserPassword } })
  return { ...result, jobName: job.metadata.name }
}

interface Row {
  version: string
  name: string
  checksum: string
  applied_by: string
}

async function tracked(s: PgStack): Promise<Row[]> {
  return JSON.parse(await s.sql('app', "select coalesce(json_agg(json_build_object('version', version, 'name', name, 'checksum', checksum, 'applied_by', applied_by) order by version), '[]') from sparkbaas.sparkbaas_migrations")) as Row[]
}

const exists = async (s: PgStack, relation: string) => (await s.sql('app', `select to_regclass('${relation}') is not null`)) === 't'
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex')

describe.skipIf(!found.found)('the migrations Job on a real PostgreSQL', () => {
  test(
    'applies pending migrations in order, each recorded as `migrate up` records it; a second run changes nothing; `migrate status` agrees',
    async () => {
      const s = await stack()
      expect(await generated(s)).toBeUndefined() // no migrations/: no Job
      // A name may hold anything: it is recorded exactly.
      const hostile = `it's "odd" \`x\` $HOME \${PGPASSWORD} ünï ✓`
      const a = write(s, '20250101000000_create_todos.sql', 'CREATE TABLE api.todos (id int PRIMARY KEY, title text);\n')
      // Characters kustomize cannot carry as text put the file in the ConfigMap's binaryData (files.ts); psql reads it the same.
      const title = 'first \u0085 \u2028 \u2029 \u007f \u0090'
      const b = write(s, `20250102000000_${hostile}.sql`, `INSERT INTO api.todos VALUES (1, '${title}');\n`)
      const first = await runJob(s)
      expect(first.exitCode, first.stderr).toBe(0)
      expect(first.stdout).toBe('applying migration 20250101000000\napplying migration 20250102000000\nmigrations: done, 2 migrations up to date')
      expect(await tracked(s)).toEqual([
        { version: '20250101000000', name: 'create_todos', checksum: sha256(a), applied_by: 'kubernetes job migrations (namespace demo)' },
        { version: '20250102000000', name: hostile, checksum: sha256(b), applied_by: 'kubernetes job migrations (namespace demo)' },
      ])
      expect(await s.sql('app', 'select title from api.todos')).toBe(title)

      const again = await runJob(s)
      expect(again.exitCode, again.stderr).toBe(0)
      expect(again.stdout).toBe('migrations: done, 2 migrations up to date')
      expect(await s.sql('app', 'select count(*) from api.todos')).toBe('1')

      const status = await s.run(['migrate', 'status', '--json'])
      expect(status.code, status.stderr).toBe(0)
      const report = JSON.parse(status.stdout) as { migrations: { version: string; state: string }[] }
      expect(report.migrations.map((m) => [m.version, m.state])).toEqual([
        ['20250101000000', 'applied'],
        ['20250102000000', 'applied'],
      ])
    },
    TIMEOUT,
  )

  test(
    'takes turns with `migrate up`: what one applied the other skips; a new migration makes a new Job',
    async () => {
      const s = await stack()
      write(s, '20250101000000_one.sql', 'CREATE TABLE api.one (id int);\n')
      const before = (await generated(s))!
      const up = await s.run(['migrate', 'up'])
      expect(up.code, up.stderr).toBe(0)
      write(s, '20250102000000_two.sql', 'CREATE TABLE api.two (id int);\n')
      const after = (await generated(s))!
      expect(after.job.metadata.name).not.toBe(before.job.metadata.name)
      expect(after.job.metadata.name).toMatch(/^migrations-[0-9a-f]{10}$/)
      const run = await runJob(s, after)
      expect(run.exitCode, run.stderr).toBe(0)
      expect(run.stdout).toBe('applying migration 20250102000000\nmigrations: done, 2 migrations up to date')
      const rows = await tracked(s)
      expect(rows.map((r) => r.version)).toEqual(['20250101000000', '20250102000000'])
      expect(rows[0]!.applied_by).not.toContain('kubernetes')
      // The older Job, still retrying somewhere, finds a row it has no file for: it refuses rather than guess.
      const old = await runJob(s, before)
      expect(old.exitCode).toBe(3)
      expect(old.stderr).toContain('applied migrations differ from their files: 20250102000000 (no file has this version any more)')
    },
    TIMEOUT,
  )

  test(
    'two Jobs and a `migrate up` at once: each migration is applied once, and every run ends well',
    async () => {
      const s = await stack()
      write(s, '20250101000000_slow.sql', 'SELECT pg_sleep(0.5);\nCREATE TABLE api.slow (id int);\n')
      write(s, '20250102000000_next.sql', 'INSERT INTO api.slow VALUES (1);\n')
      const job = (await generated(s))!
      const [a, b, up] = await Promise.all([runJob(s, job), runJob(s, job), s.run(['migrate', 'up'])])
      expect([a.exitCode, b.exitCode, up.code], `${a.stderr}\n${b.stderr}\n${up.stderr}`).toEqual([0, 0, 0])
      const jobsApplied = `${a.stdout}\n${b.stdout}`.split('\n').filter((line) => line.startsWith('applying migration '))
      expect(jobsApplied.length).toBeLessThanOrEqual(2)
      expect(new Set(jobsApplied).size).toBe(jobsApplied.length)
      expect((await tracked(s)).map((r) => r.version)).toEqual(['20250101000000', '20250102000000'])
      expect(await s.sql('app', 'select count(*) from api.slow')).toBe('1')
    },
    TIMEOUT,
  )

  test(
    'a failing migration is rolled back alone: the ones before stay applied, the ones after do not run; psql names the file and line',
    async () => {
      const s = await stack()
      write(s, '20250101000000_ok.sql', 'CREATE TABLE api.ok (id int);\n')
      write(s, '20250102000000_bad.sql', 'CREATE TABLE api.half (id int);\n\nSELECT * FROM no_such_table;\n')
      write(s, '20250103000000_later.sql', 'CREATE TABLE api.later (id int);\n')
      const run = await runJob(s)
      expect(run.exitCode).toBe(3)
      expect(run.stderr).toMatch(/20250102000000\.sql:3: ERROR: {2}relation "no_such_table" does not exist/)
      expect((await tracked(s)).map((r) => r.version)).toEqual(['20250101000000'])
      expect(await exists(s, 'api.ok')).toBe(true)
      expect(await exists(s, 'api.half')).toBe(false)
      expect(await exists(s, 'api.later')).toBe(false)
      // Fixed in place (it never committed), the retry applies it and the rest.
      write(s, '20250102000000_bad.sql', 'CREATE TABLE api.half (id int);\n')
      const retry = await runJob(s)
      expect(retry.exitCode, retry.stderr).toBe(0)
      expect((await tracked(s)).map((r) => r.version)).toEqual(['20250101000000', '20250102000000', '20250103000000'])
    },
    TIMEOUT,
  )

  test(
    'refuses to apply anything while an applied migration was edited or its file removed, naming each',
    async () => {
      const s = await stack()
      const a = write(s, '20250101000000_a.sql', 'CREATE TABLE api.a (id int);\n')
      const b = write(s, '20250102000000_b.sql', 'CREATE TABLE api.b (id int);\n')
      expect((await runJob(s)).exitCode).toBe(0)
      writeFileSync(a, 'CREATE TABLE api.a (id bigint);\n')
      rmSync(b)
      write(s, '20250103000000_c.sql', 'CREATE TABLE api.c (id int);\n')
      const run = await runJob(s)
      expect(run.exitCode).toBe(3)
      expect(run.stderr).toContain(
        'ERROR:  sparkbaas: nothing was applied: applied migrations differ from their files: 20250101000000 (edited since it was applied), 20250102000000 (no file has this version any more)',
      )
      expect(run.stderr).toContain('HINT:  An applied migration must stay as it was: restore its file and make the change in a new migration (sparkbaas migrate new <name>).')
      expect(await exists(s, 'api.c')).toBe(false)
    },
    TIMEOUT,
  )

  test(
    'each migration has a session of its own, and nothing in a file reaches past its end',
    async () => {
      const s = await stack()
      // A session setting of one migration never reaches the next, as with `migrate up`'s psql per migration.
      write(s, '20250101000000_settings.sql', 'SET search_path = nowhere;\nCREATE TABLE api.first (id int);\n')
      write(s, '20250102000000_plain.sql', 'CREATE TABLE plain (v text);\n')
      // A last statement without its semicolon is still sent at the end of its file, inside its transaction.
      write(s, '20250103000000_tail.sql', 'CREATE TABLE api.tail (id int)')
      const run = await runJob(s)
      expect(run.exitCode, run.stderr).toBe(0)
      expect(await exists(s, 'public.plain')).toBe(true)
      expect(await exists(s, 'api.tail')).toBe(true)
      // An unterminated string swallows nothing after the file (the COMMIT, the next migration): psql sends it at
      // the end of the file, PostgreSQL refuses it, and the migration is rolled back with its row.
      write(s, '20250104000000_open.sql', "CREATE TABLE api.open (id int);\nSELECT 'oops\n")
      write(s, '20250105000000_next.sql', 'CREATE TABLE api.next (id int);\n')
      const open = await runJob(s)
      expect(open.exitCode).toBe(3)
      expect(open.stderr).toContain('20250104000000.sql:2: ERROR:  unterminated quoted string')
      expect((await tracked(s)).map((r) => r.version)).toEqual(['20250101000000', '20250102000000', '20250103000000'])
      expect(await exists(s, 'api.open')).toBe(false)
      expect(await exists(s, 'api.next')).toBe(false)
    },
    TIMEOUT,
  )

  test(
    'a COMMIT that reaches PostgreSQL from inside a migration commits none of it, on the Job and on `migrate up` alike',
    async () => {
      const s = await stack()
      write(s, '20250101000000_ok.sql', 'CREATE TABLE api.ok (id int);\n')
      const job = (await generated(s))!
      // generate refuses a file with a COMMIT (sql-scan.ts); this stands for one its light reading did not see,
      // or a file edited inside the cluster's ConfigMap: the text the Job includes is replaced under it.
      const files = job.maps.find((m) => m.data?.['20250101000000.sql'] !== undefined)!
      files.data!['20250101000000.sql'] = 'CREATE TABLE api.early (id int);\nCOMMIT;\nCREATE TABLE api.late (id int);\n'
      const run = await runJob(s, job)
      expect(run.exitCode).toBe(3)
      expect(run.stderr).toContain('ERROR:  sparkbaas: migration 20250101000000 reached a COMMIT (or SET CONSTRAINTS ALL IMMEDIATE) before its end, so none of it was committed')
      expect(run.stderr).toContain('HINT:  A migration runs in one transaction with its tracking row: remove what ends that transaction early (COMMIT, END), and name constraints in SET CONSTRAINTS.')
      expect(await tracked(s)).toEqual([])
      expect(await exists(s, 'api.early')).toBe(false)
      expect(await exists(s, 'api.late')).toBe(false)
      // A ROLLBACK there takes the row with it and leaves the rest of the file to run on its own: the Job fails
      // rather than go on and report success.
      files.data!['20250101000000.sql'] = 'CREATE TABLE api.early (id int);\nROLLBACK;\nCREATE TABLE api.late (id int);\n'
      const rolledBack = await runJob(s, job)
      expect(rolledBack.exitCode).toBe(3)
      expect(rolledBack.stderr).toContain(
        'ERROR:  sparkbaas: migration 20250101000000 ended its own transaction part-way (ROLLBACK), so it is not recorded and the statements after that ran on their own: undo what they did, remove the ROLLBACK, and apply again',
      )
      expect(rolledBack.stdout).not.toContain('migrations: done')
      expect(await tracked(s)).toEqual([])
      expect(await exists(s, 'api.late')).toBe(true)
      await s.sql('app', 'drop table api.late')

      // `migrate up` sets the same mark after the file (psql.ts, completeStatement): it applies the real file…
      const up = await s.run(['migrate', 'up'])
      expect(up.code, up.stderr).toBe(0)
      expect((await tracked(s)).map((r) => r.version)).toEqual(['20250101000000'])
      // …and a tracking row committed without the mark, as an older sparkbaas or a COMMIT mid-file would, is refused.
      const bare = await s.pg.psql(['-X', '-v', 'ON_ERROR_STOP=1', '-U', 'postgres', '-d', 'app', '-c', "INSERT INTO sparkbaas.sparkbaas_migrations (version, name, checksum, applied_by) VALUES ('20250102000000', 'x', repeat('0', 64), 'hand')"])
      expect(bare.exitCode).not.toBe(0)
      expect(bare.stderr).toContain('sparkbaas: migration 20250102000000 reached a COMMIT (or SET CONSTRAINTS ALL IMMEDIATE) before its end, so none of it was committed')
      expect((await tracked(s)).map((r) => r.version)).toEqual(['20250101000000'])
    },
    TIMEOUT,
  )
})
