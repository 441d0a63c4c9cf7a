/**
 * One service of a generated docker-compose.yml as compose hands it to the container: its `command` and
 * `environment` with every `${VAR}` read from the generated `.env` and `$$` unescaped. For tests that run a
 * generated job (postgres-init, keycloak-sync) the way its container would.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { dotenvValues, parseDotenv } from '../../src/write/dotenv.js'
import { scanInterpolation } from '../render/compose-interpolation.js'

export interface ComposeServiceDoc {
  command: string[]
  environment: Record<string, string>
  depends_on?: Record<string, { condition: string }>
  restart: string
}

export function composeDoc(out: string): { services: Record<string, ComposeServiceDoc> } {
  return parse(readFileSync(join(out, 'docker-compose.yml'), 'utf8')) as { services: Record<string, ComposeServiceDoc> }
}

export function resolvedService(out: string, name: string): { command: string[]; environment: Record<string, string> } {
  const service = composeDoc(out).services[name]
  if (!service) throw new Error(`no service ${name} in ${out}/docker-compose.yml`)
  const values = dotenvValues(parseDotenv(readFileSync(join(out, '.env'), 'utf8')))
  const resolve = (raw: string) =>
    scanInterpolation(raw)
      .map((part) => ('text' in part ? part.text : values.get(part.ref.name) ?? ''))
      .join('')
  return {
    command: service.command.map(resolve),
    environment: Object.fromEntries(Object.entries(service.environment).map(([key, raw]) => [key, resolve(String(raw))])),
  }
}
