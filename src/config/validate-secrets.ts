/**
 * Cross-field rules about what functions and services read from `.env` (issue 13): the `{ secret }` names and a
 * function's `database`. Part of RULES in validate.ts, which re-exports them.
 */
import type { Problem } from '../errors.js'
import { ownEnvVars } from '../model/env-vars.js'
import { DATABASE_URL, functionDatabase, functionRole, secretUses } from '../model/function-access.js'
import type { Rule } from './validate.js'

const problem = (path: string, code: string, message: string): Problem => ({ path, code, message })

/**
 * docker compose reads its own settings (COMPOSE_PROJECT_NAME, COMPOSE_FILE, …) and the Docker CLI's (DOCKER_HOST, …)
 * from the `.env` beside the compose file (docs.docker.com/compose/how-tos/environment-variables/envvars/): a
 * secret of that name would change how compose runs the stack.
 */
const COMPOSE_PREFIXES = ['COMPOSE_', 'DOCKER_'] as const

/**
 * A `{ secret }` name is a key of `.env`, which also holds sparkbaas's own passwords and keys: one of those names
 * would hand a function the Postgres superuser password or a realm's signing key (all of them are refused, also
 * those this config does not use yet, so adding a realm later cannot turn a secret into one).
 */
export const secretNames: Rule = (config) => {
  const own = new Map(ownEnvVars(config, { keycloak: true, functions: true }, true).map((v) => [v.key, v.comment]))
  return secretUses(config).flatMap(({ secret, path }) => {
    const fix = `choose another name, e.g. "APP_${secret}"`
    if (COMPOSE_PREFIXES.some((prefix) => secret.startsWith(prefix))) {
      return [problem(path, 'reserved_env_key', `${secret} would change how docker compose itself runs: it reads COMPOSE_* and DOCKER_* variables from .env — ${fix}`)]
    }
    const comment = own.get(secret)
    if (comment === undefined) return []
    return [problem(path, 'reserved_env_key', `${secret} is a key sparkbaas keeps in .env (${comment}); a function or service must not read it — ${fix}`)]
  })
}

/** `database` names a database of the config; the function's DATABASE_URL and role are its own. */
export const functionDatabases: Rule = (config) => {
  const problems: Problem[] = []
  const roles = new Map<string, { name: string; index: number }>()
  const databases = config.postgres.databases
  config.functions.forEach((fn, i) => {
    if (typeof fn.database === 'string' && !databases.includes(fn.database)) {
      problems.push(problem(`functions[${i}].database`, 'unknown_database', `no database named "${fn.database}" — defined databases: ${databases.join(', ')}`))
      return
    }
    const db = functionDatabase(config, fn.database)
    if (db === undefined) return
    roles.set(functionRole(fn.name), { name: fn.name, index: i })
    if (Object.hasOwn(fn.env, DATABASE_URL)) {
      const message = `${DATABASE_URL} is set by database: ${JSON.stringify(fn.database)} (the function's own role ${functionRole(fn.name)} on database ${db}) — remove it from env`
      problems.push(problem(`functions[${i}].env.${DATABASE_URL}`, 'env_key_taken', message))
    }
  })
  const anonRole = config.api?.anonRole
  const owner = typeof anonRole === 'string' ? roles.get(anonRole) : undefined
  if (owner !== undefined) {
    const message = `"${anonRole}" is the database role of function ${owner.name} (functions[${owner.index}].database) — choose another name, e.g. "anon"`
    problems.push(problem('api.anonRole', 'reserved_role', message))
  }
  return problems
}
