/**
 * The Kubernetes target end to end: the golden manifests of the example (`--target kubernetes`) and of a scaled
 * example (test/fixtures/configs/scaled-kubernetes.ts), kept under test/golden/kubernetes/<name>/ with the same
 * paths as in the output folder; what is written besides them; and the secrets: `k8s/secrets.env` holds exactly the
 * keys the manifests read, with `.env`'s values, mode 0600, git-ignored, out of the manifest and of `--check`, and no
 * committed file holds a secret value.
 * Update with `npx vitest run test/generate/kubernetes.test.ts -u`, read the diff, and run `kubectl kustomize` on it.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { generate } from '../../src/generate.js'
import { dotenvValues, parseDotenv } from '../../src/write/dotenv.js'
import { FIXTURE_CONFIG_FILE, FIXTURE_CONFIGS } from '../fixtures/configs/index.js'
import scaled from '../fixtures/configs/scaled-kubernetes.js'
import { checkKubernetesOutput } from '../helpers/kubernetes/check.js'
import { kustomizeBuild } from '../helpers/kubernetes/kustomize.js'
import { BASE_CONFIG, envKeys, makeProject, readTree, ROOT, runCli, tempDir } from './helpers.js'

const GOLDEN = join(ROOT, 'test/golden/kubernetes')
const CASES = { example: { config: FIXTURE_CONFIGS['example']!, target: 'kubernetes' as const }, scaled: { config: scaled, target: undefined } }

/** `KEY=value` lines of a kustomize env file. */
const envFileKeys = (text: string) => text.split('\n').filter((line) => /^[A-Z_][A-Z0-9_]*=/.test(line)).map((line) => line.slice(0, line.indexOf('=')))

describe.each(Object.keys(CASES) as (keyof typeof CASES)[])('%s', (name) => {
  const { config, target } = CASES[name]
  test('matches the golden manifests, the same on every machine', async () => {
    const outDir = tempDir()
    await generate({ config, configFile: FIXTURE_CONFIG_FILE, outDir, ...(target === undefined ? {} : { target }) })
    const tree = readTree(outDir)
    const committed = [...tree.keys()].filter((path) => path !== '.env' && path !== 'k8s/secrets.env').sort()
    await expect(`${committed.join('\n')}\n`).toMatchFileSnapshot(join(GOLDEN, `${name}.files.txt`))
    for (const path of committed) await expect(tree.get(path)!.contents.toString('utf8')).toMatchFileSnapshot(join(GOLDEN, name, path))
    // No compose artifact on this target.
    expect(committed.filter((path) => !path.startsWith('k8s/'))).toEqual(['.gitignore', '.sparkbaas-manifest.json'])
    const again = tempDir()
    await generate({ config, configFile: FIXTURE_CONFIG_FILE, outDir: again, ...(target === undefined ? {} : { target }) })
    for (const path of committed) expect(readFileSync(join(again, path), 'utf8'), path).toBe(tree.get(path)!.contents.toString('utf8'))
  })

  test('k8s/secrets.env holds the keys the manifests read, with .env values; no committed file holds a value', async () => {
    const outDir = tempDir()
    const result = await generate({ config, configFile: FIXTURE_CONFIG_FILE, outDir, ...(target === undefined ? {} : { target }) })
    const tree = readTree(outDir)
    const secretsEnv = tree.get('k8s/secrets.env')!
    expect(secretsEnv.mode).toBe(0o600)
    const env = dotenvValues(parseDotenv(tree.get('.env')!.contents.toString('utf8')))
    const copy = secretsEnv.contents.toString('utf8')
    const keys = envFileKeys(copy)
    // Exactly the keys secretKeyRef names in the manifests, and the ones the example file lists.
    const manifests = committedText(tree).filter(([path]) => path.endsWith('.yaml')).map(([, text]) => text).join('\n')
    const referenced = [...new Set([...manifests.matchAll(/secretKeyRef:\n\s+name: \S+\n\s+key: (\S+)/g)].map((m) => m[1]!))].sort()
    expect([...keys].sort()).toEqual(referenced)
    expect(envFileKeys(tree.get('k8s/secrets.env.example')!.contents.toString('utf8'))).toEqual(keys)
    for (const key of keys) expect(copy).toContain(`\n${key}=${env.get(key)}\n`)
    // Every generated secret value (settings such as the admin user name are not secret) stays out of committed files.
    const secretValues = [...env].filter(([key, value]) => value !== undefined && value.length >= 20 && key !== 'KC_BOOTSTRAP_ADMIN_USERNAME')
    expect(secretValues.length).toBeGreaterThan(5)
    for (const [path, text] of committedText(tree)) {
      for (const [key, value] of secretValues) expect(text.includes(value!), `${key} in ${path}`).toBe(false)
    }
    expect(tree.get('.gitignore')!.contents.toString('utf8')).toMatch(/^k8s\/secrets\.env$/m)
    expect(tree.get('k8s/.gitignore')!.contents.toString('utf8')).toMatch(/^secrets\.env$/m)
    expect(readFileSync(join(outDir, '.sparkbaas-manifest.json'), 'utf8')).not.toContain('secrets.env"')
    expect(result.written).toContain('k8s/secrets.env')
    // --check compares the committed files only: a changed copy is not drift.
    writeFileSync(join(outDir, 'k8s/secrets.env'), '# edited\n')
    const check = await generate({ config, configFile: FIXTURE_CONFIG_FILE, outDir, check: true, ...(target === undefined ? {} : { target }) })
    expect(check.upToDate).toBe(true)
    // The next run rewrites it from .env.
    await generate({ config, configFile: FIXTURE_CONFIG_FILE, outDir, ...(target === undefined ? {} : { target }) })
    expect(readFileSync(join(outDir, 'k8s/secrets.env'), 'utf8')).toBe(copy)
  })
})

