/**
 * `k8s/secrets.env`, the copy of `.env` values kustomize's secretGenerator reads (src/write/secret-copies.ts), and
 * how the writer keeps it: 0600, git-ignored (also after the target changes back to compose), its errors.
 */
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { generate } from '../../src/generate.js'
import { renderSecretCopy } from '../../src/write/secret-copies.js'
import { BASE_CONFIG, makeProject, runCli, tempDir } from '../generate/helpers.js'

const copy = { path: 'k8s/secrets.env', keys: ['A', 'B'] }

describe('renderSecretCopy', () => {
  test('writes KEY=value lines raw, as kustomize reads them, under a comment', () => {
    expect(renderSecretCopy(copy, { A: `it's "x" $(Y) #z = w `, B: '', C: 'not asked for' })).toBe(
      "# Copied from .env by `sparkbaas generate` for kustomize's secretGenerator. Never commit this file; edit .env instead.\n" +
        `A=it's "x" $(Y) #z = w \nB=\n`,
    )
  })

  test('refuses what one line cannot carry, naming the key and never the value', () => {
    const secret = 'multi\nline-secret-value'
    expect(() => renderSecretCopy(copy, { A: secret, B: 'b' })).toThrow(
      '.env: A holds a line break, which k8s/secrets.env cannot carry (kustomize reads one KEY=value per line).',
    )
    try {
      renderSecretCopy(copy, { A: secret, B: 'b' })
    } catch (error) {
      expect(String((error as Error).message) + String((error as { hint?: string }).hint)).not.toContain('line-secret-value')
    }
    expect(() => renderSecretCopy(copy, { A: 'ends with\r', B: 'b' })).toThrow('.env: A holds a line break')
    expect(() => renderSecretCopy(copy, { A: 'x'.repeat(70_000), B: 'b' })).toThrow('.env: A is longer than the 64 KiB line kustomize reads from k8s/secrets.env.')
    expect(() => renderSecretCopy(copy, { B: 'b' })).toThrow('.env: A has no value in the file (it is inherited from the shell), so k8s/secrets.env cannot hold it.')
  })
})

describe('the writer', () => {
  const kube = { ...BASE_CONFIG, target: 'kubernetes' }
  const out = (dir: string) => join(dir, 'generated')

  test('keeps secrets.env at 0600 and in step with .env edits', async () => {
    const dir = makeProject(kube)
    await generate({ cwd: dir })
    const path = join(out(dir), 'k8s/secrets.env')
    expect(statSync(path).mode & 0o777).toBe(0o600)
    chmodSync(path, 0o644)
    const env = readFileSync(join(out(dir), '.env'), 'utf8')
    writeFileSync(join(out(dir), '.env'), env.replace(/^AUTH_HEADERS_KEY=.*$/m, 'AUTH_HEADERS_KEY=edited-by-hand'))
    const again = await generate({ cwd: dir })
    expect(again.written).toEqual(['k8s/secrets.env'])
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(readFileSync(path, 'utf8')).toMatch(/^AUTH_HEADERS_KEY=edited-by-hand$/m)
  })

  test("a user's own .gitignore gets secrets.env too; after switching back to compose it stays ignored", async () => {
    const dir = makeProject(kube)
    mkdirSync(out(dir))
    writeFileSync(join(out(dir), '.gitignore'), 'node_modules/\n.env\n')
    const result = await generate({ cwd: dir })
    expect(readFileSync(join(out(dir), '.gitignore'), 'utf8')).toBe('node_modules/\n.env\nk8s/secrets.env\n')
    expect(result.warnings.join('\n')).toContain('did not ignore k8s/secrets.env: added it.')

    const other = makeProject(kube)
    await generate({ cwd: other })
    await generate({ cwd: other, target: 'compose' })
    // The copy is the user's secrets: left in place, and still ignored although k8s/.gitignore went with the manifests.
    expect(readFileSync(join(out(other), 'k8s/secrets.env'), 'utf8')).toContain('AUTH_HEADERS_KEY=')
    expect(readFileSync(join(out(other), '.gitignore'), 'utf8')).toMatch(/^k8s\/secrets\.env$/m)
  })
})

test('generate --target takes compose or kubernetes, and says so', async () => {
  const dir = makeProject()
  const run = await runCli(['generate', '--config', join(dir, 'sparkbaas.config.json'), '--target', 'swarm'])
  expect(run.code).toBe(2)
  expect(run.stderr).toContain('--target "swarm": expected "compose" or "kubernetes".')
  const ok = await runCli(['generate', '--config', join(dir, 'sparkbaas.config.json'), '--target', 'kubernetes', '--out', tempDir()])
  expect(ok.code).toBe(0)
})

test('generate --target kubernetes checks the names Kubernetes needs, at their config paths', async () => {
  const dir = makeProject({ ...BASE_CONFIG, services: { my_cache: { image: 'redis:7' } } })
  await expect(generate({ cwd: dir, target: 'kubernetes', dryRun: true })).rejects.toMatchObject({
    code: 'config_invalid',
    message: expect.stringContaining('cannot be generated for target "kubernetes" (1 problem):'),
    problems: [expect.objectContaining({ path: 'services.my_cache' })],
  })
  await expect(generate({ cwd: dir, dryRun: true })).resolves.toBeTruthy()
})
