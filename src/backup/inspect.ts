/**
 * What a dump says about itself, read before anything is changed: which database it is (the `dbname` line of the
 * `pg_restore --list` header, which pg_restore takes from the dump's own header: src/bin/pg_dump/
 * pg_backup_archiver.c, PrintTOCSummary), and the database-level part of `pg_restore --create`: how to create it
 * (encoding, locale) and what to set on it once it has its name (owner, comment, settings, grants).
 *
 * The manifest beside the dumps only says which file to read: a dump's database is the one its header names, and a
 * manifest that says otherwise refuses the restore.
 */
import { SparkbaasError } from '../errors.js'
import { invalid, MANIFEST_FILE } from './manifest.js'
import { NAME, safeSetting, shown, splitStatements, unquote } from './roles.js'

/** The database a `pg_restore --list` output was dumped from, or undefined when its header names none. */
export function listedDatabase(list: string): string | undefined {
  return /^;\s+dbname: (.*)$/im.exec(list)?.[1]
}

/** The database-level statements of a dump, split for the restore into a temporary name and the swap. */
export interface DatabaseLevel {
  /** The options of pg_dump's `CREATE DATABASE <name> WITH …` (TEMPLATE, ENCODING, LOCALE …), for the temporary name. */
  readonly createWith: string
  /** Run once the database has its name: `ALTER DATABASE … OWNER TO`, comment, settings, grants. */
  readonly statements: readonly string[]
}

/** pg_dump's header of each entry of a text script (`_printTocEntry`). */
const ENTRY = /^-- Name: (.*); Type: (.*); Schema: (.*); Owner: (.*)$/

/** `CREATE DATABASE x WITH` options as pg_dump writes them: `KEY = value` pairs, values a word or a plain literal. */
const CREATE_WITH = /^CREATE DATABASE (?:"(?:[^"]|"")*"|[a-z_][a-z0-9_$]*) WITH ((?:[A-Z_]+ = (?:'[^'\\;]*'|[A-Za-z0-9_]+)(?: |$))+)$/

/**
 * The database-level part of `pg_restore --create --schema-only` output for database `name`: its DATABASE entry,
 * and the COMMENT, SECURITY LABEL, ACL and DATABASE PROPERTIES entries on it. Session SETs and psql's backslash
 * commands are left out; everything else runs as it is, after the swap, when the name is the dump's own again.
 */
export function databaseLevel(script: string, name: string, describe: string): DatabaseLevel {
  const sections: { type: string; name: string; text: string[] }[] = []
  const lines = script.split('\n')
  let current: { type: string; name: string; text: string[] } | undefined
  for (let i = 0; i < lines.length; i++) {
    const header = ENTRY.exec(lines[i]!)
    if (header !== null && lines[i - 1] === '--' && lines[i + 1] === '--') {
      current = { name: header[1]!, type: header[2]!, text: [] }
      sections.push(current)
      i++
    } else current?.text.push(lines[i]!)
  }
  const onDatabase = sections.filter(
    (s) => (s.type === 'DATABASE' || s.type === 'DATABASE PROPERTIES') ? s.name === name : ['COMMENT', 'ACL', 'SECURITY LABEL'].includes(s.type) && s.name === `DATABASE ${name}`,
  )
  const statements = onDatabase
    .flatMap((s) => splitStatements(s.text.join('\n')))
    .filter((s) => !/^SET\s/.test(s) && !/^SELECT pg_catalog\.set_config\(/.test(s))
  const create = statements.filter((s) => s.startsWith('CREATE DATABASE '))
  const createWith = create.length === 1 ? CREATE_WITH.exec(create[0]!)?.[1] : undefined
  if (createWith === undefined) {
    throw new SparkbaasError('archive_invalid', `${describe} has no CREATE DATABASE statement of the form pg_dump writes for database "${name}".`, {
      hint: `Use an archive written by \`sparkbaas backup\`, unchanged since (its ${MANIFEST_FILE} cannot vouch for the dumps' contents).`,
    })
  }
  const rest = statements.filter((s) => !s.startsWith('CREATE DATABASE '))
  const foreign = rest.filter((s) => !allowedOnDatabase(s, name))
  if (foreign.length > 0) {
    throw new SparkbaasError('archive_refused', `${describe} has database-level statements a restore never runs: ${foreign.map(shown).join('; ')}.`, {
      hint: `Use an archive written by \`sparkbaas backup\`, unchanged since (its ${MANIFEST_FILE} cannot vouch for the dumps' contents).`,
    })
  }
  return { createWith: createWith.trim(), statements: rest }
}

/**
 * What pg_dump writes on a database (dumpDatabase, dumpDatabaseConfig in src/bin/pg_dump/pg_dump.c): its owner,
 * comment, grants, and settings of it and of roles in it; settings only of the kinds roles.ts allows.
 */
function allowedOnDatabase(statement: string, name: string): boolean {
  const db = (text: string) => unquote(text) === name
  const setting = new RegExp(String.raw`^ALTER (?:DATABASE ${NAME}|ROLE ${NAME} IN DATABASE ${NAME}) SET ("(?:[^"]|"")*"|[A-Za-z_][A-Za-z0-9_.]*) (?:TO|=) `, 's').exec(statement)
  if (setting !== null) return db(setting[1] ?? setting[3]!) && safeSetting(unquote(setting[4]!))
  const m =
    new RegExp(String.raw`^ALTER DATABASE ${NAME} OWNER TO ${NAME}$`, 's').exec(statement) ??
    new RegExp(String.raw`^COMMENT ON DATABASE ${NAME} IS '(?:[^']|'')*'$`, 's').exec(statement) ??
    new RegExp(String.raw`^(?:GRANT|REVOKE) (?:ALL|CONNECT|TEMPORARY|CREATE)(?:,(?:CONNECT|TEMPORARY|CREATE))* ON DATABASE ${NAME} (?:TO|FROM) (?:PUBLIC|${NAME})(?: WITH GRANT OPTION)?(?: GRANTED BY ${NAME})?$`, 's').exec(statement)
  return m !== null && db(m[1]!)
}

/** The dump in `file` is of database `claimed`, as the manifest says, or the restore is refused naming both. */
export function requireSameDatabase(label: string, file: string, claimed: string, listed: string | undefined): void {
  if (listed === undefined) throw invalid(label, `${file} names no database in its header (pg_restore --list shows no dbname)`)
  if (listed !== claimed) {
    throw invalid(label, `${file} is a dump of database "${listed}" (the dbname in its own header), but its ${MANIFEST_FILE} says it is database "${claimed}"`)
  }
}
