/**
 * The Postgres init SQL: `postgres/init/*.sql`, run by the official image on first start, in sorted order, through
 * `psql -v ON_ERROR_STOP=1 --no-psqlrc --username postgres --dbname postgres`.
 *
 * - `00-roles.sql`: login roles (passwords read from the environment with `\getenv`, never written) and
 *   PostgREST's request roles;
 * - `10-databases.sql`: Keycloak's database and every application database, CONNECT only for who needs it;
 * - `20-db-<name>.sql`: one per application database: extensions, and for the API database its schemas and grants.
 *
 * Every file is idempotent. Names reach the SQL only through the `ident` / `literal` helpers; the few values that
 * land in psql meta-command arguments (env keys, psql variable names) are checked against strict patterns here.
 * The rendered text is then lexed the way psql reads it (psql-check.ts) and checked for its expected statements.
 */
import { SparkbaasError } from '../errors.js'
import { ENV } from '../model/env-vars.js'
import type { StackModel } from '../model/types.js'
import { blueprintPath, renderBlueprint } from './blueprints.js'
import { sqlIdent, sqlLiteral } from './escape.js'
import { header } from './header.js'
import type { RenderContext } from './index.js'
import { checkPsqlScript } from './psql-check.js'
import type { RenderedFile } from './types.js'

export const INIT_DIR = 'postgres/init'
const ARTIFACT = 'postgres'

/** A function's role holds none of these, set again on every run (a role made superuser by hand loses it). */
const LEAST_PRIVILEGE = 'NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS'

/** Env keys and psql variable names go unquoted into `\getenv`; these patterns keep them plain words. */
const ENV_KEY = /^[A-Z_][A-Z0-9_]*$/
/** Roles Postgres or the stack itself owns; a request role of the same name would break the stack. */
/** Template databases: revoking CONNECT on them would break tools; `postgres` is where the init SQL runs. */

export const databaseFile = (name: string): string => `20-db-${name}.sql`

interface Blueprint {
  readonly name: string
  readonly path: string
  readonly view: object
  /** Lines (or line prefixes) the output must contain, in this order. */
  readonly expect: readonly string[]
}