const committedText = (tree: ReturnType<typeof readTree>): [string, string][] =>
  [...tree].filter(([path]) => path !== '.env' && path !== 'k8s/secrets.env').map(([path, entry]) => [path, entry.contents.toString('utf8')])

test('with kubernetes.existingSecret: no secrets.env and no secretGenerator; the manifests read that Secret', async () => {
  const outDir = tempDir()
  await generate({ config: { ...scaled, kubernetes: { ...scaled.kubernetes, existingSecret: 'acme-prod-vault' } }, configFile: FIXTURE_CONFIG_FILE, outDir })
  const tree = readTree(outDir)
  expect(tree.has('k8s/secrets.env')).toBe(false)
  const kustomization = tree.get('k8s/kustomization.yaml')!.contents.toString('utf8')
  expect(kustomization).not.toContain('secretGenerator')
  expect(tree.get('k8s/postgres.yaml')!.contents.toString('utf8')).toContain('name: acme-prod-vault\n')
  expect(tree.get('k8s/postgres.yaml')!.contents.toString('utf8')).not.toContain('acme-secrets')
  expect(envKeys(tree.get('k8s/secrets.env.example')!.contents.toString('utf8')).length).toBeGreaterThan(5)
})

test('an environment value or command word kustomize cannot carry is refused, naming service and value; a tab-led file is fine', async () => {
  const cases: [object, string][] = [
    [{ env: { GREETING: 'Hi\u0085there' } }, 'Service cache: the environment variable GREETING holds U+0085'],
    [{ env: { LS: 'a\u2028b' } }, 'Service cache: the environment variable LS holds U+2028'],
    [{ command: ['redis-server', 'x\u007fy'] }, 'Service cache: word 2 of its command holds U+007F'],
  ]
  for (const [more, message] of cases) {
    const dir = makeProject({ ...BASE_CONFIG, services: { cache: { image: 'redis:7-alpine', ...more } } })
    const run = await runCli(['generate', '--config', join(dir, 'sparkbaas.config.json'), '--target', 'kubernetes'])
    expect(run.code).toBe(1)
    expect(run.stderr).toBe(
      `✖ ${message}, which \`kubectl apply -k\` cannot carry (kustomize refuses it or reads it as a line break).\nhint: Remove that character from the value, or use target: "compose".\n`,
    )
    expect(existsSync(join(dir, 'generated/k8s'))).toBe(false)
  }
  // Measured: a ConfigMap value whose first line starts with a tab, written as a YAML block, is refused by Go's reader.
  const dir = makeProject()
  mkdirSync(join(dir, 'migrations'))
  for (const [i, text] of ['\tCREATE TABLE a (id int);\n', '\n\tCREATE TABLE b (id int);\n', '\t\n'].entries()) {
    writeFileSync(join(dir, 'migrations', `2025010100000${i}_tab.sql`), text)
  }
  expect((await runCli(['generate', '--config', join(dir, 'sparkbaas.config.json'), '--target', 'kubernetes'])).code).toBe(0)
  const docs = await kustomizeBuild(join(dir, 'generated/k8s'))
  const files = docs.find((d) => d.kind === 'ConfigMap' && /^migrations-files-/.test(d.metadata?.name ?? '')) as { data: Record<string, string> }
  expect(files.data['20250101000000.sql']).toBe('\tCREATE TABLE a (id int);\n')
  expect(files.data['20250101000002.sql']).toBe('\t\n')
})

