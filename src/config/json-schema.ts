/**
 * The JSON Schema of the config, generated from the zod schema so the two cannot disagree. Editors use it to
 * complete and check sparkbaas.config.json / .yaml; it is committed at schema/sparkbaas.schema.json and a test
 * fails when that copy is stale.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { z } from 'zod'
import { SparkbaasError } from '../errors.js'
import { sortKeys } from '../order.js'
import { configSchema } from './schema.js'

/** Where the schema lives in the package (and where `sparkbaas schema` writes it, relative to the current folder). */
export const SCHEMA_FILE = 'schema/sparkbaas.schema.json'
/** Where the published package serves it. */
export const SCHEMA_ID = 'https://unpkg.com/sparkbaas/schema/sparkbaas.schema.json'

/** The schema as an object, keys sorted at every level so the file only changes when the schema does. */
export function buildJsonSchema(): Record<string, unknown> {
  // io 'input': what a user may write, so keys with defaults are optional. draft 2020-12 is also zod's default.
  const generated = z.toJSONSchema(configSchema, { io: 'input', target: 'draft-2020-12' })
  return sortKeys({
    ...generated,
    $id: SCHEMA_ID,
    title: 'SparkBaaS config',
    description: 'The config of a SparkBaaS stack: sparkbaas.config.json / .yaml, or the "sparkbaas" key of package.json.',
    properties: {
      // A JSON or YAML config may name this schema; sparkbaas drops the key when loading (see load.ts).
      $schema: { type: 'string', description: 'The JSON Schema of this file, for editors. Ignored by sparkbaas.' },
      ...generated.properties,
    },
  }) as Record<string, unknown>
}

/** The file's exact contents: 2-space JSON and a trailing newline. */
export function renderJsonSchema(): string {
  return `${JSON.stringify(buildJsonSchema(), null, 2)}\n`
}

/**
 * Writes the schema to `file` unless it is already current. With `check`, writes nothing and throws
 * `stale_output` when the file is missing or differs.
 */
export async function writeJsonSchema(file: string, options: { check?: boolean } = {}): Promise<'written' | 'unchanged'> {
  const wanted = renderJsonSchema()
  const current = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined
    throw error
  })
  if (current === wanted) return 'unchanged'
  if (options.check) {
    throw new SparkbaasError('stale_output', `${file} ${current === undefined ? 'does not exist' : 'is out of date'}.`, {
      hint: 'Run `sparkbaas schema` to write it.',
    })
  }
  await mkdir(path.dirname(file), { recursive: true })
  await writeFile(file, wanted)
  return 'written'
}

