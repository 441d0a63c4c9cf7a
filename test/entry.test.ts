/**
 * `import { defineConfig } from 'sparkbaas'` runs every time a config loads, so the package entry must stay light.
 * This walks the static import graph of the built dist/index.js (run `npm run build` first) and fails when it
 * reaches a heavy dependency or the render / write / engine steps.
 */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { expect, test } from 'vitest'
import { ROOT } from './helpers/cli.js'

const DIST = path.join(ROOT, 'dist')
const FORBIDDEN_PACKAGES = ['handlebars', 'execa', 'cosmiconfig', 'jiti']
const FORBIDDEN_DIRS = ['render', 'write', 'engine'].map((dir) => path.join(DIST, dir) + path.sep)

// `import … from '…'`, `export … from '…'`, `import '…'`, `import('…')` and `require('…')` (a `createRequire`
// one included) with a literal specifier.
const SPECIFIER = /\b(?:import|export|require)\s*(?:[^'"`;]*?\bfrom\s*)?\(?\s*['"]([^'"]+)['"]/g

/** Every file and every bare package the graph of `entry` reaches. */
function importGraph(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>()
  const packages = new Set<string>()
  const visit = (file: string) => {
    if (files.has(file)) return
    files.add(file)
    for (const [, specifier = ''] of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
      if (specifier.startsWith('.')) visit(path.resolve(path.dirname(file), specifier))
      else if (!specifier.startsWith('node:')) packages.add(specifier.split('/')[0]!)
    }
  }
  visit(entry)
  return { files: [...files].map((file) => path.relative(ROOT, file)), packages: [...packages] }
}

test('dist/index.js reaches no heavy package and nothing under dist/render, dist/write, dist/engine', () => {
  const entry = path.join(DIST, 'index.js')
  expect(existsSync(entry), 'dist/index.js is missing: run `npm run build` first').toBe(true)
  const { files, packages } = importGraph(entry)
  expect(packages.filter((name) => FORBIDDEN_PACKAGES.includes(name))).toEqual([])
  expect(files.filter((file) => FORBIDDEN_DIRS.some((dir) => path.join(ROOT, file).startsWith(dir)))).toEqual([])
})

test('the walk sees through re-exports and finds heavy imports where they are (so the check above can fail)', () => {
  const { files, packages } = importGraph(path.join(DIST, 'config/load.js'))
  expect(files).toContain('dist/config/loaders.js')
  expect(packages).toContain('cosmiconfig')
  // loaders.js loads jiti lazily, with require('jiti') inside a function: that still counts.
  expect(packages).toContain('jiti')
})