describe('migrations/ on the Kubernetes target', () => {
  const migration = (dir: string, name: string, text: string | Buffer) => {
    mkdirSync(join(dir, 'migrations'), { recursive: true })
    writeFileSync(join(dir, 'migrations', name), text)
  }

  test('no migrations/: no migrations.yaml; a migration makes a Job named by content, and only a changed migration renames it', async () => {
    const dir = makeProject()
    const config = join(dir, 'sparkbaas.config.json')
    expect((await runCli(['generate', '--config', config, '--target', 'kubernetes'])).code).toBe(0)
    expect(existsSync(join(dir, 'generated/k8s/migrations.yaml'))).toBe(false)
    expect(readFileSync(join(dir, 'generated/k8s/kustomization.yaml'), 'utf8')).not.toContain('migrations')

    migration(dir, '20250101000000_one.sql', 'CREATE TABLE one (id int);\n')
    const jobName = async () => {
      const run = await runCli(['generate', '--config', config, '--target', 'kubernetes'])
      expect(run.code, run.stderr).toBe(0)
      return /^kind: Job\nmetadata:\n {2}name: (\S+)$/m.exec(readFileSync(join(dir, 'generated/k8s/migrations.yaml'), 'utf8'))![1]!
    }
    const first = await jobName()
    expect(first).toMatch(/^migrations-[0-9a-f]{10}$/)
    expect(readFileSync(join(dir, 'generated/k8s/kustomization.yaml'), 'utf8')).toContain('  - migrations.yaml\n')
    expect(await jobName()).toBe(first)
    // The drift check sees a new migration as a change of the committed manifests.
    migration(dir, '20250102000000_two.sql', 'CREATE TABLE two (id int);\n')
    const check = await runCli(['generate', '--config', config, '--target', 'kubernetes', '--check'])
    expect(check.code).toBe(1)
    expect(check.stdout + check.stderr).toContain('k8s/migrations.yaml')
    const second = await jobName()
    expect(second).not.toBe(first)
  })

  test('a migration the Job could not run in a transaction is refused, naming file and line, and nothing is written', async () => {
    const dir = makeProject()
    const config = join(dir, 'sparkbaas.config.json')
    migration(dir, '20250101000000_ok.sql', 'CREATE TABLE ok (id int);\n')
    migration(dir, '20250102000000_tx.sql', 'BEGIN;\nCREATE TABLE t (id int);\nCOMMIT;\n')
    migration(dir, '20250103000000_latin1.sql', Buffer.from([0x2d, 0x2d, 0x20, 0xe9, 0x0a]))
    const run = await runCli(['generate', '--config', config, '--target', 'kubernetes'])
    expect(run.code).toBe(1)
    expect(run.stdout).toBe('')
    expect(run.stderr).toBe(
      [
        "✖ migrations/ holds migrations the Kubernetes target's migrations Job cannot run in a transaction:",
        '  migrations/20250102000000_tx.sql:1: BEGIN: each migration already runs in one transaction with its tracking row, and transaction control of its own would commit part of it even if a later statement fails — remove it',
        '  migrations/20250102000000_tx.sql:3: COMMIT: each migration already runs in one transaction with its tracking row, and transaction control of its own would commit part of it even if a later statement fails — remove it',
        '  migrations/20250103000000_latin1.sql: is not valid UTF-8 text; save it as UTF-8',
        'hint: Change these migrations, then run `sparkbaas generate` again.',
        '',
      ].join('\n'),
    )
    expect(existsSync(join(dir, 'generated'))).toBe(false)
  })

  test('a migration reaches the pod byte for byte through kubectl kustomize, whatever characters it holds', async () => {
    const dir = makeProject()
    const config = join(dir, 'sparkbaas.config.json')
    // Plain text, a BOM and CRLF line ends stay readable in `data`; DEL, C1 controls (NEL among them), U+2028/U+2029
    // and U+FFFE, which kustomize refuses or turns into line breaks, put their file in `binaryData` (files.ts).
    const plain = `\ufeffCREATE TABLE "ünï ✓" (id int);\r\n-- \ufeff $HOME \${X} \`x\` 'q' "d" \t tab \u00a0 nbsp 😀\r\n`
    const hostile = `-- a\u007fb \u0001 \u001b[31m \u0085 nel \u2028 ls \u2029 ps \u0090 \ufffe\nSELECT 1;\n`
    migration(dir, '20250101000000_plain.sql', plain)
    migration(dir, '20250102000000_hostile.sql', hostile)
    const run = await runCli(['generate', '--config', config, '--target', 'kubernetes'])
    expect(run.code, run.stderr).toBe(0)
    const docs = await kustomizeBuild(join(dir, 'generated/k8s'))
    const files = docs.find((d) => d.kind === 'ConfigMap' && /^migrations-files-[0-9a-f]{10}$/.test(d.metadata?.name ?? '')) as { data?: Record<string, string>; binaryData?: Record<string, string> } | undefined
    expect(files).toBeDefined()
    // A leading BOM is no part of the text (checksum.ts decodes as `migrate up` does; psql would choke on it).
    expect(files!.data?.['20250101000000.sql']).toBe(plain.slice(1))
    expect(files!.binaryData?.['20250101000000.sql']).toBeUndefined()
    expect(Buffer.from(files!.binaryData!['20250102000000.sql']!, 'base64').toString('utf8')).toBe(hostile)
    expect(await checkKubernetesOutput(join(dir, 'generated/k8s'))).toEqual([])
  })

  test('thousands of migrations fit the Job; past what its script can name, generate says so', async () => {
    const dir = makeProject()
    const config = join(dir, 'sparkbaas.config.json')
    const many = (from: number, count: number, name: string) => {
      for (let i = 0; i < count; i++) migration(dir, `${from + i}_${name}.sql`, `CREATE TABLE t${from + i} (id int);\n`)
    }
    many(20250101000000, 2500, 'create_table')
    const fits = await runCli(['generate', '--config', config, '--target', 'kubernetes'])
    expect(fits.code, fits.stderr).toBe(0)
    many(20260101000000, 1000, 'create_table_with_a_longer_name')
    const run = await runCli(['generate', '--config', config, '--target', 'kubernetes'])
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/^✖ migrations\/migrate\.psql is \d+ KiB, more than one Kubernetes ConfigMap holds \(1000 KiB of the API server's 1 MiB\), so the Kubernetes target cannot mount it into migrations\.\n/)
    expect(run.stderr).toContain(
      'hint: The migrations Job\'s script names every migration (about 300 bytes and twice the length of its name each), so about 3,000 fit: shorter migration names fit more; `sparkbaas migrate up` on target: "compose" has no such limit.\n',
    )
  })

  test('a migration bigger than a ConfigMap holds is refused with what to do instead', async () => {
    const dir = makeProject()
    migration(dir, '20250101000000_seed.sql', `-- ${'x'.repeat(1100 * 1024)}\n`)
    const run = await runCli(['generate', '--config', join(dir, 'sparkbaas.config.json'), '--target', 'kubernetes'])
    expect(run.code).toBe(1)
    expect(run.stderr).toBe(
      [
        "✖ migrations/20250101000000.sql is 1101 KiB, more than one Kubernetes ConfigMap holds (1000 KiB of the API server's 1 MiB), so the Kubernetes target cannot mount it into migrations.",
        "hint: Split the migration into smaller ones; load bulk data with psql's \\copy through `kubectl port-forward` instead.",
        '',
      ].join('\n'),
    )
  })
})
