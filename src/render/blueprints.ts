/**
 * Loads and compiles the Handlebars blueprints. A file of the same name in `blueprints/` beside the user's config
 * replaces the built-in one. Templates are compiled once per process, with HTML escaping off (nothing here is
 * HTML) and strict mode on (a missing field is an error, not an empty string); values reach the text only
 * through the escaping helpers registered below.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Handlebars from 'handlebars'
import { SparkbaasError } from '../errors.js'
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

const hbs = Handlebars.create()
const str = (fn: (v: string) => string) => (value: unknown) => fn(String(value))
hbs.registerHelper({
  yaml: str(yamlString),
  compose: str(composeString),
  json: (value: unknown) => jsonValue(value),
  kc: str(keycloakString),
  kcVar: str(keycloakPlaceholder),
  ident: str(sqlIdent),
  literal: str(sqlLiteral),
  env: str(envValue),
})

const cache = new Map<string, Handlebars.TemplateDelegate>()

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
    template = hbs.compile(readFileSync(path, 'utf8'), { noEscape: true, strict: true })
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
