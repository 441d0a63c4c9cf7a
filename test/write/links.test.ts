/**
 * Issue 12 item 4: symbolic links inside the output folder are never followed. A link where a folder of the
 * output should be would make rename(2) place files at the link's target, and a manifest entry through it would
 * make a deletion outside the project: rename(2) and unlink(2) resolve every path component but the last one
 * through symlinks (POSIX path resolution, The Open Group base definitions §4.13), so only lstat(2) on each
 * component tells. Both are refused, before anything changes, with the link and what to do.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import type { SparkbaasError } from '../../src/errors.js'
import { generate } from '../../src/generate.js'
import { MANIFEST_FILE, sha256 } from '../../src/write/manifest.js'
import { sparkbaas } from '../helpers/cli.js'
import { BASE_CONFIG, makeProject, tempDir, writeConfig } from '../generate/helpers.js'

const out = (dir: string) => join(dir, 'generated')
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e as SparkbaasError,
  )
const manifestOf = (dir: string) => JSON.parse(readFileSync(join(out(dir), MANIFEST_FILE), 'utf8')) as { files: Record<string, string> }

describe('a link inside the output folder', () => {
  test('a folder of the output that is a link to elsewhere is refused: nothing is written there', async () => {
    const dir = makeProject()
    await generate({ cwd: dir })
    const elsewhere = tempDir()
    rmSync(join(out(dir), 'functions'), { recursive: true })
    symlinkSync(elsewhere, join(out(dir), 'functions'))
    writeConfig(dir, { ...BASE_CONFIG, functions: [{ name: 'hello', source: './functions/hello', env: { GREETING: 'Hey' } }] })
    const before = readFileSync(join(out(dir), MANIFEST_FILE), 'utf8')

    const error = await failure(generate({ cwd: dir }))
    expect(error?.message).toBe(
      `Cannot write into ${out(dir)}: ${out(dir)}/functions is a symbolic link (to ${elsewhere}), and sparkbaas never writes through links in its output folder. Nothing was changed.`,
    )
    expect(error?.hint).toBe('Replace the link by a real folder or file (or choose another --out), then run `sparkbaas generate` again.')
    expect(readdirSync(elsewhere)).toEqual([])
    expect(readFileSync(join(out(dir), MANIFEST_FILE), 'utf8')).toBe(before)

    // Through the CLI: exit code 1, the same text.
    const cli = await sparkbaas(['generate'], { cwd: dir, tmp: dir })
    expect(cli.code).toBe(1)
    expect(cli.stderr.replaceAll(elsewhere, '<elsewhere>')).toBe(
      '✖ Cannot write into <tmp>/generated: <tmp>/generated/functions is a symbolic link (to <elsewhere>), and sparkbaas never writes through links in its output folder. Nothing was changed.\n' +
        'hint: Replace the link by a real folder or file (or choose another --out), then run `sparkbaas generate` again.\n',
    )
    expect(readdirSync(elsewhere)).toEqual([])
  })

  test('a file of the output that is a link is refused, and the file it points to is left as it is', async () => {
    const dir = makeProject()
    await generate({ cwd: dir })
    const target = join(tempDir(), 'compose.yml')
    writeFileSync(target, 'mine\n')
    rmSync(join(out(dir), 'docker-compose.yml'))
    symlinkSync(target, join(out(dir), 'docker-compose.yml'))
    const error = await failure(generate({ cwd: dir }))
    expect(error?.message).toBe(
      `Cannot write into ${out(dir)}: ${out(dir)}/docker-compose.yml is a symbolic link (to ${target}), and sparkbaas never writes through links in its output folder. Nothing was changed.`,
    )
    expect(readFileSync(target, 'utf8')).toBe('mine\n')
  })

  test('the output folder itself may be a link (the user chose where it lives)', async () => {
    const dir = makeProject()
    const real = join(tempDir(), 'stack')
    mkdirSync(real)
    symlinkSync(real, out(dir))
    await generate({ cwd: dir })
    expect(existsSync(join(real, 'docker-compose.yml'))).toBe(true)
  })
})

describe('a manifest entry that leads outside the output folder', () => {
  test('through a linked folder: an error naming the manifest, the entry and the link; the file outside stays', async () => {
    const dir = makeProject()
    await generate({ cwd: dir })
    const elsewhere = tempDir()
    writeFileSync(join(elsewhere, 'victim.txt'), 'keep me')
    symlinkSync(elsewhere, join(out(dir), 'linked'))
    const manifest = manifestOf(dir)
    manifest.files['linked/victim.txt'] = sha256('keep me')
    writeFileSync(join(out(dir), MANIFEST_FILE), JSON.stringify(manifest))

    const error = await failure(generate({ cwd: dir }))
    expect(error?.message).toBe(
      `${out(dir)}/${MANIFEST_FILE} lists linked/victim.txt, but ${out(dir)}/linked is a symbolic link (to ${elsewhere}): sparkbaas never deletes through links in its output folder. Nothing was changed.`,
    )
    expect(error?.hint).toBe(
      `Replace the link by a real folder, or remove the entry "linked/victim.txt" from ${out(dir)}/${MANIFEST_FILE}, then run \`sparkbaas generate\` again.`,
    )
    expect(readFileSync(join(elsewhere, 'victim.txt'), 'utf8')).toBe('keep me')
  })

  test('`../x`: an error naming the manifest and the entry (CLI: exit code 1); the file outside stays', async () => {
    const dir = makeProject()
    await generate({ cwd: dir })
    writeFileSync(join(dir, 'victim.txt'), 'keep me')
    const manifest = manifestOf(dir)
    manifest.files['../victim.txt'] = sha256('keep me')
    writeFileSync(join(out(dir), MANIFEST_FILE), JSON.stringify(manifest))
    const cli = await sparkbaas(['generate'], { cwd: dir, tmp: dir })
    expect(cli.code).toBe(1)
    expect(cli.stderr).toBe(
      `✖ <tmp>/generated/${MANIFEST_FILE} lists "../victim.txt", which is not a path inside <tmp>/generated: sparkbaas only writes and deletes files inside its output folder. Nothing was changed.\n` +
        'hint: Remove that entry (or restore the file from git: it is written by `sparkbaas generate`), then run the command again.\n',
    )
    expect(readFileSync(join(dir, 'victim.txt'), 'utf8')).toBe('keep me')
  })
})
