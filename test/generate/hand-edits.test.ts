/**
 * Generated files edited by hand (issue 13): `generate` says which ones it replaces, where the edit is kept and how
 * to make the change stick (the blueprint); `generate --check` shows what differs as a unified diff, never with a
 * secret of `.env` in it. `.env` is the user's and is never replaced, so editing it is not a hand edit.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { sparkbaas, ROOT as CLI_ROOT } from '../helpers/cli.js'
import { BASE_CONFIG, makeProject, runCli, writeConfig } from './helpers.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const normalize = (text: string, dir: string) => text.replaceAll(dir, '<project>')
const HINT = 'Generated files are rewritten on every run; to change this one,'

/** A generated project; returns its folder, config path and output folder. */
async function generated(config: object = BASE_CONFIG) {
  const dir = makeProject(config)
  const configFile = join(dir, 'sparkbaas.config.json')
  const out = join(dir, 'generated')
  expect((await runCli(['generate', '--config', configFile])).code).toBe(0)
  return { dir, configFile, out }
}

const edit = (file: string, change: (text: string) => string) => writeFileSync(file, change(readFileSync(file, 'utf8')))

describe('generate: files edited by hand', () => {
  test('are replaced with a warning that names the blueprint to edit, and the edited version is kept', async () => {
    const { dir, configFile, out } = await generated()
    const original = readFileSync(join(out, 'traefik/dynamic.yml'), 'utf8')
    edit(join(out, 'traefik/dynamic.yml'), (text) => `${text}# my tweak\n`)
    // .env is the user's to edit: never replaced, so never warned about.
    edit(join(out, '.env'), (text) => `${text}MY_OWN=1\n`)

    const run = await runCli(['generate', '--config', configFile])
    expect(run.code).toBe(0)
    expect(normalize(run.stderr, dir)).toBe(
      '! <project>/generated/traefik/dynamic.yml was edited by hand since the last `sparkbaas generate`: the edit is replaced ' +
        '(your version is kept in <project>/generated/.sparkbaas/hand-edits/traefik/dynamic.yml). ' +
        `${HINT} run \`sparkbaas blueprints eject traefik/dynamic.yml.hbs\` and edit <project>/blueprints/traefik/dynamic.yml.hbs, ` +
        'or change sparkbaas.config.json.\n',
    )
    expect(normalize(run.stdout, dir).split('\n')[0]).toBe('✔ Generated <project>/generated/: 1 written, 16 unchanged')
    expect(readFileSync(join(out, 'traefik/dynamic.yml'), 'utf8')).toBe(original)
    const copy = join(out, '.sparkbaas/hand-edits/traefik/dynamic.yml')
    expect(readFileSync(copy, 'utf8')).toBe(`${original}# my tweak\n`)
    expect(statSync(copy).mode & 0o777).toBe(0o600)
    expect(readFileSync(join(out, '.env'), 'utf8')).toMatch(/\nMY_OWN=1\n$/)

    // Once replaced, the file is what the manifest says again: no warning the next time.
    const again = await runCli(['generate', '--config', configFile])
    expect(again.stderr).toBe('')
  })

  test('--json lists them in handEdited; the hint fits the file (an overridden blueprint, a file with none)', async () => {
    const { dir, configFile, out } = await generated()
    mkdirSync(join(dir, 'blueprints/keycloak'), { recursive: true })
    writeFileSync(join(dir, 'blueprints/keycloak/sync.mjs'), readFileSync(join(ROOT, 'blueprints/keycloak/sync.mjs')))
    edit(join(out, 'keycloak/sync.mjs'), (text) => `${text}// mine\n`)
    edit(join(out, 'functions/manifest.json'), (text) => text.replace('"Hi"', '"Hey"'))

    const run = await runCli(['generate', '--config', configFile, '--json'])
    expect(run.code).toBe(0)
    expect(run.stderr).toBe('')
    const json = JSON.parse(run.stdout) as { handEdited: string[]; warnings: string[] }
    expect(json.handEdited).toEqual(['functions/manifest.json', 'keycloak/sync.mjs'])
    expect(json.warnings.map((w) => normalize(w, dir).replace(/^.*?; to change this one, /, ''))).toEqual([
      'change sparkbaas.config.json or the sources it names.',
      'edit <project>/blueprints/keycloak/sync.mjs, or change sparkbaas.config.json.',
    ])

    const clean = JSON.parse((await runCli(['generate', '--config', configFile, '--json'])).stdout) as { handEdited: string[] }
    expect(clean.handEdited).toEqual([])
  })

  test('--dry-run says the edit would be replaced, and changes nothing', async () => {
    const { dir, configFile, out } = await generated()
    edit(join(out, '.env.example'), (text) => `${text}\nEXTRA=1\n`)
    const before = readFileSync(join(out, '.env.example'), 'utf8')
    const run = await runCli(['generate', '--config', configFile, '--dry-run'])
    expect(run.code).toBe(0)
    expect(normalize(run.stderr, dir)).toBe(
      '! <project>/generated/.env.example was edited by hand since the last `sparkbaas generate`: generate would replace the edit. ' +
        `${HINT} change sparkbaas.config.json (this machine's values go in <project>/generated/.env, which generate never replaces).\n`,
    )
    expect(readFileSync(join(out, '.env.example'), 'utf8')).toBe(before)
    expect(existsSync(join(out, '.sparkbaas/hand-edits'))).toBe(false)
  })

  test('a file the config changed (not the user) is replaced without a warning', async () => {
    const { configFile } = await generated()
    writeConfig(join(configFile, '..'), { ...BASE_CONFIG, functions: [{ name: 'hello', source: './functions/hello', env: { GREETING: 'Hey' } }] })
    const run = await runCli(['generate', '--config', configFile, '--json'])
    expect(run.code).toBe(0)
    const json = JSON.parse(run.stdout) as { written: string[]; handEdited: string[]; warnings: string[] }
    expect(json.written).toContain('functions/manifest.json')
    expect(json.handEdited).toEqual([])
    expect(json.warnings).toEqual([])
  })
})


