/** The writer's gate (check.ts) and bookkeeping (manifest.ts) on their own. */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import type { SparkbaasError } from '../../src/errors.js'
import type { RenderedFile } from '../../src/render/types.js'
import { checkRenderedFiles } from '../../src/write/check.js'
import { MANIFEST_FILE, readManifest, renderManifest, sha256 } from '../../src/write/manifest.js'
import { tempDir } from './helpers.js'

const file = (path: string, contents: string, format: RenderedFile['format'] = 'text', artifact = 'test'): RenderedFile => ({ path, contents, format, artifact })

describe('checkRenderedFiles', () => {
  test('accepts well-formed files', () => {
    expect(() => checkRenderedFiles([file('a.yml', 'a: 1\n', 'yaml'), file('b/c.json', '{"x":1}', 'json'), file('d.sql', 'garbage', 'sql')])).not.toThrow()
  })

  test('invalid YAML, a duplicated YAML key and invalid JSON are refused, naming the artifact and the file', () => {
    expect(() => checkRenderedFiles([file('traefik/dynamic.yml', 'a: [1\n', 'yaml', 'traefik')])).toThrow(
      /^traefik produced invalid YAML in traefik\/dynamic\.yml: /,
    )
    expect(() => checkRenderedFiles([file('docker-compose.yml', 'a: 1\na: 2\n', 'yaml', 'docker-compose.yml')])).toThrow(
      /^docker-compose\.yml produced invalid YAML in docker-compose\.yml: Map keys must be unique/,
    )
    expect(() => checkRenderedFiles([file('keycloak/x-realm.json', '{"a":}', 'json', 'keycloak')])).toThrow(
      /^keycloak produced invalid JSON in keycloak\/x-realm\.json: /,
    )
  })

  test('unsafe paths, a path produced twice, and a file that is also a folder are internal errors', () => {
    for (const path of ['../x', '/etc/x', 'a//b', './a', 'a\\b', '']) {
      expect(() => checkRenderedFiles([file(path, '')]), path).toThrow(/unsafe path/)
    }
    expect(() => checkRenderedFiles([file('a', '', 'text', 'one'), file('a', '', 'text', 'two')])).toThrow('internal: a is produced twice (by one and by two)')
    expect(() => checkRenderedFiles([file('a', ''), file('a/b', '')])).toThrow('internal: a is both a file and the folder of a/b')
  })
})

describe('manifest', () => {
  test('is sorted by path, hashes contents, and carries no timestamp', () => {
    const text = renderManifest(new Map([['z.txt', 'z'], ['a/b.txt', 'b']]))
    const parsed = JSON.parse(text) as { version: number; files: Record<string, string> }
    expect(Object.keys(parsed.files)).toEqual(['a/b.txt', 'z.txt'])
    expect(parsed.files['z.txt']).toBe(sha256('z'))
    expect(renderManifest(new Map([['a/b.txt', 'b'], ['z.txt', 'z']]))).toBe(text)
    expect(text).not.toMatch(/20\d\d-\d\d/)
  })

  test('a missing manifest is empty; an unreadable one is empty with a warning; a bad hash is dropped', async () => {
    const dir = tempDir()
    const warnings: string[] = []
    expect(await readManifest(join(dir, 'nope'), (m) => warnings.push(m))).toEqual({ files: new Map(), state: 'absent' })
    expect(warnings).toEqual([])

    mkdirSync(join(dir, 'out'))
    writeFileSync(join(dir, 'out', MANIFEST_FILE), '{ not json')
    expect(await readManifest(join(dir, 'out'), (m) => warnings.push(m))).toEqual({ files: new Map(), state: 'unreadable' })
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/^\.sparkbaas-manifest\.json is not readable \(.*\): files the config no longer produces are kept, not deleted\.$/)

    const hash = sha256('x')
    writeFileSync(join(dir, 'out', MANIFEST_FILE), JSON.stringify({ files: { 'ok.txt': hash, 'bad-hash': 'nope' } }))
    const manifest = await readManifest(join(dir, 'out'), (m) => warnings.push(m))
    expect([...manifest.files.keys()]).toEqual(['ok.txt'])
    expect(manifest.state).toBe('read')
  })

  // Issue 12 item 4: an entry outside the output folder is an error naming the manifest and the entry, not
  // silently dropped (a hand-edited manifest is the only way one gets there).
  test.each(['../up.txt', '/abs', 'a//b', './a', 'a\\b'])('an entry that is not a plain path inside the folder is an error: %s', async (entry) => {
    const dir = tempDir()
    mkdirSync(join(dir, 'out'))
    writeFileSync(join(dir, 'out', MANIFEST_FILE), JSON.stringify({ files: { 'ok.txt': sha256('x'), [entry]: sha256('x') } }))
    const error = await readManifest(join(dir, 'out'), () => {}).then(
      () => undefined,
      (e: unknown) => e as SparkbaasError,
    )
    expect(error?.message).toBe(
      `${join(dir, 'out', MANIFEST_FILE)} lists ${JSON.stringify(entry)}, which is not a path inside ${join(dir, 'out')}: sparkbaas only writes and deletes files inside its output folder. Nothing was changed.`,
    )
    expect(error?.hint).toBe('Remove that entry (or restore the file from git: it is written by `sparkbaas generate`), then run the command again.')
  })
})
