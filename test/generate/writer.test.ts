/**
 * The writer through `generate()`: byte-for-byte repeatability, the `.env` lifecycle, all-or-nothing writes and
 * the manifest-guarded removal of leftovers.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { configSchema } from '../../src/config/schema.js'
import { generate } from '../../src/generate.js'
import { resolveModel } from '../../src/model/resolve.js'
import { PRIVATE_DIR } from '../../src/write/private-dir.js'
import { parseDotenv } from '../../src/write/dotenv.js'
import { MANIFEST_FILE, sha256 } from '../../src/write/manifest.js'
import { BASE_CONFIG, contentsOf, envKeys, makeProject, readTree, writeConfig } from './helpers.js'

const out = (dir: string) => join(dir, 'generated')

describe('repeatability', () => {
  test('a second run writes nothing and reports every file unchanged; the bytes are identical', async () => {
    const dir = makeProject()
    const first = await generate({ cwd: dir })
    expect(first.written).toContain('docker-compose.yml')
    expect(first.written).toContain('.env')
    expect(first.unchanged).toEqual([])
    const before = readTree(out(dir))

    const second = await generate({ cwd: dir })
    expect(second.written).toEqual([])
    expect(second.removed).toEqual([])
    expect(second.unchanged).toEqual([...before.keys()].sort())
    const after = readTree(out(dir))
    expect(contentsOf(after)).toEqual(contentsOf(before))
    // Unchanged files are not even rewritten: a running stack's mounts see no churn.
    for (const [path, entry] of after) expect(entry.mtimeMs, path).toBe(before.get(path)!.mtimeMs)
  })

  test('two fresh projects with the same config get the same committed bytes (no timestamps, no paths)', async () => {
    const a = makeProject()
    const b = makeProject()
    await generate({ cwd: a })
    await generate({ cwd: b })
    const committed = (dir: string) => {
      const tree = contentsOf(readTree(out(dir)))
      delete tree['.env']
      return tree
    }
    expect(committed(b)).toEqual(committed(a))
  })

  test('20 regenerations leave .env byte-identical', async () => {
    const dir = makeProject()
    await generate({ cwd: dir })
    const env = readFileSync(join(out(dir), '.env'))
    for (let i = 0; i < 20; i++) {
      const result = await generate({ cwd: dir })
      expect(result.envAdded).toEqual([])
    }
    expect(readFileSync(join(out(dir), '.env')).equals(env)).toBe(true)
  })
})

describe('.env', () => {
  test('is created with mode 0600 and its keys are reported, never its values', async () => {
    const dir = makeProject()
    const result = await generate({ cwd: dir })
    const text = readFileSync(join(out(dir), '.env'), 'utf8')
    expect(statSync(join(out(dir), '.env')).mode & 0o777).toBe(0o600)
    expect(result.envAdded).toEqual(envKeys(text))
    expect(result.envAdded).toContain('REALM_MAIN_SIGNING_KEY')
    expect(JSON.stringify(result)).not.toContain(parseDotenv(text).find((e) => e.key === 'POSTGRES_PASSWORD')!.value)
  })

  test('user edits survive regeneration: a changed value, an added key with a comment', async () => {
    const dir = makeProject()
    await generate({ cwd: dir })
    const path = join(out(dir), '.env')
    const edited = `${readFileSync(path, 'utf8').replace(/^POSTGRES_PASSWORD=.*$/m, 'POSTGRES_PASSWORD=my-own-password')}\n# my notes\nMY_KEY='kept $as is'\n`
    writeFileSync(path, edited, { mode: 0o600 })

    const result = await generate({ cwd: dir })
    expect(readFileSync(path, 'utf8')).toBe(edited)
    expect(result.envAdded).toEqual([])
    expect(result.envUnused).toEqual(['MY_KEY'])
    expect(result.unchanged).toContain('.env')
  })

  test('keys a new config needs are appended; the existing lines stay', async () => {
    const dir = makeProject()
    await generate({ cwd: dir })
    const path = join(out(dir), '.env')
    const before = readFileSync(path, 'utf8')
    writeConfig(dir, { ...BASE_CONFIG, api: { realm: 'main' } })
    const result = await generate({ cwd: dir })
    expect(result.envAdded).toEqual(['PGRST_AUTHENTICATOR_PASSWORD'])
    expect(readFileSync(path, 'utf8').startsWith(before)).toBe(true)
  })

  test('an existing .env readable by others is set to 0600, and the run says so', async () => {
    const dir = makeProject()
    await generate({ cwd: dir })
    const path = join(out(dir), '.env')
    chmodSync(path, 0o644)
    const dry = await generate({ cwd: dir, dryRun: true })
    expect(dry.envModeFixed).toBe(true)
    expect(statSync(path).mode & 0o777).toBe(0o644)
    const result = await generate({ cwd: dir })
    expect(result.envModeFixed).toBe(true)
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect((await generate({ cwd: dir })).envModeFixed).toBe(false)
  })

  test('no secret value of .env appears in any other generated file', async () => {
    const dir = makeProject()
    await generate({ cwd: dir })
    const model = resolveModel(configSchema.parse(BASE_CONFIG), { configFile: join(dir, 'sparkbaas.config.json') })
    const secretKeys = new Set(model.env.filter((v) => v.generate.kind !== 'setting').map((v) => v.key))
    const entries = parseDotenv(readFileSync(join(out(dir), '.env'), 'utf8')).filter((e) => secretKeys.has(e.key))
    expect(entries.length).toBe(secretKeys.size)
    const tree = readTree(out(dir))
    for (const [path, file] of tree) {
      if (path === '.env') continue
      const text = file.contents.toString('utf8')
      for (const { key, value } of entries) {
        expect(value!.length).toBeGreaterThan(20)
        expect(text.includes(value!), `${path} contains the value of ${key}`).toBe(false)
        // JWK sets are JSON: check the modulus alone too, in case a file re-serialized it.
        if (key.endsWith('_JWKS')) expect(text.includes((JSON.parse(value!) as { keys: { n: string }[] }).keys[0]!.n)).toBe(false)
      }
    }
  })

  test('.env is git-ignored by a generated .gitignore, which is committed (in the manifest)', async () => {
    const dir = makeProject()
    await generate({ cwd: dir })
    const gitignore = readFileSync(join(out(dir), '.gitignore'), 'utf8')
    expect(gitignore.split('\n')).toContain('.env')
    const manifest = JSON.parse(readFileSync(join(out(dir), MANIFEST_FILE), 'utf8')) as { files: Record<string, string> }
    expect(manifest.files['.gitignore']).toBe(sha256(gitignore))
    expect(manifest.files['.env']).toBeUndefined()
  })

  test("a user's own .gitignore is respected: left alone when it ignores .env, else .env is appended", async () => {
    const dir = makeProject()
    mkdirSync(out(dir))
    writeFileSync(join(out(dir), '.gitignore'), 'node_modules/\n/.env\n')
    await generate({ cwd: dir })
    expect(readFileSync(join(out(dir), '.gitignore'), 'utf8')).toBe('node_modules/\n/.env\n')

    const other = makeProject()
    mkdirSync(out(other))
    writeFileSync(join(out(other), '.gitignore'), 'node_modules/')
    const result = await generate({ cwd: other })
    expect(readFileSync(join(out(other), '.gitignore'), 'utf8')).toBe('node_modules/\n.env\n')
    expect(result.warnings.join('\n')).toMatch(/did not ignore \.env: added it/)
    expect((await generate({ cwd: other })).written).toEqual([])
  })
})

describe('all or nothing', () => {
  // Where staging folders went before (beside the output) and where they go now (its private folder).
  const stagingLeft = (dir: string) => [
    ...readdirSync(dirname(out(dir))).filter((name) => name.startsWith('.sparkbaas-staging-')),
    ...(existsSync(join(out(dir), PRIVATE_DIR)) ? readdirSync(join(out(dir), PRIVATE_DIR)).filter((name) => name.startsWith('staging-')) : []),
  ]

  test('a write failing after the first staged file leaves the previous output byte-identical and no temp folder', async () => {
    const dir = makeProject()
    await generate({ cwd: dir })
    const before = contentsOf(readTree(out(dir)))
    // A new config changes several files (compose, realm, manifest, function bundle) and adds .env keys.
    writeConfig(dir, {
      ...BASE_CONFIG,
      api: { realm: 'main' },
      functions: [{ name: 'hello', source: './functions/hello', env: { GREETING: 'Hey' } }],
    })
    const staged: string[] = []
    const failing = generate({
      cwd: dir,
      hooks: {
        beforeStage: (path, index) => {
          if (index === 2) throw new Error('disk full (injected)')
          staged.push(path)
        },
      },
    })
    await expect(failing).rejects.toThrow(/Could not write .*disk full \(injected\)\. Nothing was changed\./)
    expect(staged.length).toBe(2)
    expect(contentsOf(readTree(out(dir)))).toEqual(before)
    expect(stagingLeft(dir)).toEqual([])

    // And the same run without the fault goes through.
    const result = await generate({ cwd: dir })
    expect(result.written).toContain('docker-compose.yml')
    expect(stagingLeft(dir)).toEqual([])
  })

  test('a .env that cannot be read fails after the other files were staged: nothing moves, its own error', async () => {
    const dir = makeProject()
    await generate({ cwd: dir })
    // The committed files are staged while .env waits for its keys; .env's error comes after that.
    writeFileSync(join(out(dir), '.env'), `${readFileSync(join(out(dir), '.env'), 'utf8')}BROKEN="no closing quote\n`)
    writeConfig(dir, { ...BASE_CONFIG, realms: [...BASE_CONFIG.realms, { name: 'third' }] })
    const before = contentsOf(readTree(out(dir)))
    const staged: string[] = []
    const failing = generate({ cwd: dir, hooks: { beforeStage: (path) => void staged.push(path) } })
    await expect(failing).rejects.toThrow(/^\.env line \d+: unterminated double-quoted value$/)
    expect(staged).toContain('keycloak/third-realm.json')
    expect(contentsOf(readTree(out(dir)))).toEqual(before)
    expect(stagingLeft(dir)).toEqual([])
  })

  test('a folder where a new file must go fails before anything moves', async () => {
    const dir = makeProject()
    await generate({ cwd: dir })
    writeConfig(dir, { ...BASE_CONFIG, realms: [...BASE_CONFIG.realms, { name: 'third' }] })
    mkdirSync(join(out(dir), 'keycloak', 'third-realm.json'))
    const before = contentsOf(readTree(out(dir)))
    await expect(generate({ cwd: dir })).rejects.toThrow(/keycloak\/third-realm\.json: a folder is in the way\. Nothing was changed\./)
    expect(contentsOf(readTree(out(dir)))).toEqual(before)
    expect(existsSync(join(out(dir), 'keycloak', 'third-realm.json'))).toBe(true)
    expect(stagingLeft(dir)).toEqual([])
  })

  test('an output path that is a file is refused before anything is written', async () => {
    const dir = makeProject()
    writeFileSync(out(dir), 'not a folder')
    await expect(generate({ cwd: dir })).rejects.toThrow(/it is a file, not a folder/)
    expect(readFileSync(out(dir), 'utf8')).toBe('not a folder')
    expect(stagingLeft(dir)).toEqual([])
  })
})

describe('leftovers of an earlier config', () => {
  const withoutExtra = { ...BASE_CONFIG, realms: BASE_CONFIG.realms.filter((r) => r.name !== 'extra') }

  test('a file the config no longer produces is deleted when it still has the recorded hash', async () => {
    const dir = makeProject()
    await generate({ cwd: dir })
    expect(existsSync(join(out(dir), 'keycloak', 'extra-realm.json'))).toBe(true)
    writeConfig(dir, withoutExtra)
    const result = await generate({ cwd: dir })
    expect(result.removed).toEqual(['keycloak/extra-realm.json'])
    expect(result.kept).toEqual([])
    expect(existsSync(join(out(dir), 'keycloak', 'extra-realm.json'))).toBe(false)
    const manifest = JSON.parse(readFileSync(join(out(dir), MANIFEST_FILE), 'utf8')) as { files: Record<string, string> }
    expect(Object.keys(manifest.files)).not.toContain('keycloak/extra-realm.json')
  })

  test('an edited leftover is kept with a warning, and forgotten by the manifest', async () => {
    const dir = makeProject()
    await generate({ cwd: dir })
    const path = join(out(dir), 'keycloak', 'extra-realm.json')
    writeFileSync(path, `${readFileSync(path, 'utf8')} `)
    writeConfig(dir, withoutExtra)
    const result = await generate({ cwd: dir })
    expect(result.removed).toEqual([])
    expect(result.kept).toEqual(['keycloak/extra-realm.json'])
    expect(result.warnings).toEqual([
      'keycloak/extra-realm.json is no longer generated, but it changed since sparkbaas wrote it: kept. Delete it if you do not need it.',
    ])
    expect(existsSync(path)).toBe(true)
    const manifest = JSON.parse(readFileSync(join(out(dir), MANIFEST_FILE), 'utf8')) as { files: Record<string, string> }
    expect(Object.keys(manifest.files)).not.toContain('keycloak/extra-realm.json')
    // Not ours any more: the next run neither deletes nor warns.
    const again = await generate({ cwd: dir })
    expect(again.kept).toEqual([])
    expect(again.warnings).toEqual([])
  })

  test('files sparkbaas never wrote are left alone, and folders emptied by removals go', async () => {
    const dir = makeProject()
    await generate({ cwd: dir })
    writeFileSync(join(out(dir), 'NOTES.md'), 'mine\n')
    writeConfig(dir, { ...BASE_CONFIG, functions: [], routes: [{ host: 'auth', to: 'keycloak' }] })
    const result = await generate({ cwd: dir })
    expect(result.removed).toEqual(['functions/hello.mjs', 'functions/manifest.json', 'functions/server.mjs', 'verifier/verifier.mjs'])
    expect(existsSync(join(out(dir), 'functions'))).toBe(false)
    expect(existsSync(join(out(dir), 'verifier'))).toBe(false)
    expect(readFileSync(join(out(dir), 'NOTES.md'), 'utf8')).toBe('mine\n')
  })

  test('a hand-edited manifest cannot steer deletion outside the output folder', async () => {
    const dir = makeProject()
    await generate({ cwd: dir })
    const victim = join(dir, 'victim.txt')
    writeFileSync(victim, 'keep me')
    const manifestPath = join(out(dir), MANIFEST_FILE)
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { files: Record<string, string> }
    manifest.files['../victim.txt'] = sha256('keep me')
    writeFileSync(manifestPath, JSON.stringify(manifest))
    // An error since issue 12 item 4 (full text in test/write/links.test.ts), no longer a silently dropped entry.
    await expect(generate({ cwd: dir })).rejects.toThrow(/lists "\.\.\/victim\.txt", which is not a path inside /)
    expect(readFileSync(victim, 'utf8')).toBe('keep me')
  })
})

describe('parse-back of unchanged output', () => {
  // Renderers parse their output back and check it; bytes the manifest says sparkbaas already wrote (and so
  // checked) are not parsed again. Both halves: skipped only for those bytes, and never for changed ones.
  const dupKey = (dir: string) => {
    mkdirSync(join(dir, 'blueprints'), { recursive: true })
    writeFileSync(join(dir, 'blueprints/docker-compose.yml.hbs'), 'name: {{compose project}}\nname: twice\n')
  }

  test('a changed blueprint is checked even after a clean run', async () => {
    const dir = makeProject()
    await generate({ cwd: dir })
    dupKey(dir)
    await expect(generate({ cwd: dir })).rejects.toThrow(/blueprint docker-compose\.yml\.hbs produced invalid docker-compose\.yml/)
    await expect(generate({ cwd: dir, check: true })).rejects.toThrow(/produced invalid docker-compose\.yml/)
  })

  test('bytes the manifest records are not parsed again (a hand-made hash is trusted, which shows the skip)', async () => {
    const dir = makeProject()
    await generate({ cwd: dir })
    dupKey(dir)
    const broken = `${'name: "demo"'}\nname: twice\n`
    const manifestFile = join(out(dir), MANIFEST_FILE)
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { files: Record<string, string> }
    manifest.files['docker-compose.yml'] = sha256(broken)
    writeFileSync(manifestFile, JSON.stringify(manifest))
    const result = await generate({ cwd: dir, dryRun: true })
    expect(result.written).toContain('docker-compose.yml')
  })
})
