/**
 * The `npm install` line of init's next steps, as it must be for the way this sparkbaas was installed.
 *
 * - Nothing to install when the project already resolves `sparkbaas` (and `@types/node`) from its own
 *   `node_modules` or a parent's, e.g. after `npm install --save-dev ./sparkbaas-0.1.0.tgz`.
 * - Running from a clone of the repository (its `src/` is there; a packed or installed sparkbaas never has it),
 *   the project installs that clone by its path: the package is not on the npm registry yet, so `sparkbaas`
 *   alone would fail with a 404.
 * - Otherwise (npx, a global install), the registry's `sparkbaas`.
 */
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { shellQuote } from './shell.js'

/** This package's root: src/scaffold/, dist/scaffold/ and the bundled dist/bin/ are all two levels below it. */
export const PACKAGE_ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)))

export function installStep(projectDir: string, packageRoot: string = PACKAGE_ROOT): string | undefined {
  const missing: string[] = []
  if (!resolvable(projectDir, 'sparkbaas')) missing.push(isClone(packageRoot) ? shellQuote(packageRoot) : 'sparkbaas')
  if (!resolvable(projectDir, '@types/node')) missing.push('@types/node')
  return missing.length === 0 ? undefined : `npm install --save-dev ${missing.join(' ')}`
}

/** Whether Node's resolution from `dir` finds the package: a `node_modules/<name>` in `dir` or a folder above. */
function resolvable(dir: string, name: string): boolean {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    if (existsSync(path.join(current, 'node_modules', name, 'package.json'))) return true
    if (path.dirname(current) === current) return false
  }
}

function isClone(packageRoot: string): boolean {
  return existsSync(path.join(packageRoot, 'src', 'index.ts')) && existsSync(path.join(packageRoot, 'package.json'))
}
