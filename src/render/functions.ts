/**
 * The functions runtime's folder (mounted read-only at /app in the `functions` container) and the token
 * verifier's folder (mounted in `verifier`):
 * - `functions/<name>.mjs`: each function's bundle, built before rendering (src/build/functions.ts);
 * - `functions/manifest.json`: what the runtime serves, sorted by name, each `file` relative to the manifest;
 * - `functions/server.mjs`: the runtime itself, a static blueprint the user may override in `blueprints/`;
 * - `verifier/verifier.mjs`: the forwardAuth verifier, when a route has `auth` (the model then has a verifier).
 */
import { SparkbaasError } from '../errors.js'
import { POSTGRES_HOST, POSTGRES_PORT, runtimeSecretVar } from '../model/function-access.js'
import type { StackModel } from '../model/types.js'
import { readBlueprint } from './blueprints.js'
import { header } from './header.js'
import type { RenderContext } from './index.js'
import type { RenderedFile } from './types.js'
import { byCodePoint, byName } from '../order.js'

export const RUNTIME_BLUEPRINT = 'functions/server.mjs'
export const VERIFIER_BLUEPRINT = 'verifier/verifier.mjs'
/** The runtime's own file in the functions folder; a bundle of the same name would replace it. */
const RUNTIME_FILE = 'server.mjs'

export interface FunctionsManifest {
  functions: {
    name: string
    file: string
    timeoutMs: number
    memoryMb: number
    /** Committed values. */
    env: Record<string, string>
    /** Variables whose value the runtime takes from its own environment: variable → runtime variable. */
    envFrom?: Record<string, string>
    /** Parts of the function's DATABASE_URL; the runtime reads the password from `passwordFrom` and URL-encodes it. */
    database?: { host: string; port: number; name: string; user: string; passwordFrom: string }
  }[]
}

export function renderFunctions(model: StackModel, ctx: RenderContext): RenderedFile[] {
  const files: RenderedFile[] = []
  if (model.functions.length > 0) {
    const fns = [...model.functions].sort(byName)
    for (const fn of fns) {
      const file = `${fn.name}.mjs`
      if (file === RUNTIME_FILE) {
        const index = model.functions.indexOf(fn)
        throw new SparkbaasError('render_failed', `functions[${index}].name: "${fn.name}" is taken by the functions runtime (functions/${RUNTIME_FILE}).`, {
          hint: 'Rename the function.',
        })
      }
      const bundle = ctx.functionBundles.get(fn.name)
      if (bundle === undefined) throw new Error(`internal: function "${fn.name}" was not bundled before rendering`)
      files.push({ path: `functions/${file}`, contents: withHeader(model, stripHashbang(bundle)), format: 'text', artifact: 'functions' })
    }
    const manifest: FunctionsManifest = {
      functions: fns.map((fn) => ({
        name: fn.name,
        file: `${fn.name}.mjs`,
        timeoutMs: fn.timeoutMs,
        memoryMb: fn.memoryMb,
        env: sortedRecord(fn.env),
        ...(Object.keys(fn.secrets).length > 0
          ? { envFrom: Object.fromEntries(Object.keys(fn.secrets).sort(byCodePoint).map((key) => [key, runtimeSecretVar(fn.secrets[key]!)])) }
          : {}),
        ...(fn.database
          ? {
              database: {
                host: POSTGRES_HOST,
                port: POSTGRES_PORT,
                name: fn.database.name,
                user: fn.database.role,
                passwordFrom: runtimeSecretVar(fn.database.passwordVar),
              },
            }
          : {}),
      })),
    }
    const manifestText = `${JSON.stringify(manifest, null, 2)}\n`
    checkManifest(manifestText, manifest)
    files.push({ path: 'functions/manifest.json', contents: manifestText, format: 'json', artifact: 'functions' })
    files.push({
      path: `functions/${RUNTIME_FILE}`,
      contents: withHeader(model, readBlueprint(RUNTIME_BLUEPRINT, ctx.blueprintsDir)),
      format: 'text',
      artifact: 'functions',
      blueprint: RUNTIME_BLUEPRINT,
    })
  }
  if (model.services.some((service) => service.name === 'verifier')) {
    files.push({
      path: 'verifier/verifier.mjs',
      contents: withHeader(model, readBlueprint(VERIFIER_BLUEPRINT, ctx.blueprintsDir)),
      format: 'text',
      artifact: 'verifier',
      blueprint: VERIFIER_BLUEPRINT,
    })
  }
  return files
}

const sortedRecord = (record: Readonly<Record<string, string>>): Record<string, string> =>
  Object.fromEntries(Object.keys(record).sort(byCodePoint).map((key) => [key, record[key]!]))

const withHeader = (model: StackModel, code: string): string => `${header('//', model.configFile)}${code}`

/** A `#!` line is only legal as the first line; the runtime imports bundles, it never executes them. */
const stripHashbang = (code: string): string => (code.startsWith('#!') ? code.slice(code.indexOf('\n') + 1) : code)

/** Parses the manifest back and checks the runtime will find every function in it. */
function checkManifest(text: string, expected: FunctionsManifest): void {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new SparkbaasError('render_failed', `functions/manifest.json is not valid JSON: ${(error as Error).message}`)
  }
  const fns = (parsed as Partial<FunctionsManifest>).functions
  const ok =
    Array.isArray(fns) &&
    fns.length === expected.functions.length &&
    fns.every((fn, i) => fn.name === expected.functions[i]!.name && fn.file === expected.functions[i]!.file)
  if (!ok) throw new SparkbaasError('render_failed', 'functions/manifest.json does not list the functions of the config')
}