describe('generate --check: a unified diff of what differs', () => {
  /** A project with one file edited by hand, one deleted and one left over from an earlier config. */
  async function drifted() {
    const project = await generated()
    const { dir, out } = project
    edit(join(out, 'functions/manifest.json'), (text) => text.replace('"GREETING": "Hi"', '"GREETING": "Yo"'))
    unlinkSync(join(out, 'keycloak/sync.mjs'))
    writeConfig(dir, { ...BASE_CONFIG, realms: [BASE_CONFIG.realms[0]] })
    return project
  }

  test('prints each changed file as a diff from what is on disk to what generate writes; exit 1, as before', async () => {
    const { dir, configFile, out } = await drifted()
    const run = await runCli(['generate', '--config', configFile, '--check'])
    expect(run.code).toBe(1)
    const stdout = normalize(run.stdout, dir)
    // A modified file: only the changed line, with its context.
    expect(stdout).toContain(
      [
        '--- <project>/generated/functions/manifest.json\t(on disk)',
        '+++ <project>/generated/functions/manifest.json\t(generated)',
        '@@ -6,7 +6,7 @@',
        '       "timeoutMs": 10000,',
        '       "memoryMb": 256,',
        '       "env": {',
        '-        "GREETING": "Yo"',
        '+        "GREETING": "Hi"',
        '       }',
        '     }',
        '   ]',
        '',
      ].join('\n'),
    )
    // A missing file: all of it, added.
    const sync = readFileSync(join(ROOT, 'blueprints/keycloak/sync.mjs'), 'utf8').split('\n')[0]
    expect(stdout).toContain(`--- /dev/null\n+++ <project>/generated/keycloak/sync.mjs\t(generated)\n@@ -0,0 +1,`)
    expect(stdout).toContain(`\n+${sync}\n`)
    // A file no longer generated: all of it, removed.
    const extra = readFileSync(join(out, 'keycloak/extra-realm.json'), 'utf8').split('\n')
    expect(stdout).toContain(`--- <project>/generated/keycloak/extra-realm.json\t(on disk)\n+++ /dev/null\n@@ -1,${extra.length - 1} +0,0 @@\n-${extra[0]}\n`)
    // Files in path order, each once.
    const headers = [...stdout.matchAll(/^\+\+\+ (\S+)/gm)].map((m) => m[1])
    expect(headers).toEqual([
      '<project>/generated/.env.example',
      '<project>/generated/.sparkbaas-manifest.json',
      '<project>/generated/docker-compose.yml',
      '<project>/generated/functions/manifest.json',
      '/dev/null',
      '<project>/generated/keycloak/sync.mjs',
    ])
    expect(normalize(run.stderr, dir)).toBe(
      [
        '✖ <project>/generated/ is out of date with sparkbaas.config.json (6 files):',
        '  .env.example: differs from what the config generates',
        '  .sparkbaas-manifest.json: differs from what the config generates',
        '  docker-compose.yml: differs from what the config generates',
        '  functions/manifest.json: differs from what the config generates (edited by hand since the last `sparkbaas generate`)',
        '  keycloak/sync.mjs: is missing',
        '  keycloak/extra-realm.json: is no longer generated by the config',
        'hint: Run `sparkbaas generate` and commit the result. It replaces the edits made by hand: to keep one, make it in the config or in a blueprint (`sparkbaas blueprints eject <name>`, then edit blueprints/) first.',
        '',
      ].join('\n'),
    )
  })

  test('--json lists the changed paths with their kind, and no diff', async () => {
    const { configFile } = await drifted()
    const run = await runCli(['generate', '--config', configFile, '--check', '--json'])
    expect(run.code).toBe(1)
    const json = JSON.parse(run.stdout) as { ok: boolean; problems: { code: string; path: string }[]; changed: unknown; handEdited: unknown }
    expect(json.ok).toBe(false)
    expect(json.changed).toEqual([
      { path: '.env.example', kind: 'modified' },
      { path: '.sparkbaas-manifest.json', kind: 'modified' },
      { path: 'docker-compose.yml', kind: 'modified' },
      { path: 'functions/manifest.json', kind: 'modified' },
      { path: 'keycloak/extra-realm.json', kind: 'extra' },
      { path: 'keycloak/sync.mjs', kind: 'missing' },
    ])
    expect(json.handEdited).toEqual(['functions/manifest.json'])
    expect(json.problems.map((p) => `${p.code} ${p.path}`)).toEqual([
      'stale .env.example',
      'stale .sparkbaas-manifest.json',
      'stale docker-compose.yml',
      'stale functions/manifest.json',
      'missing keycloak/sync.mjs',
      'extra keycloak/extra-realm.json',
    ])
  })

  test('never shows a value of .env, even one pasted into a committed file', async () => {
    const { dir, configFile, out } = await generated()
    const env = readFileSync(join(out, '.env'), 'utf8')
    const password = /^POSTGRES_PASSWORD=(.*)$/m.exec(env)![1]!
    const signingKey = /^REALM_MAIN_SIGNING_KEY=(.*)$/m.exec(env)![1]!
    expect(password.length).toBeGreaterThan(20)
    edit(join(out, 'docker-compose.yml'), (text) => text.replace('${POSTGRES_PASSWORD', `${password}\${POSTGRES_PASSWORD`))
    edit(join(out, '.env.example'), (text) => text.replace('POSTGRES_PASSWORD=\n', `POSTGRES_PASSWORD=${password}\n`).replace('REALM_MAIN_SIGNING_KEY=\n', `REALM_MAIN_SIGNING_KEY=${signingKey}\n`))
    const run = await runCli(['generate', '--config', configFile, '--check'])
    expect(run.code).toBe(1)
    const all = run.stdout + run.stderr
    expect(all).not.toContain(password)
    expect(all).not.toContain(signingKey.slice(0, 40))
    expect(normalize(run.stdout, dir)).toContain('\n-POSTGRES_PASSWORD=[.env POSTGRES_PASSWORD]\n+POSTGRES_PASSWORD=\n')
    expect(run.stdout).toContain('[.env REALM_MAIN_SIGNING_KEY]')
    // A setting is no secret (.env.example shows it): left as it is.
    expect(env).toMatch(/^KC_BOOTSTRAP_ADMIN_USERNAME=admin$/m)
    expect(run.stdout).not.toContain('[.env KC_BOOTSTRAP_ADMIN_USERNAME]')
  })

  test('a long diff is cut, saying how much is not shown', async () => {
    const { dir, configFile, out } = await generated()
    const lines = readFileSync(join(out, 'traefik/dynamic.yml'), 'utf8').split('\n').length
    writeFileSync(join(out, 'traefik/dynamic.yml'), Array.from({ length: 400 }, (_, i) => `# line ${i}\n`).join(''))
    const run = await runCli(['generate', '--config', configFile, '--check'])
    expect(run.code).toBe(1)
    const stdout = normalize(run.stdout, dir)
    const diff = stdout.slice(stdout.indexOf('--- <project>/generated/traefik/dynamic.yml'))
    const body = diff.split('\n')
    // Two header lines, the hunk header, 120 lines of the hunk, then the note.
    const total = 400 + lines - 1
    expect(body[123]).toBe(`… ${total - 120} more lines of this diff not shown: run \`sparkbaas generate\`, then \`git diff\`, to see them all.`)
    expect(body.slice(3, 123).every((line) => /^[-+ ]/.test(line))).toBe(true)
  })
})

