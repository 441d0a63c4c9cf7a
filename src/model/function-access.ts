/**
 * What a function or an extra service reads from `.env` (issue 13): `{ secret: "NAME" }` env values, and a
 * function's own database role (`database`). Every key here is also a key of `.env` (env-vars.ts lists them), and
 * reaches a container only as a compose `${KEY}` reference: no committed file holds a value.
 */
import type { ParsedConfig, ParsedEnvValue } from '../config/schema.js'
import { envName } from './env-names.js'

/** Postgres listens here on the `backend` network; a function's DATABASE_URL points at it. */
export const POSTGRES_HOST = 'postgres'
export const POSTGRES_PORT = 5432

/** The variable a function with `database` gets. */
export const DATABASE_URL = 'DATABASE_URL'

/**
 * The functions runtime finds the value of `.env` key K in its own environment as `SPARKBAAS_SECRET_K`: the prefix
 * keeps a user's key (`PORT`, `NODE_OPTIONS`) from meeting a variable the runtime itself reads. It hands each
 * function only the keys that function names (blueprints/functions/server.mjs).
 */
export const runtimeSecretVar = (envKey: string): string => `SPARKBAAS_SECRET_${envKey}`

/** A function's login role: `fn_` and its name, `-` as `_`, so a migration can write it unquoted. */
export const functionRole = (fn: string): string => `fn_${fn.replaceAll('-', '_')}`

/** `.env` key of the password of a function's database role. */
export const functionDbPasswordVar = (fn: string): string => envName('FUNCTION', fn, 'DATABASE_PASSWORD')

/** The database a function asked for: `true` is the first application database. */
export function functionDatabase(config: ParsedConfig, database: boolean | string): string | undefined {
  if (database === false) return undefined
  return database === true ? config.postgres.databases[0] : database
}

export const isSecret = (value: ParsedEnvValue): value is { secret: string } => typeof value === 'object'

/** Splits an env map into committed text and `.env` references (variable → `.env` key), keys sorted. */
export function splitEnv(env: Readonly<Record<string, ParsedEnvValue>>): { plain: Record<string, string>; secrets: Record<string, string> } {
  const plain: Record<string, string> = {}
  const secrets: Record<string, string> = {}
  for (const key of Object.keys(env).sort()) {
    const value = env[key]!
    if (isSecret(value)) secrets[key] = value.secret
    else plain[key] = value
  }
  return { plain, secrets }
}

/** Who reads a secret: `function payer (STRIPE_KEY)`, in config order (functions, then services by name). */
export interface SecretUse {
  readonly secret: string
  readonly reader: string
  /** Config path of the value, for messages. */
  readonly path: string
}

export function secretUses(config: ParsedConfig): SecretUse[] {
  const uses: SecretUse[] = []
  const add = (env: Readonly<Record<string, ParsedEnvValue>>, who: string, base: string) => {
    for (const [key, value] of Object.entries(env)) {
      if (isSecret(value)) uses.push({ secret: value.secret, reader: `${who} (${key})`, path: `${base}.env.${key}.secret` })
    }
  }
  config.functions.forEach((fn, i) => add(fn.env, `function ${fn.name}`, `functions[${i}]`))
  for (const name of Object.keys(config.services).sort()) add(config.services[name]!.env, `service ${name}`, `services.${name}`)
  return uses
}