export function renderPostgres(model: StackModel, ctx: RenderContext): RenderedFile[] {
  const head = header('--', model.configFile).trimEnd()
  const pg = model.postgres
  const api = model.api
  const authenticator = api ? authenticatorOf(model) : undefined
  const requestRoles = api ? [...(api.anonRole === false ? [] : [api.anonRole]), api.authenticatedRole] : []

  const loginRoles = pg.loginRoles.map((role) => {
    if (!ENV_KEY.test(role.passwordVar)) throw internal(`bad env key ${JSON.stringify(role.passwordVar)}`)
    // The message is printed inside a $$-quoted DO body: it must not contain a dollar sign.
    const error = `sparkbaas: environment variable ${role.passwordVar} (password of role ${role.name}) is empty or not set`
    const fn = role.database === undefined ? undefined : model.functions.find((f) => f.database?.role === role.name)
    return {
      name: role.name,
      passwordVar: role.passwordVar,
      psqlVar: role.passwordVar.toLowerCase(),
      noInherit: role.noInherit,
      database: role.database ?? false,
      // Function names are plain words (NAMES.identifier): safe in a comment line.
      function: fn?.name ?? false,
      // \warn reads its argument with psql's quoting, which treats backslashes as escapes; there are none here.
      warning:
        `sparkbaas: the environment variable ${role.passwordVar} is empty or not set. It holds the password of ` +
        `role ${role.name}: set it in .env (sparkbaas generate creates it) and pass it to the postgres-init job.`,
      error,
    }
  })
  for (const role of loginRoles) {
    if (/[$\\\n]/.test(role.error + role.warning)) throw internal(`role name ${JSON.stringify(role.name)} breaks a message`)
  }

  const blueprints: Blueprint[] = []
  if (loginRoles.length > 0 || api) {
    blueprints.push({
      name: 'postgres/00-roles.sql.hbs',
      path: '00-roles.sql',
      view: {
        header: head,
        loginRoles,
        api: api
          ? { authenticator, requestRoles: requestRoles.map((name) => ({ name, member: authenticator })) }
          : false,
      },
      expect: [
        ...loginRoles.flatMap((r) => [
          `\\getenv ${r.psqlVar} ${r.passwordVar}`,
          `DO $$ BEGIN RAISE EXCEPTION USING MESSAGE = ${sqlLiteral(r.error)}; END $$;`,
          `ALTER ROLE ${sqlIdent(r.name)} WITH LOGIN ${r.database === false ? '' : `${LEAST_PRIVILEGE} `}${r.noInherit ? 'NOINHERIT' : 'INHERIT'} PASSWORD :'${r.psqlVar}';`,
        ]),
        ...requestRoles.map((r) => `GRANT ${sqlIdent(r)} TO ${sqlIdent(authenticator!)};`),
      ],
    })
  }

  const functionRoles = pg.loginRoles.filter((r) => r.database !== undefined)
  const kc = pg.keycloakDatabase
  blueprints.push({
    name: 'postgres/10-databases.sql.hbs',
    path: '10-databases.sql',
    view: {
      header: head,
      keycloak: kc ?? false,
      databases: pg.databases.map((name) => ({
        name,
        api: name === api?.database,
        connect: [...(name === api?.database ? [authenticator] : []), ...functionRoles.filter((r) => r.database === name).map((r) => r.name)],
        // A function moved to another database loses the old one.
        revoke: functionRoles.filter((r) => r.database !== name).map((r) => r.name),
      })),
    },
    expect: [
      ...(kc ? [`SELECT format('CREATE DATABASE %I OWNER %I', ${sqlLiteral(kc.name)}, ${sqlLiteral(kc.owner)})`] : []),
      ...pg.databases.flatMap((db) => [
        `SELECT format('CREATE DATABASE %I', ${sqlLiteral(db)})`,
        `REVOKE CONNECT ON DATABASE ${sqlIdent(db)} FROM PUBLIC;`,
        ...(db === api?.database ? [`GRANT CONNECT ON DATABASE ${sqlIdent(db)} TO ${sqlIdent(authenticator!)};`] : []),
        ...functionRoles.filter((r) => r.database === db).map((r) => `GRANT CONNECT ON DATABASE ${sqlIdent(db)} TO ${sqlIdent(r.name)};`),
        ...functionRoles.filter((r) => r.database !== db).map((r) => `REVOKE CONNECT ON DATABASE ${sqlIdent(db)} FROM ${sqlIdent(r.name)};`),
      ]),
    ],
  })

  for (const db of pg.databases) {
    const schemas =
      db === api?.database
        ? api.schemas.map((name) => ({ name, anon: api.anonRole, anonReads: api.anonReadsNewTables, authenticated: api.authenticatedRole }))
        : []
    blueprints.push({
      name: 'postgres/20-database.sql.hbs',
      path: databaseFile(db),
      view: { header: head, name: db, api: schemas.length > 0, hasExtensions: pg.extensions.length > 0, extensions: pg.extensions, schemas },
      expect: [
        `\\connect ${sqlIdent(db)}`,
        ...pg.extensions.map((e) => `CREATE EXTENSION IF NOT EXISTS ${sqlIdent(e)};`),
        ...schemas.flatMap((s) => [
          `CREATE SCHEMA IF NOT EXISTS ${sqlIdent(s.name)};`,
          ...(s.anon === false ? [] : [`GRANT USAGE ON SCHEMA ${sqlIdent(s.name)} TO ${sqlIdent(s.anon)};`]),
          `GRANT USAGE ON SCHEMA ${sqlIdent(s.name)} TO ${sqlIdent(s.authenticated)};`,
        ]),
      ],
    })
  }

  return blueprints.map((bp) => {
    const contents = renderBlueprint(bp.name, bp.view, ctx.blueprintsDir)
    const path = `${INIT_DIR}/${bp.path}`
    const problems = ctx.verified?.(path, contents) ? [] : [...checkPsqlScript(contents), ...checkContents(contents, head, bp.expect)]
    if (problems.length > 0) {
      const source = blueprintPath(bp.name, ctx.blueprintsDir)
      throw new SparkbaasError(
        'render_failed',
        `blueprint ${bp.name} produced invalid SQL for ${INIT_DIR}/${bp.path}:\n  ${problems.join('\n  ')}`,
        { hint: `Rendered from ${source}. If you changed this blueprint, compare it with the built-in one.` },
      )
    }
    return { path, contents, format: 'sql' as const, artifact: ARTIFACT, blueprint: bp.name }
  })
}

/** What psql cannot tell us: the header, the expected statements in order, no password written as a literal. */
function checkContents(contents: string, head: string, expect: readonly string[]): string[] {
  const problems: string[] = []
  if (!contents.startsWith(`${head}\n`)) problems.push('it does not start with the generated-file header')
  if (!contents.endsWith('\n')) problems.push('it does not end with a newline')
  const lines = contents.split('\n')
  let from = 0
  for (const wanted of expect) {
    const at = lines.findIndex((l, i) => i >= from && l.startsWith(wanted))
    if (at === -1) problems.push(`expected a line ${JSON.stringify(wanted)}${from > 0 ? ' after line ' + from : ''}`)
    else from = at + 1
  }
  lines.forEach((l, i) => {
    // A password must come from a psql variable (:'pw'), never from text in the file.
    // Quoted text (messages) is blanked first; a psql variable reference :'pw' is what remains quoted.
    const code = l.replace(/:'\w+'/g, ':pw').replace(/'(?:[^']|'')*'/g, "''")
    if (!code.trimStart().startsWith('--') && /\bPASSWORD\b(?!\s+:pw)/i.test(code)) {
      problems.push(`line ${i + 1}: PASSWORD not followed by a psql variable (:'name'): passwords are never written into SQL`)
    }
  })
  return problems
}

function authenticatorOf(model: StackModel): string {
  const role = model.postgres.loginRoles.find((r) => r.passwordVar === ENV.authenticatorPassword)
  if (!role) throw internal('the API is enabled but there is no PostgREST login role')
  return role.name
}

const internal = (message: string) => new SparkbaasError('render_failed', `internal: postgres init SQL: ${message}`)