describe('generate --check loads the diff code only when something differs', () => {
  test('an unchanged project does not load it; a drifted one does', async () => {
    const { dir, out } = await generated()
    const hook = join(CLI_ROOT, 'test/helpers/import-trace.mjs')
    const traced = async (name: string) => {
      const trace = join(dir, `${name}.txt`)
      const result = await sparkbaas(['generate', '--check'], { cwd: dir, env: { IMPORT_TRACE_FILE: trace, NODE_OPTIONS: `--import ${hook}` } })
      const files = (await readFile(trace, 'utf8')).split('\n').filter((url) => url.startsWith('file:'))
      // The bundled CLI: a chunk names the modules it holds in `// <path>` lines (scripts/bundle-cli.mjs).
      const sources = files.flatMap((url) =>
        url.includes('/dist/bin/') ? [...readFileSync(fileURLToPath(url), 'utf8').matchAll(/^\/\/ ((?:node_modules|dist)\/\S+)$/gm)].map((m) => m[1]!) : [url],
      )
      rmSync(trace)
      return { result, diffCode: sources.filter((source) => /node_modules\/diff\/|dist\/write\/drift-diff/.test(source)) }
    }
    const clean = await traced('clean')
    expect(clean.result.code).toBe(0)
    expect(clean.diffCode).toEqual([])
    edit(join(out, 'traefik/dynamic.yml'), (text) => `${text}# mine\n`)
    const stale = await traced('stale')
    expect(stale.result.code).toBe(1)
    expect(stale.result.stdout).toContain('+++ generated/traefik/dynamic.yml\t(generated)\n')
    expect(stale.diffCode).not.toEqual([])
  })
})
