/**
 * Loads and compiles the Handlebars blueprints. A file of the same name in `blueprints/` beside the user's config
 * replaces the built-in one. Templates are compiled once per process, with HTML escaping off (nothing here is
 * HTML) and strict mode on (a missing field is an error, not an empty string); values reach the text only
 * through the escaping helpers registered below.
 *
 * The built-in blueprints are precompiled by `npm run build` (precompile.ts): loading handlebars' compiler and
 * compiling them cold was ~110 ms of every `generate`; its runtime and the precompiled code cost a few. A
 * precompiled template is used only while the blueprint's text is the one it was made from; a changed override,
 * an edited blueprint, or a run from src/ (no build) compiles as before, to the same code.
 */
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type Handlebars from 'handlebars'
// The runtime that runs precompiled templates: imported, so the CLI bundle holds it (scripts/bundle-cli.mjs);
// it was ~15 ms of every `generate` as the 20 files Node loaded one by one. The compiler stays a lazy require.
import HandlebarsRuntime from 'handlebars/runtime.js'
import { SparkbaasError } from '../errors.js'
import { sha256 } from '../hash.js'
import {
  composeString,
  envValue,
  jsonValue,
  keycloakPlaceholder,
  keycloakString,
  sqlIdent,
  sqlLiteral,
  yamlString,
} from './escape.js'

/** The built-in blueprints shipped with the package (`<package>/blueprints`, from both src/ and dist/). */
export const BUILTIN_BLUEPRINTS = fileURLToPath(new URL('../../blueprints/', import.meta.url))

/** How every blueprint is compiled, here and by precompile.ts. */
export const COMPILE_OPTIONS = { noEscape: true, strict: true } as const

/** What precompile.ts writes beside the compiled blueprints.js: blueprint name → hash of its text, template spec. */
export type Precompiled = Readonly<Record<string, { readonly sha256: string; readonly spec: TemplateSpecification }>>
type TemplateSpecification = Parameters<typeof Handlebars.template>[0]
/** In dist/render/; found from the bundled CLI in dist/bin/ too. */
export const PRECOMPILED_FILE = 'blueprints.precompiled.cjs'
const PRECOMPILED_URL = new URL(`../render/${PRECOMPILED_FILE}`, import.meta.url)

export { sha256 }

type Env = typeof Handlebars
const require = createRequire(import.meta.url)
const str = (fn: (v: string) => string) => (value: unknown) => fn(String(value))
const withHelpers = (env: Env): Env => {
  env.registerHelper({
    yaml: str(yamlString),
    compose: str(composeString),
    json: (value: unknown) => jsonValue(value),
    kc: str(keycloakString),
    kcVar: str(keycloakPlaceholder),
    ident: str(sqlIdent),
    literal: str(sqlLiteral),
    env: str(envValue),
  })
  return env
}

// Made on first use, synchronously (renderers are synchronous): an environment for precompiled templates, and
// the full compiler only when something must be compiled.
let runtime: Env | undefined
let compiler: Env | undefined
let precompiled: Precompiled | undefined
const runtimeEnv = (): Env => (runtime ??= withHelpers((HandlebarsRuntime as Env).create()))
const compilerEnv = (): Env => (compiler ??= withHelpers((require('handlebars') as Env).create()))
const precompiledTemplates = (): Precompiled => {
  const file = fileURLToPath(PRECOMPILED_URL)
  precompiled ??= existsSync(file) ? (require(file) as Precompiled) : {}
  return precompiled
}

const cache = new Map<string, Handlebars.TemplateDelegate>()

function compileTemplate(path: string, name: string): Handlebars.TemplateDelegate {
  const source = readFileSync(path, 'utf8')
  // Same text, same compiled code: an override that is still a copy of the built-in one qualifies too.
  const ready = precompiledTemplates()[name]
  if (ready !== undefined && ready.sha256 === sha256(source)) return runtimeEnv().template(ready.spec)
  return compilerEnv().compile(source, COMPILE_OPTIONS)
}

/** Where a blueprint is read from: the user's override, or the built-in one. */
export function blueprintPath(name: string, overrideDir?: string): string {
  if (overrideDir) {
    const override = join(overrideDir, name)
    if (existsSync(override)) return override
  }
  return join(BUILTIN_BLUEPRINTS, name)
}

/** Reads a blueprint verbatim (static files such as the functions runtime). */
export function readBlueprint(name: string, overrideDir?: string): string {
  return readFileSync(blueprintPath(name, overrideDir), 'utf8')
}

/** Renders a Handlebars blueprint with a precomputed view. */
export function renderBlueprint(name: string, view: object, overrideDir?: string): string {
  const path = blueprintPath(name, overrideDir)
  let template = cache.get(path)
  if (!template) {
    template = compileTemplate(path, name)
    cache.set(path, template)
  }
  try {
    return template(view)
  } catch (error) {
    throw new SparkbaasError('render_failed', `blueprint ${path} failed to render: ${(error as Error).message}`, {
      hint: 'If you changed this blueprint, compare it with the built-in one (sparkbaas blueprints eject).',
      cause: error,
    })
  }
}
