/**
 * `.env.example`: the committed twin of `.env` — every key the stack reads, with its comment, settings with their
 * default value and secrets left empty. Entries are formatted exactly as the secrets store writes them.
 */
import { SparkbaasError } from '../errors.js'
import type { EnvVar, StackModel } from '../model/types.js'
import { formatEnvEntry, parseDotenv } from '../write/dotenv.js'
import { header } from './header.js'
import type { RenderContext } from './index.js'
import type { RenderedFile } from './types.js'

export const ENV_EXAMPLE = '.env.example'

const INTRO = [
  '# Every key of .env, which `sparkbaas generate` creates beside this file with fresh secrets (never commit .env).',
  '# Settings show their default; secrets are left empty here.',
]

/** What `.env.example` shows for a key: a setting's value, never a secret's. */
export const exampleValue = (v: EnvVar): string => (v.generate.kind === 'setting' ? v.generate.value : '')

export function renderEnvExample(model: StackModel, _ctx: RenderContext): RenderedFile[] {
  const contents =
    header('#', model.configFile) +
    INTRO.map((l) => `${l}\n`).join('') +
    model.env.map((v) => `\n${formatEnvEntry(v.key, v.comment, exampleValue(v))}`).join('')
  check(contents, model.env)
  return [{ path: ENV_EXAMPLE, contents, format: 'env', artifact: ENV_EXAMPLE }]
}

/** Parses the file back as compose would: the same keys in the same order, each with the value shown. */
function check(contents: string, vars: readonly EnvVar[]): void {
  let problem: string | undefined
  try {
    const entries = parseDotenv(contents)
    if (entries.length !== vars.length) problem = `${entries.length} keys instead of ${vars.length}`
    else {
      const bad = vars.findIndex((v, i) => entries[i]!.key !== v.key || entries[i]!.value !== exampleValue(v))
      if (bad !== -1) problem = `${vars[bad]!.key} does not read back as written`
    }
  } catch (error) {
    problem = (error as Error).message
  }
  if (problem !== undefined) {
    throw new SparkbaasError('render_failed', `${ENV_EXAMPLE} is not a valid .env file: ${problem}`)
  }
}
