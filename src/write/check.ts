/**
 * The last gate before anything touches disk: every rendered file has a safe relative path, no two renderers
 * claim the same path, and each file parses in its declared format. Renderers already parse their own output;
 * this catches a renderer that forgot to (one that did says so with `parsedBack`, and is not parsed twice).
 */
import { SparkbaasError } from '../errors.js'
import type { RenderedFile } from '../render/types.js'
import { parseYaml } from '../render/yaml.js'

/** Throws `render_failed` naming the artifact and the file at the first file that cannot be written as is. */
export function checkRenderedFiles(files: readonly RenderedFile[]): void {
  const seen = new Map<string, string>()
  for (const file of files) {
    checkPath(file)
    const other = seen.get(file.path)
    if (other !== undefined) {
      throw new SparkbaasError('render_failed', `internal: ${file.path} is produced twice (by ${other} and by ${file.artifact})`)
    }
    seen.set(file.path, file.artifact)
    if (!file.parsedBack) checkSyntax(file)
  }
  // A file and a folder of the same name cannot both exist: `a` and `a/b`.
  for (const path of seen.keys()) {
    const parts = path.split('/')
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/')
      if (seen.has(dir)) throw new SparkbaasError('render_failed', `internal: ${dir} is both a file and the folder of ${path}`)
    }
  }
}

/** A relative `/`-separated path that stays inside the folder it is joined to. */
export function isSafeRelativePath(path: string): boolean {
  return !(
    path === '' ||
    path.startsWith('/') ||
    path.includes('\\') ||
    path.includes('\0') ||
    path.split('/').some((part) => part === '' || part === '.' || part === '..')
  )
}

function checkPath(file: RenderedFile): void {
  const { path } = file
  if (!isSafeRelativePath(path)) throw new SparkbaasError('render_failed', `internal: ${file.artifact} produced a file with an unsafe path: ${JSON.stringify(path)}`)
}

function checkSyntax(file: RenderedFile): void {
  try {
    if (file.format === 'json') JSON.parse(file.contents)
    // Repeated keys are refused: legal-looking YAML that silently keeps only one value.
    else if (file.format === 'yaml') parseYaml(file.contents, { prettyErrors: true })
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error)
    throw new SparkbaasError('render_failed', `${file.artifact} produced invalid ${file.format.toUpperCase()} in ${file.path}: ${message}`, {
      hint: 'If you override this blueprint in blueprints/, compare it with the built-in one (sparkbaas blueprints eject).',
      cause: error,
    })
  }
}
