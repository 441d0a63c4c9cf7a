/**
 * What `npm pack` puts in the tarball users install (`npm install ./sparkbaas-<version>.tgz`, later the registry):
 * everything the CLI and the `sparkbaas` entry need at run time, and nothing of the repository besides.
 * `.ci/packed-install` then installs the real tarball in an empty folder and runs the CLI from it.
 */
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import path from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'

const ROOT = path.resolve(import.meta.dirname, '../..')
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  bin: Record<string, string>
  exports: Record<string, { types: string; import: string } | string>
  types: string
  dependencies: Record<string, string>
  engines: { node: string }
}

let files: Set<string>
let unpackedSize: number

beforeAll(() => {
  // --ignore-scripts: `prepare` would run the whole build again; `npm test` has just built dist/.
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  const [report] = JSON.parse(out) as [{ files: { path: string }[]; unpackedSize: number }]
  files = new Set(report.files.map((file) => file.path))
  unpackedSize = report.unpackedSize
}, 60_000)

const walk = (dir: string): string[] =>
  readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(`${dir}/${entry.name}`) : [`${dir}/${entry.name}`],
  )

describe('the packed tarball', () => {
  test('holds the bin, every export target with its types, every blueprint and the JSON Schema', () => {
    for (const target of Object.values(pkg.bin)) expect(files).toContain(path.posix.normalize(target))
    for (const target of Object.values(pkg.exports)) {
      if (typeof target === 'string') expect(files).toContain(path.posix.normalize(target))
      else for (const file of [target.types, target.import]) expect(files).toContain(path.posix.normalize(file))
    }
    expect(files).toContain(path.posix.normalize(pkg.types))
    expect(files).toContain('dist/bin/main.js')
    for (const file of walk('blueprints')) expect(files).toContain(file)
    expect(files).toContain('schema/sparkbaas.schema.json')
    expect(files).toContain('README.md')
    expect(files).toContain('package.json')
  })

  test('holds nothing of the repository besides: no sources, tests, example output, CI or local state', () => {
    const allowed = /^(?:bin\/|dist\/|blueprints\/|schema\/|README\.md$|LICENSE$|package\.json$)/
    expect([...files].filter((file) => !allowed.test(file))).toEqual([])
    expect([...files].filter((file) => /(?:^|\/)\.env$|\.tsbuildinfo$|\.test\.|(?:^|\/)\.sparkbaas/.test(file))).toEqual([])
    // A regression guard, not a benchmark: today ~2.3 MB unpacked.
    expect(unpackedSize).toBeLessThan(5_000_000)
  })

  test('every package the bundled CLI imports is a dependency (a devDependency would be missing after install)', () => {
    const builtins = new Set(builtinModules)
    const bare = new Set<string>()
    for (const file of [...files].filter((name) => /^dist\/.*\.js$/.test(name))) {
      const code = readFileSync(path.join(ROOT, file), 'utf8')
      for (const match of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\b(?:__)?require\d*\s*\(\s*)["']((?:@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*(?:\/[\w./-]*)?)["']/g)) {
        const specifier = match[1] as string
        if (specifier.startsWith('node:') || builtins.has(specifier)) continue
        bare.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : (specifier.split('/')[0] as string))
      }
    }
    expect(bare.size).toBeGreaterThan(0)
    // cosmiconfig's own TypeScript loader, bundled but never called: src/config/loaders.ts loads configs with jiti.
    const unreachable = new Set(['typescript'])
    const undeclared = [...bare].filter((name) => name !== 'sparkbaas' && !unreachable.has(name) && !(name in pkg.dependencies))
    expect(undeclared).toEqual([])
  })
})
