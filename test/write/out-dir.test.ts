/**
 * Issue 12 item 5: `generate` writes only into a folder of its own. The filesystem root and the config's own
 * folder are refused outright; a folder holding files sparkbaas did not write is refused unless it is empty (apart
 * from `.sparkbaas/`, `.env`, `.gitignore`) or `--force` is given; inside its own folder, replacing a file that is
 * not in the manifest needs `--force`. Every refusal happens before anything is written (no `.sparkbaas/` either).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { generate } from '../../src/generate.js'
import { sparkbaas, STACK_LINE } from '../helpers/cli.js'
import { BASE_CONFIG, makeProject, writeConfig } from '../generate/helpers.js'

const listing = (dir: string) => readdirSync(dir).sort()

describe('folders that are never an output folder', () => {
  test('--out / is refused (exit code 2) and nothing is written', async () => {
    const dir = makeProject()
    const before = listing('/')
    const cli = await sparkbaas(['generate', '--out', '/'], { cwd: dir, tmp: dir })
    expect(cli.code).toBe(2)
    expect(cli.stderr).toBe(
      '✖ Refusing to generate into /: it is the root of the filesystem. Nothing was changed.\n' +
        'hint: Choose a folder of its own, e.g. --out generated (the default: generated/ beside the config file).\n',
    )
    expect(listing('/')).toEqual(before)
    // --force does not change it.
    expect((await sparkbaas(['generate', '--out', '/', '--force'], { cwd: dir, tmp: dir })).code).toBe(2)
    expect(listing('/')).toEqual(before)
  })

  test('--out . (the project folder, with the config and the function sources) is refused, --force or not', async () => {
    const dir = makeProject()
    writeFileSync(join(dir, 'docker-compose.yml'), 'services: {}  # mine\n')
    const before = listing(dir)
    const parent = dirname(dir)
    for (const [args, shown] of [
      [['generate', '--out', '.'], '<tmp>'],
      [['generate', '--out', '.', '--force'], '<tmp>'],
      [['generate', '--out', '..', '--dry-run'], parent],
    ] as const) {
      const cli = await sparkbaas([...args], { cwd: dir, tmp: dir })
      expect(cli.code, args.join(' ')).toBe(2)
      expect(cli.stderr).toBe(
        `✖ Refusing to generate into ${shown}: it holds the config file <tmp>/sparkbaas.config.json, and sparkbaas replaces and deletes files in its output folder. Nothing was changed.\n` +
          'hint: Choose a folder of its own, e.g. --out generated (the default: generated/ beside the config file). --force does not change this.\n',
      )
    }
    expect(listing(dir)).toEqual(before)
    expect(readFileSync(join(dir, 'docker-compose.yml'), 'utf8')).toBe('services: {}  # mine\n')
  })
})

describe('a folder sparkbaas did not write', () => {
  test('is refused (exit code 1, nothing written); with --force it is written, other files kept; then it is ours', async () => {
    const dir = makeProject()
    const stack = join(dir, 'stack')
    mkdirSync(stack)
    writeFileSync(join(stack, 'docker-compose.yml'), 'services: {}  # mine\n')
    writeFileSync(join(stack, 'notes.txt'), 'mine\n')
    mkdirSync(join(stack, 'b'))
    mkdirSync(join(stack, 'c'))
    for (const args of [['generate', '--out', 'stack'], ['generate', '--out', 'stack', '--dry-run']]) {
      const cli = await sparkbaas(args, { cwd: dir, tmp: dir })
      expect(cli.code).toBe(1)
      expect(cli.stderr).toBe(
        '✖ Refusing to generate into <tmp>/stack: it holds files sparkbaas did not write (b, c, docker-compose.yml and 1 more) and no .sparkbaas-manifest.json. Nothing was changed.\n' +
          'hint: Choose an empty or new folder, or pass --force to write into this one anyway (files with the names sparkbaas writes are replaced; no other file is deleted).\n',
      )
      expect(cli.stderr).not.toMatch(STACK_LINE)
    }
    expect(listing(stack)).toEqual(['b', 'c', 'docker-compose.yml', 'notes.txt'])

    const forced = await sparkbaas(['generate', '--out', 'stack', '--force'], { cwd: dir, tmp: dir })
    expect(forced.code).toBe(0)
    expect(readFileSync(join(stack, 'docker-compose.yml'), 'utf8')).not.toContain('# mine')
    expect(readFileSync(join(stack, 'notes.txt'), 'utf8')).toBe('mine\n')
    // It has a manifest now: later runs need no --force.
    expect((await sparkbaas(['generate', '--out', 'stack'], { cwd: dir, tmp: dir })).code).toBe(0)
  })

  test('a new folder, an empty one, and one holding only .env, .gitignore and .sparkbaas/ are fine', async () => {
    const dir = makeProject()
    await generate({ cwd: dir, outDir: 'new/deeper' })
    mkdirSync(join(dir, 'empty'))
    await generate({ cwd: dir, outDir: 'empty' })
    mkdirSync(join(dir, 'prepared', '.sparkbaas'), { recursive: true })
    writeFileSync(join(dir, 'prepared', '.env'), 'POSTGRES_PASSWORD=mine\n', { mode: 0o600 })
    writeFileSync(join(dir, 'prepared', '.gitignore'), '.env\n')
    await generate({ cwd: dir, outDir: 'prepared' })
    expect(readFileSync(join(dir, 'prepared', '.env'), 'utf8')).toMatch(/^POSTGRES_PASSWORD=mine\n/)
  })

  test('--check is unchanged: it writes nothing and reports the folder as out of date', async () => {
    const dir = makeProject()
    mkdirSync(join(dir, 'stack'))
    writeFileSync(join(dir, 'stack', 'notes.txt'), 'mine\n')
    const result = await generate({ cwd: dir, outDir: 'stack', check: true })
    expect(result.upToDate).toBe(false)
    expect(listing(join(dir, 'stack'))).toEqual(['notes.txt'])
  })
})

describe('inside its own folder', () => {
  test('a file the config now produces, put there by hand (not in the manifest), is replaced only with --force', async () => {
    const dir = makeProject()
    await generate({ cwd: dir })
    const out = join(dir, 'generated')
    writeFileSync(join(out, 'keycloak', 'third-realm.json'), '{"mine": true}\n')
    writeConfig(dir, { ...BASE_CONFIG, realms: [...BASE_CONFIG.realms, { name: 'third' }] })
    const cli = await sparkbaas(['generate'], { cwd: dir, tmp: dir })
    expect(cli.code).toBe(1)
    expect(cli.stderr).toBe(
      '✖ Refusing to replace a file in <tmp>/generated that sparkbaas did not write (not in <tmp>/generated/.sparkbaas-manifest.json): keycloak/third-realm.json. Nothing was changed.\n' +
        'hint: Move them out of the way, or pass --force to replace them.\n',
    )
    expect(readFileSync(join(out, 'keycloak', 'third-realm.json'), 'utf8')).toBe('{"mine": true}\n')
    expect((await sparkbaas(['generate', '--force'], { cwd: dir, tmp: dir })).code).toBe(0)
    expect(readFileSync(join(out, 'keycloak', 'third-realm.json'), 'utf8')).toContain('"realm": "third"')
    expect(existsSync(join(out, '.sparkbaas-manifest.json'))).toBe(true)
  })
})
