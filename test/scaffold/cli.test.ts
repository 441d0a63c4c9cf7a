/**
 * `sparkbaas init` as a user runs it: the built CLI (`npm run build` first) in a temp folder outside the
 * repository, then `validate` and `generate` in the result, which must succeed as written and build the hello
 * function into something that answers.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, test } from 'vitest'
import { STACK_LINE, sparkbaas } from '../helpers/cli.js'
import { readTree, tempDir } from './_helpers.js'

const REPO = path.resolve(import.meta.dirname, '../..')

describe('init, then validate and generate as written', () => {
  test('in a new folder outside any project', async () => {
    const root = tempDir()
    const init = await sparkbaas(['init', 'acme'], { cwd: root, tmp: root })
    expect(init).toMatchObject({ code: 0, stderr: '' })
    expect(init.stdout).toBe(
      [
        '✔ Created project "acme" in acme',
        '  wrote sparkbaas.config.ts',
        '  wrote functions/hello/index.ts',
        '  wrote .gitignore: generated/.env, node_modules/, backups/',
        '',
        'Next steps:',
        '  cd acme',
        // The CLI under test runs from this clone, so the project installs the clone (src/scaffold/install-step.ts);
        // the helper prints the clone's path as <root>.
        '  npm install --save-dev <root> @types/node',
        '  npx sparkbaas generate',
        '  npx sparkbaas up',
        '',
      ].join('\n'),
    )
    const dir = path.join(root, 'acme')
    // No package.json: `import { defineConfig } from 'sparkbaas'` resolves to the running CLI (src/config/loaders.ts).
    expect(existsSync(path.join(dir, 'package.json'))).toBe(false)

    const validate = await sparkbaas(['validate'], { cwd: dir })
    expect(validate).toMatchObject({ code: 0, stdout: '✔ acme: 8 services, 3 routes (sparkbaas.config.ts)\n', stderr: '' })

    const generate = await sparkbaas(['generate'], { cwd: dir })
    expect(generate.stderr).toBe('')
    expect(generate.code).toBe(0)
    expect(generate.stdout).toContain('✔ Generated generated/:')
    expect(generate.stdout).toContain('    http://api.localhost/fn/hello\n')
    const manifest = JSON.parse(readFileSync(path.join(dir, 'generated/functions/manifest.json'), 'utf8')) as { functions: { name: string; env: object }[] }
    expect(manifest.functions.map((fn) => [fn.name, fn.env])).toEqual([['hello', { GREETING: 'Hello' }]])

    // The bundle the runtime will load answers like the comment in functions/hello/index.ts says.
    const hello = (await import(pathToFileURL(path.join(dir, 'generated/functions/hello.mjs')).href)) as { default: (r: Request) => Promise<Response> }
    const response = await hello.default(new Request('http://api.localhost/?name=Ada'))
    expect(await response.json()).toEqual({ message: 'Hello, Ada!' })

    const check = await sparkbaas(['generate', '--check'], { cwd: dir })
    expect(check.code).toBe(0)
  })

  test('--json', async () => {
    const root = tempDir()
    const result = await sparkbaas(['init', 'acme', '--json'], { cwd: root })
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(JSON.parse(result.raw.stdout)).toEqual({
      ok: true,
      dir: path.join(root, 'acme'),
      project: 'acme',
      projectSource: 'from-folder',
      written: ['sparkbaas.config.ts', 'functions/hello/index.ts'],
      overwritten: [],
      gitignore: { created: true, added: ['generated/.env', 'node_modules/', 'backups/'] },
      nextSteps: ['cd acme', `npm install --save-dev ${REPO} @types/node`, 'npx sparkbaas generate', 'npx sparkbaas up'],
      warnings: [],
    })
  })
})

describe('function new, through the `function` command', () => {
  test('scaffolds beside the config from a subfolder and adds it to the config, which then generates it', async () => {
    const dir = tempDir()
    expect((await sparkbaas(['init'], { cwd: dir })).code).toBe(0)
    const configFile = path.join(dir, 'sparkbaas.config.ts')
    const config = readFileSync(configFile, 'utf8')
    const sub = path.join(dir, 'functions')
    const created = await sparkbaas(['function', 'new', 'report'], { cwd: sub, tmp: dir })
    expect(created).toMatchObject({ code: 0, stderr: '' })
    expect(created.stdout).toBe(
      [
        '✔ Created report/index.ts',
        '✔ Added it to `functions` in <tmp>/sparkbaas.config.ts, with a route at api.<domain>/fn/report (no auth).',
        'Then run `npx sparkbaas generate`.',
        '',
      ].join('\n'),
    )
    // Two lines added, each at the end of its list; every other byte of the starter (its comments too) as it was.
    const edited = readFileSync(configFile, 'utf8')
    expect(edited).toBe(
      config
        .replace("{ GREETING: 'Hello' } },\n", "{ GREETING: 'Hello' } },\n    { name: 'report', source: './functions/report' },\n")
        .replace("roles: ['admin'] } },\n  ],", "roles: ['admin'] } },\n    { host: 'api', path: '/fn/report', to: { function: 'report' }, stripPrefix: true },\n  ],"),
    )
    expect(edited.split('\n').length).toBe(config.split('\n').length + 2)
    expect(readdirSync(dir).filter((name) => name.includes('.tmp'))).toEqual([])

    const generate = await sparkbaas(['generate'], { cwd: dir })
    expect(generate).toMatchObject({ code: 0, stderr: '' })
    expect(generate.stdout).toContain('    http://api.localhost/fn/report\n')
    const report = (await import(pathToFileURL(path.join(dir, 'generated/functions/report.mjs')).href)) as { default: (r: Request) => Promise<Response> }
    const response = await report.default(new Request('http://api.localhost/x', { method: 'POST', body: '{"a":1}' }))
    expect(await response.json()).toEqual({ function: 'report', method: 'POST', path: '/x', received: { a: 1 } })

    const again = await sparkbaas(['function', 'new', 'report'], { cwd: dir, tmp: dir })
    expect(again).toMatchObject({ code: 2, stdout: '' })
    expect(again.stderr).toBe(
      '✖ <tmp>/functions/report already exists.\nhint: `function new` never overwrites a folder (it has no --force): choose another name, or remove the folder first.\n',
    )
  })

  test('a bad name: exit 2, a suggestion, nothing written', async () => {
    const dir = tempDir()
    expect((await sparkbaas(['init'], { cwd: dir })).code).toBe(0)
    const before = readTree(dir)
    const result = await sparkbaas(['function', 'new', 'My Report'], { cwd: dir })
    expect(result).toMatchObject({
      code: 2,
      stderr:
        '✖ "My Report" is not a valid function name: expected lowercase letters, digits, "-" and "_", starting with a letter, at most 39 characters.\nhint: For example: `sparkbaas function new my-report`.\n',
    })
    expect(readTree(dir)).toEqual(before)
  })
})

describe('hostile folder names: a valid project, said so', () => {
  test.each([
    [`we"ird 'n' $HOME`, 'we-ird-n-home', `! The folder name "we\\"ird 'n' $HOME" is not a valid project name; the project is named "we-ird-n-home". Change \`project\` in sparkbaas.config.ts to pick another.\n`],
    ['日本', 'my-project', '! The folder name "日本" has no letters or digits a project name can use; the project is named "my-project". Change `project` in sparkbaas.config.ts to pick another.\n'],
  ])('%j', async (folder, project, note) => {
    const root = tempDir()
    const init = await sparkbaas(['init', folder], { cwd: root })
    expect(init).toMatchObject({ code: 0, stderr: note })
    expect(init.stdout).toContain(`✔ Created project "${project}" in ${folder}\n`)
    const validate = await sparkbaas(['validate'], { cwd: path.join(root, folder) })
    expect(validate).toMatchObject({ code: 0, stdout: `✔ ${project}: 8 services, 3 routes (sparkbaas.config.ts)\n` })
  })
})

describe('refusing', () => {
  test('existing files: exit 2, each named, --force suggested, nothing written', async () => {
    const root = tempDir()
    expect((await sparkbaas(['init'], { cwd: root })).code).toBe(0)
    const before = readTree(root)
    const again = await sparkbaas(['init'], { cwd: root, tmp: root })
    expect(again).toMatchObject({ code: 2, stdout: '' })
    expect(again.stderr).toBe(
      [
        '✖ Not overwriting 2 files that already exist in <tmp>:',
        '  sparkbaas.config.ts: already exists',
        '  functions/hello/index.ts: already exists',
        'hint: Nothing was written. Run `sparkbaas init --force` to overwrite them (.gitignore is only ever appended to), or init another folder.',
        '',
      ].join('\n'),
    )
    expect(again.stderr).not.toMatch(STACK_LINE)
    expect(readTree(root)).toEqual(before)

    const forced = await sparkbaas(['init', '--force'], { cwd: root })
    expect(forced.code).toBe(0)
    expect(forced.stdout).toContain('  overwrote sparkbaas.config.ts\n  overwrote functions/hello/index.ts\n')
    expect(readTree(root)).toEqual(before)
  })

  test('a second folder argument is a usage error', async () => {
    const root = tempDir()
    const result = await sparkbaas(['init', 'a', 'b'], { cwd: root })
    expect(result).toMatchObject({ code: 2, stderr: '✖ Unexpected argument "b" for `sparkbaas init`.\nhint: Run `sparkbaas init --help` to see its usage.\n' })
    expect(readTree(root)).toEqual({})
  })
})
