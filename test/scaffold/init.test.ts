/**
 * `initProject`, in-process: what it writes, that the result loads and checks as written, and that every refusal
 * names every offending file and leaves the folder exactly as it was.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { loadAndCheck } from '../../src/config/load-and-check.js'
import { NAMES } from '../../src/config/names.js'
import { resolveModel } from '../../src/model/resolve.js'
import { summarize } from '../../src/model/summary.js'
import { initProject, nextSteps } from '../../src/scaffold/init.js'
import { readTree, rejection, tempDir } from './_helpers.js'

const HEADER = '# sparkbaas: secrets generated for this machine, installed packages, database backups'

describe('a fresh folder', () => {
  test('writes the config, the hello function and .gitignore; the golden files are the starter', async () => {
    const root = tempDir()
    const dir = path.join(root, 'acme')
    const result = await initProject({ dir: 'acme', cwd: root })
    expect(result).toEqual({
      dir,
      project: { name: 'acme', folder: 'acme', source: 'from-folder' },
      written: ['sparkbaas.config.ts', 'functions/hello/index.ts'],
      overwritten: [],
      gitignore: { created: true, added: ['generated/.env', 'node_modules/', 'backups/'] },
    })
    const tree = readTree(dir)
    expect(Object.keys(tree)).toEqual(['.gitignore', 'functions/hello/index.ts', 'sparkbaas.config.ts'])
    expect(tree['.gitignore']).toBe(`${HEADER}\ngenerated/.env\nnode_modules/\nbackups/\n`)
    // Golden .ts files: `npm run typecheck` also checks them against the real config types and @types/node.
    await expect(tree['sparkbaas.config.ts']).toMatchFileSnapshot('../golden/scaffold/sparkbaas.config.ts')
    await expect(tree['functions/hello/index.ts']).toMatchFileSnapshot('../golden/scaffold/functions/hello/index.ts')
  })

  test('the config validates as written: project, realm and the routed hello function', async () => {
    const dir = path.join(tempDir(), 'acme')
    await initProject({ dir })
    const { config, filepath } = await loadAndCheck({ cwd: dir })
    expect(filepath).toBe(path.join(dir, 'sparkbaas.config.ts'))
    expect(config.project).toBe('acme')
    expect(config.realms.map((r) => r.name)).toEqual(['acme'])
    expect(config.functions).toEqual([{ name: 'hello', source: './functions/hello', env: { GREETING: 'Hello' }, timeoutMs: 10_000, memoryMb: 256, database: false }])
    expect(config.routes.map((r) => [r.host, r.path, r.to])).toEqual([
      ['api', '/rest', 'api'],
      ['api', '/fn/hello', { function: 'hello' }],
      ['auth', '/', 'keycloak'],
    ])
    expect(config.workers).toEqual([])
    expect(config.services).toEqual({})
    // The browser client can exchange its PKCE code: Keycloak sends CORS headers for the origins of its redirect URIs.
    const [realm] = resolveModel(config, { configFile: filepath }).realms
    expect(realm!.clients.map((c) => [c.id, c.webOrigins])).toEqual([['web', ['+']]])
  })

  test('the commented-out examples are valid too once uncommented (workers, a confidential client, a service, their routes)', async () => {
    const dir = path.join(tempDir(), 'acme')
    await initProject({ dir })
    const file = path.join(dir, 'sparkbaas.config.ts')
    const text = readTree(dir)['sparkbaas.config.ts']!
    const examples = /^(\s*)\/\/ ((?:workers|services):.*|\s*mailpit:.*|\},|\{ (?:id|host):.*)$/gm
    const uncommented = text.replace(examples, '$1$2')
    expect(uncommented.split('\n').length).toBe(text.split('\n').length)
    // Seven example lines: workers, services: {, mailpit, }, the backend client, two routes.
    expect(text.match(examples)).toHaveLength(7)
    writeFileSync(file, uncommented)
    const { config } = await loadAndCheck({ cwd: dir })
    const summary = summarize(resolveModel(config, { configFile: file }))
    expect(summary.services).toEqual(expect.arrayContaining(['spark-master', 'spark-etl', 'mailpit']))
    expect(summary.routes).toBe(5)
    expect(config.realms[0]!.clients.map((c) => [c.id, c.serviceAccountRoles])).toEqual([
      ['web', []],
      ['backend', ['user']],
    ])
  })

  test('a missing folder is created, nested; the project is named after the last segment', async () => {
    const root = tempDir()
    const result = await initProject({ dir: 'a/b/new-stack', cwd: root })
    expect(result.dir).toBe(path.join(root, 'a/b/new-stack'))
    expect(result.project.name).toBe('new-stack')
    expect(Object.keys(readTree(root))).toEqual(['a/b/new-stack/.gitignore', 'a/b/new-stack/functions/hello/index.ts', 'a/b/new-stack/sparkbaas.config.ts'])
  })

  test('default folder: cwd', async () => {
    const dir = path.join(tempDir(), 'here')
    mkdirSync(dir)
    expect((await initProject({ cwd: dir })).dir).toBe(dir)
    expect(readTree(dir)['sparkbaas.config.ts']).toContain("project: 'here',")
  })
})

describe('folder names that are not project names', () => {
  test.each([
    ['My App', 'my-app', 'sanitized'],
    [`it's "quoted"`, 'it-s-quoted', 'sanitized'],
    ['$HOME `pwd` ${X}', 'home-pwd-x', 'sanitized'],
    ['café', 'cafe', 'sanitized'],
    ['2024', 'app-2024', 'sanitized'],
    ['日本', 'my-project', 'fallback'],
    ['🚀 #1', 'app-1', 'sanitized'],
    ['new\nline', 'new-line', 'sanitized'],
  ])('%j → %s (%s), and the config validates', async (folder, name, source) => {
    const dir = path.join(tempDir(), folder)
    const result = await initProject({ dir })
    expect(result.project).toEqual({ name, folder, source })
    expect(name).toMatch(NAMES.project.pattern)
    const { config } = await loadAndCheck({ cwd: dir })
    expect(config.project).toBe(name)
  })
})

describe('refusing: exit 2, every file named, nothing written', () => {
  test('both files exist', async () => {
    const dir = tempDir()
    await initProject({ cwd: dir })
    writeFileSync(path.join(dir, 'sparkbaas.config.ts'), 'mine\n')
    writeFileSync(path.join(dir, '.gitignore'), 'dist/\n')
    const before = readTree(dir)
    const error = await rejection(initProject({ cwd: dir }))
    expect({ code: error.code, exitCode: error.exitCode, message: error.message, problems: error.problems, hint: error.hint }).toEqual({
      code: 'usage',
      exitCode: 2,
      message: `Not overwriting 2 files that already exist in ${dir}:`,
      problems: [
        { path: 'sparkbaas.config.ts', code: 'file_exists', message: 'already exists' },
        { path: 'functions/hello/index.ts', code: 'file_exists', message: 'already exists' },
      ],
      hint: 'Nothing was written. Run `sparkbaas init --force` to overwrite them (.gitignore is only ever appended to), or init another folder.',
    })
    // .gitignore lacked the entries, and was still not touched.
    expect(readTree(dir)).toEqual(before)
  })

  test('only the function exists: that one is named, the config is not written', async () => {
    const dir = tempDir()
    mkdirSync(path.join(dir, 'functions/hello'), { recursive: true })
    writeFileSync(path.join(dir, 'functions/hello/index.ts'), 'export default () => 1\n')
    const error = await rejection(initProject({ cwd: dir }))
    expect(error.message).toBe(`Not overwriting 1 file that already exists in ${dir}:`)
    expect(error.problems).toEqual([{ path: 'functions/hello/index.ts', code: 'file_exists', message: 'already exists' }])
    expect(error.hint).toBe('Nothing was written. Run `sparkbaas init --force` to overwrite it (.gitignore is only ever appended to), or init another folder.')
    expect(readTree(dir)).toEqual({ 'functions/hello/index.ts': 'export default () => 1\n' })
  })

  test('the hint repeats the folder argument, quoted for the shell', async () => {
    const root = tempDir()
    await initProject({ cwd: root, dir: "it's here" })
    const error = await rejection(initProject({ cwd: root, dir: "it's here" }))
    expect(error.hint).toContain("Run `sparkbaas init 'it'\\''s here' --force` to overwrite them")
  })

  test.each([
    ['sparkbaas.config.json', '{"project":"old"}', 'already holds a sparkbaas config'],
    ['.sparkbaasrc.yaml', 'project: old\n', 'already holds a sparkbaas config'],
    ['package.json', '{"name":"x","sparkbaas":{"project":"old"}}', 'already holds a sparkbaas config (its "sparkbaas" key)'],
  ])('another config (%s) is refused even with --force: one of the two would be ignored', async (file, contents, message) => {
    const dir = tempDir()
    writeFileSync(path.join(dir, file), contents)
    writeFileSync(path.join(dir, 'sparkbaas.config.ts'), 'mine\n')
    const before = readTree(dir)
    const plain = await rejection(initProject({ cwd: dir }))
    expect(plain.message).toBe(`${dir} already has a sparkbaas config; a second one would leave one of them ignored:`)
    expect(plain.problems).toEqual([
      { path: 'sparkbaas.config.ts', code: 'file_exists', message: 'already exists' },
      { path: file, code: 'other_config', message },
    ])
    expect(plain.hint).toBe(
      'Nothing was written. Edit the existing config, or remove it and run `sparkbaas init` again (--force does not remove it). Then `sparkbaas init --force` overwrites the files that exist.',
    )
    const forced = await rejection(initProject({ cwd: dir, force: true }))
    expect(forced.exitCode).toBe(2)
    expect(forced.problems).toEqual([{ path: file, code: 'other_config', message }])
    expect(forced.hint).toBe('Nothing was written. Edit the existing config, or remove it and run `sparkbaas init` again (--force does not remove it).')
    expect(readTree(dir)).toEqual(before)
  })

  test('a package.json without a "sparkbaas" key is no config', async () => {
    const dir = tempDir()
    writeFileSync(path.join(dir, 'package.json'), '{"name":"x"}')
    await initProject({ cwd: dir })
    expect(readTree(dir)['package.json']).toBe('{"name":"x"}')
  })

  test('a file where the folder should be', async () => {
    const root = tempDir()
    writeFileSync(path.join(root, 'taken'), '')
    const error = await rejection(initProject({ cwd: root, dir: 'taken' }))
    expect([error.code, error.message, error.hint]).toEqual(['usage', `${path.join(root, 'taken')} exists and is not a folder.`, 'Pass a folder to create the project in, e.g. `sparkbaas init my-stack`.'])
  })
})

describe('--force', () => {
  test('overwrites both files, appends only missing .gitignore entries, keeps the rest of the folder', async () => {
    const dir = path.join(tempDir(), 'acme')
    await initProject({ dir })
    const fresh = readTree(dir)
    writeFileSync(path.join(dir, 'sparkbaas.config.ts'), 'edited\n')
    writeFileSync(path.join(dir, 'functions/hello/index.ts'), 'edited\n')
    writeFileSync(path.join(dir, '.gitignore'), '.env\nnode_modules\nbackups\n')
    writeFileSync(path.join(dir, 'notes.md'), 'keep me\n')
    const result = await initProject({ dir, force: true })
    expect(result.overwritten).toEqual(['sparkbaas.config.ts', 'functions/hello/index.ts'])
    expect(result.gitignore).toEqual({ created: false, added: [] })
    expect(readTree(dir)).toEqual({ ...fresh, '.gitignore': '.env\nnode_modules\nbackups\n', 'notes.md': 'keep me\n' })
  })

  test('run twice on an existing .gitignore: the user lines stay, no entry is duplicated', async () => {
    const dir = tempDir()
    writeFileSync(path.join(dir, '.gitignore'), '# mine\ncoverage/')
    await initProject({ cwd: dir })
    await initProject({ cwd: dir, force: true })
    expect(readTree(dir)['.gitignore']).toBe(`# mine\ncoverage/\n\n${HEADER}\ngenerated/.env\nnode_modules/\nbackups/\n`)
  })
})

describe('nextSteps', () => {
  // A folder that stands for a packed or registry install of sparkbaas: no src/ beside package.json.
  const installedRoot = () => {
    const root = tempDir()
    writeFileSync(path.join(root, 'package.json'), '{}')
    return root
  }

  test('cd only when the project is elsewhere; quoted for the shell', async () => {
    const root = tempDir()
    const here = await initProject({ cwd: root })
    expect(nextSteps(here, root, installedRoot())).toEqual(['npm install --save-dev sparkbaas @types/node', 'npx sparkbaas generate', 'npx sparkbaas up'])
    const there = await initProject({ cwd: root, dir: 'My $tack' })
    expect(nextSteps(there, root)[0]).toBe("cd 'My $tack'")
    expect(nextSteps(there, path.join(root, 'elsewhere'))[0]).toBe(`cd '${path.join(root, 'My $tack')}'`)
  })

  test('run from a clone of the repository, the project installs that clone by its path (the registry has no sparkbaas yet)', async () => {
    const root = tempDir()
    const result = await initProject({ cwd: root })
    const repo = path.resolve(import.meta.dirname, '../..')
    expect(nextSteps(result, root)[0]).toBe(`npm install --save-dev ${repo} @types/node`)
    const quoted = path.join(tempDir(), "it's here")
    mkdirSync(path.join(quoted, 'src'), { recursive: true })
    writeFileSync(path.join(quoted, 'package.json'), '{}')
    writeFileSync(path.join(quoted, 'src/index.ts'), '')
    expect(nextSteps(result, root, quoted)[0]).toBe(`npm install --save-dev '${quoted.replaceAll("'", `'\\''`)}' @types/node`)
  })

  test('nothing to install when the project (or a folder above it) already has the packages, e.g. from a packed tarball', async () => {
    const root = tempDir()
    mkdirSync(path.join(root, 'node_modules/sparkbaas'), { recursive: true })
    writeFileSync(path.join(root, 'node_modules/sparkbaas/package.json'), '{}')
    const result = await initProject({ cwd: root, dir: 'app' })
    expect(nextSteps(result, root)).toEqual(['cd app', 'npm install --save-dev @types/node', 'npx sparkbaas generate', 'npx sparkbaas up'])
    mkdirSync(path.join(root, 'node_modules/@types/node'), { recursive: true })
    writeFileSync(path.join(root, 'node_modules/@types/node/package.json'), '{}')
    expect(nextSteps(result, root)).toEqual(['cd app', 'npx sparkbaas generate', 'npx sparkbaas up'])
  })
})
