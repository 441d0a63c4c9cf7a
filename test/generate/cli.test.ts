/**
 * The `generate` and `blueprints` commands, run in-process: what they print, their exit codes, and `--check`
 * writing nothing. Temp paths are replaced by <project> in the asserted text.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { BASE_CONFIG, makeProject, readTree, runCli, writeConfig } from './helpers.js'

const normalize = (text: string, dir: string) => text.replaceAll(dir, '<project>')

describe('sparkbaas generate', () => {
  test('prints a short summary: counts, services, route URLs, added .env keys (never values)', async () => {
    const dir = makeProject()
    const config = join(dir, 'sparkbaas.config.json')
    const first = await runCli(['generate', '--config', config])
    expect(first.code).toBe(0)
    expect(first.stderr).toBe('')
    expect(normalize(first.stdout, dir)).toBe(
      [
        '✔ Generated <project>/generated/: 17 written, 0 unchanged',
        '  7 services, 2 routes',
        '    http://api.localhost/fn/hello',
        '    http://auth.localhost/',
        '  .env: added POSTGRES_PASSWORD, AUTH_HEADERS_KEY, KEYCLOAK_DB_PASSWORD, KC_BOOTSTRAP_ADMIN_USERNAME, KC_BOOTSTRAP_ADMIN_PASSWORD, REALM_MAIN_SIGNING_KEY, REALM_MAIN_JWKS, REALM_MAIN_USER_DEV_PASSWORD, REALM_EXTRA_SIGNING_KEY, REALM_EXTRA_JWKS (values only in <project>/generated/.env)',
        '',
      ].join('\n'),
    )
    const env = readFileSync(join(dir, 'generated', '.env'), 'utf8')
    const password = /^POSTGRES_PASSWORD=(.*)$/m.exec(env)![1]!
    expect(first.stdout).not.toContain(password)
    const authKey = /^AUTH_HEADERS_KEY=(.*)$/m.exec(env)![1]!
    expect(first.stdout).not.toContain(authKey)

    const second = await runCli(['generate', '--config', config])
    expect(normalize(second.stdout, dir)).toBe(
      ['✔ Generated <project>/generated/: 0 written, 17 unchanged', '  7 services, 2 routes', '    http://api.localhost/fn/hello', '    http://auth.localhost/', ''].join('\n'),
    )
    // Kept across runs, like every generated secret: the verifier and the runtime keep agreeing after a regenerate.
    expect(/^AUTH_HEADERS_KEY=(.*)$/m.exec(readFileSync(join(dir, 'generated', '.env'), 'utf8'))![1]).toBe(authKey)
  })

  test('--json prints the summary as JSON', async () => {
    const dir = makeProject()
    const run = await runCli(['generate', '--config', join(dir, 'sparkbaas.config.json'), '--json'])
    expect(run.code).toBe(0)
    const json = JSON.parse(run.stdout) as Record<string, unknown>
    expect(json).toMatchObject({ ok: true, mode: 'write', outDir: join(dir, 'generated'), services: 7, removed: [], kept: [] })
    expect(json.routes).toEqual([{ url: 'http://api.localhost/fn/hello' }, { url: 'http://auth.localhost/' }])
    expect(json.written).toContain('docker-compose.yml')
    expect(json.envAdded).toContain('POSTGRES_PASSWORD')
  })

  test('an unpinned image: a `!` line on stderr after the summary, in `warnings` with --json; exit 0 either way', async () => {
    const dir = makeProject({ ...BASE_CONFIG, services: { cache: { image: 'redis' } } })
    const config = join(dir, 'sparkbaas.config.json')
    const warning =
      'services.cache.image: "redis" has no tag, so the engine pulls "redis:latest", which changes with each release; ' +
      'pin a version tag such as "redis:<version>" or a digest "redis@sha256:…" so every `up`, on every machine, runs the same image'
    const run = await runCli(['generate', '--config', config])
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^✔ Generated /)
    expect(run.stderr).toBe(`! ${warning}\n`)
    const json = await runCli(['generate', '--config', config, '--json'])
    expect(json.code).toBe(0)
    expect(json.stderr).toBe('')
    expect((JSON.parse(json.stdout) as { warnings: unknown }).warnings).toEqual([warning])
    const check = await runCli(['generate', '--config', config, '--check'])
    expect(check.code).toBe(0)
    expect(check.stderr).toBe(`! ${warning}\n`)
  })

  test('--out writes elsewhere; --dry-run writes nothing and lists what would change', async () => {
    const dir = makeProject()
    const dry = await runCli(['generate', '--config', join(dir, 'sparkbaas.config.json'), '--out', join(dir, 'stack'), '--dry-run'])
    expect(dry.code).toBe(0)
    expect(normalize(dry.stdout, dir).split('\n').slice(0, 2)).toEqual([
      '✔ Dry run, nothing written: 17 to write, 0 unchanged, 0 to remove in <project>/stack/',
      '  would write: .env, .env.example, .gitignore, .sparkbaas-manifest.json, docker-compose.yml, functions/hello.mjs, functions/manifest.json, functions/server.mjs, keycloak/extra-realm.json, keycloak/main-realm.json, keycloak/sync.mjs, postgres/init/00-roles.sql, postgres/init/10-databases.sql, postgres/init/20-db-app.sql, traefik/dynamic.yml, traefik/traefik.yml, verifier/verifier.mjs',
    ])
    expect(existsSync(join(dir, 'stack'))).toBe(false)
    const real = await runCli(['generate', '--config', join(dir, 'sparkbaas.config.json'), '--out', join(dir, 'stack')])
    expect(real.code).toBe(0)
    expect(existsSync(join(dir, 'stack', 'docker-compose.yml'))).toBe(true)
    expect(existsSync(join(dir, 'generated'))).toBe(false)
  })

  test('--check on fresh output exits 0 and writes nothing; after a config change it exits 1 naming the stale file', async () => {
    const dir = makeProject()
    const config = join(dir, 'sparkbaas.config.json')
    expect((await runCli(['generate', '--config', config])).code).toBe(0)
    const before = readTree(join(dir, 'generated'))

    const ok = await runCli(['generate', '--config', config, '--check'])
    expect(ok.code).toBe(0)
    expect(normalize(ok.stdout, dir)).toBe('✔ <project>/generated/ is up to date with sparkbaas.config.json (16 files)\n')
    const after = readTree(join(dir, 'generated'))
    expect([...after.keys()]).toEqual([...before.keys()])
    for (const [path, entry] of after) expect(entry.mtimeMs, path).toBe(before.get(path)!.mtimeMs)

    writeConfig(dir, { ...BASE_CONFIG, functions: [{ name: 'hello', source: './functions/hello', env: { GREETING: 'Hey' } }] })
    const stale = await runCli(['generate', '--config', config, '--check'])
    expect(stale.code).toBe(1)
    // The diff on stdout (test/generate/hand-edits.test.ts), the summary on stderr.
    expect([...normalize(stale.stdout, dir).matchAll(/^\+\+\+ (.*)$/gm)].map((m) => m[1])).toEqual([
      '<project>/generated/.sparkbaas-manifest.json\t(generated)',
      '<project>/generated/functions/manifest.json\t(generated)',
    ])
    expect(normalize(stale.stderr, dir)).toBe(
      [
        '✖ <project>/generated/ is out of date with sparkbaas.config.json (2 files):',
        '  .sparkbaas-manifest.json: differs from what the config generates',
        '  functions/manifest.json: differs from what the config generates',
        'hint: Run `sparkbaas generate` and commit the result.',
        '',
      ].join('\n'),
    )
    for (const [path, entry] of readTree(join(dir, 'generated'))) expect(entry.mtimeMs, path).toBe(before.get(path)!.mtimeMs)
  })

  test('--check reports missing and extra files, and ignores .env', async () => {
    const dir = makeProject()
    const config = join(dir, 'sparkbaas.config.json')
    await runCli(['generate', '--config', config])
    writeFileSync(join(dir, 'generated', '.env'), 'EDITED=1\n', { mode: 0o600 })
    writeConfig(dir, { ...BASE_CONFIG, realms: [BASE_CONFIG.realms[0], { name: 'third' }] })
    const run = await runCli(['generate', '--config', config, '--check', '--json'])
    expect(run.code).toBe(1)
    const { problems } = JSON.parse(run.stdout) as { problems: { path: string; code: string }[] }
    expect(problems.map((p) => `${p.code} ${p.path}`)).toEqual([
      'stale .env.example',
      'stale .sparkbaas-manifest.json',
      'stale docker-compose.yml',
      'missing keycloak/third-realm.json',
      'extra keycloak/extra-realm.json',
    ])
  })

  test('an invalid config exits 1 with the problem, and writes nothing', async () => {
    const dir = makeProject({ ...BASE_CONFIG, functions: [{ name: 'hello', source: './functions/missing' }] })
    const run = await runCli(['generate', '--config', join(dir, 'sparkbaas.config.json')])
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/functions\[0\]\.source/)
    expect(existsSync(join(dir, 'generated'))).toBe(false)
  })

  test('--check with --dry-run is a usage error (exit 2)', async () => {
    const dir = makeProject()
    const run = await runCli(['generate', '--config', join(dir, 'sparkbaas.config.json'), '--check', '--dry-run'])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/--check and --dry-run cannot be used together/)
  })
})

describe('sparkbaas blueprints', () => {
  test('eject copies a blueprint beside the config and refuses to overwrite an edited one without --force', async () => {
    const dir = makeProject()
    const config = join(dir, 'sparkbaas.config.json')
    const builtin = readFileSync(new URL('../../blueprints/functions/server.mjs', import.meta.url), 'utf8')

    const first = await runCli(['blueprints', 'eject', 'functions/server.mjs', '--config', config])
    expect(first.code).toBe(0)
    expect(normalize(first.stdout, dir)).toBe(
      '✔ Copied into <project>/blueprints/: functions/server.mjs\nEdit them there; `sparkbaas generate` uses them instead of the built-in ones.\n',
    )
    const target = join(dir, 'blueprints', 'functions', 'server.mjs')
    expect(readFileSync(target, 'utf8')).toBe(builtin)

    writeFileSync(target, '// mine\n')
    const refused = await runCli(['blueprints', 'eject', 'server', '--config', config])
    expect(refused.code).toBe(1)
    expect(normalize(refused.stderr, dir)).toBe(
      [
        '✖ Not ejecting: <project>/blueprints already has its own functions/server.mjs. Nothing was copied.',
        'hint: Pass --force to replace them with the built-in versions (your changes are lost), or eject another blueprint.',
        '',
      ].join('\n'),
    )
    expect(readFileSync(target, 'utf8')).toBe('// mine\n')

    const forced = await runCli(['blueprints', 'eject', 'server', '--force', '--config', config])
    expect(forced.code).toBe(0)
    expect(readFileSync(target, 'utf8')).toBe(builtin)
  })

  test('eject without a name copies every blueprint; an unknown name is a usage error', async () => {
    const dir = makeProject()
    const config = join(dir, 'sparkbaas.config.json')
    const run = await runCli(['blueprints', 'eject', '--config', config, '--json'])
    expect(run.code).toBe(0)
    const { copied } = JSON.parse(run.stdout) as { copied: string[] }
    expect(copied).toContain('functions/server.mjs')
    expect(copied).toContain('verifier/verifier.mjs')
    for (const name of copied) expect(existsSync(join(dir, 'blueprints', name)), name).toBe(true)

    const list = await runCli(['blueprints', 'list', '--config', config])
    expect(list.stdout).toMatch(/^functions\/server\.mjs +ejected, unchanged$/m)

    const unknown = await runCli(['blueprints', 'eject', 'nope', '--config', config])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/No built-in blueprint is called "nope"/)
  })

  test('a blueprint in blueprints/ beside the config replaces the built-in one in the output', async () => {
    const dir = makeProject()
    mkdirSync(join(dir, 'blueprints', 'functions'), { recursive: true })
    writeFileSync(join(dir, 'blueprints', 'functions', 'server.mjs'), '// my own runtime\nconsole.log("custom")\n')
    const run = await runCli(['generate', '--config', join(dir, 'sparkbaas.config.json')])
    expect(run.code).toBe(0)
    const server = readFileSync(join(dir, 'generated', 'functions', 'server.mjs'), 'utf8')
    expect(server).toBe(
      '// Generated by sparkbaas from sparkbaas.config.json. Do not edit: change the config and run `sparkbaas generate`.\n// my own runtime\nconsole.log("custom")\n',
    )
  })
})
