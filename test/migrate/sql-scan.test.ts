/** The pre-flight reading of a migration: statements split like psql, and what breaks its single transaction. */
import { describe, expect, test } from 'vitest'
import { scanSql, transactionProblems } from '../../src/migrate/sql-scan.js'

/** The refusal of a meta-command other than \connect, \quit and \;. */
const META = (name: string) =>
  `\\${name}: psql meta-commands are not allowed in migrations: they act in psql, not in the migration's transaction ` +
  '(they can turn off ON_ERROR_STOP, send or repeat queries, read or write files, run shell commands) — remove it and write plain SQL; if you need it, ' +
  'run it yourself with `sparkbaas exec postgres -- psql -U postgres -d <database>`'

const TX =
  'each migration already runs in one transaction with its tracking row, and transaction control of its own would commit part of it even if a later statement fails — remove it'

describe('scanSql', () => {
  test('statements with their first words and lines; comments, strings and dollar quotes skipped', () => {
    const sql = [
      '-- BEGIN; in a comment',
      '/* COMMIT; /* nested */ still comment; */',
      "create table t (x text default 'a;b''c');",
      "insert into t values (E'it\\'s; COMMIT;');",
      'create function f() returns text language plpgsql as $body$',
      'begin',
      "  return 'x;'; -- commit;",
      'end',
      '$body$;',
      'select $1, a$b$ from "weird;name";',
      'select 1',
    ].join('\n')
    expect(scanSql(sql).statements).toEqual([
      { words: ['CREATE', 'TABLE', 'T', 'X', 'TEXT', 'DEFAULT'], line: 3 },
      { words: ['INSERT', 'INTO', 'T', 'VALUES'], line: 4 },
      { words: ['CREATE', 'FUNCTION', 'F', 'RETURNS', 'TEXT', 'LANGUAGE'], line: 5 },
      { words: ['SELECT', 'A$B$', 'FROM', '"…"'], line: 10 },
      { words: ['SELECT'], line: 11 },
    ])
  })

  test("BEGIN ATOMIC bodies keep their semicolons, as psql's own heuristic does", () => {
    const sql = [
      'create or replace function add(a int, b int) returns int language sql',
      'begin atomic',
      '  select case when a is null then 0 else a end + b;',
      'end;',
      'commit;',
    ].join('\n')
    expect(scanSql(sql).statements.map((s) => [s.words[0], s.line])).toEqual([
      ['CREATE', 1],
      ['COMMIT', 5],
    ])
  })

  test('psql meta-commands are read to the end of their line; \\gset ends the statement before it', () => {
    const { statements, meta } = scanSql("\\set x 1\nselect 1 as one \\gset\n\\connect other\nselect 'a\\q';\n")
    expect(meta).toEqual([
      { name: 'set', line: 1 },
      { name: 'gset', line: 2 },
      { name: 'connect', line: 3 },
    ])
    expect(statements).toEqual([
      { words: ['SELECT', 'AS', 'ONE'], line: 2 },
      { words: ['SELECT'], line: 4 },
    ])
  })
})

describe('transactionProblems', () => {
  test('an ordinary migration has none, whatever it holds in comments, strings and function bodies', () => {
    const sql = [
      'create table api.todos (id bigint generated always as identity primary key, title text not null);',
      "comment on table api.todos is 'BEGIN; COMMIT;';",
      'create index todos_title on api.todos (title);',
      'savepoint s1;',
      'rollback to savepoint s1;',
      'release savepoint s1;',
      'do $$ begin perform 1; end $$;',
      '-- VACUUM would not work here',
      'refresh materialized view concurrently x;',
    ].join('\n')
    expect(transactionProblems(sql)).toEqual([])
  })

  test('transaction control, each with its line and message', () => {
    const sql = ['BEGIN;', 'create table a(x int);', 'COMMIT;', 'start transaction;', 'rollback;', 'end;', 'abort;', "prepare transaction 'x';", 'begin work;'].join('\n')
    expect(transactionProblems(sql)).toEqual([
      { line: 1, message: `BEGIN: ${TX}` },
      { line: 3, message: `COMMIT: ${TX}` },
      { line: 4, message: `START TRANSACTION: ${TX}` },
      { line: 5, message: `ROLLBACK: ${TX}` },
      { line: 6, message: `END: ${TX}` },
      { line: 7, message: `ABORT: ${TX}` },
      { line: 8, message: `PREPARE TRANSACTION: ${TX}` },
      { line: 9, message: `BEGIN: ${TX}` },
    ])
  })

  test('keywords fold to upper case as PostgreSQL folds them, ASCII letters only', () => {
    // JavaScript's toUpperCase makes the dotless ı an I: `begın` would read as BEGIN, which it is to nobody else
    // (PostgreSQL takes it as an identifier: src/common/kwlookup.c, ScanKeywordLookup case-folds ASCII letters only).
    expect(transactionProblems('create table begın (x int);\nselect 1 as commıt;')).toEqual([])
    expect(transactionProblems('Commit;')).toEqual([{ line: 1, message: `COMMIT: ${TX}` }])
  })

  test('SET CONSTRAINTS ALL IMMEDIATE would fire the tracking row\'s deferred check early; named constraints are fine', () => {
    expect(transactionProblems('set constraints all deferred;\nSET CONSTRAINTS my_fk IMMEDIATE;\nset constraints ALL immediate;')).toEqual([
      { line: 3, message: "SET CONSTRAINTS ALL IMMEDIATE would also check sparkbaas's tracking row before the migration's end, which fails it — name the constraints instead (SET CONSTRAINTS my_fk IMMEDIATE)" },
    ])
  })

  test('statements PostgreSQL refuses in a transaction block', () => {
    const sql = [
      'create index concurrently i1 on t (x);',
      'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i2 ON t (y);',
      'drop index concurrently i1;',
      'reindex (verbose) table concurrently t;',
      'vacuum analyze t;',
      "alter system set work_mem = '64MB';",
      'create database other;',
      'drop tablespace ts;',
      'reindex database app;',
    ].join('\n')
    const concurrently = (what: string) =>
      `${what} CONCURRENTLY cannot run inside a transaction block, and sparkbaas runs each migration in one — drop CONCURRENTLY (the table is locked against writes while it runs), or run the statement yourself with \`sparkbaas exec postgres -- psql -U postgres -d <database> -c '…'\``
    const outside = (what: string) => `${what} cannot run inside a transaction block, and sparkbaas runs each migration in one — run it yourself with \`sparkbaas exec postgres -- psql -U postgres …\``
    expect(transactionProblems(sql)).toEqual([
      { line: 1, message: concurrently('CREATE INDEX') },
      { line: 2, message: concurrently('CREATE INDEX') },
      { line: 3, message: concurrently('DROP INDEX') },
      { line: 4, message: concurrently('REINDEX') },
      { line: 5, message: outside('VACUUM') },
      { line: 6, message: outside('ALTER SYSTEM') },
      { line: 7, message: outside('CREATE DATABASE') },
      { line: 8, message: outside('DROP TABLESPACE') },
      { line: 9, message: outside('REINDEX DATABASE') },
    ])
  })

  test('every psql meta-command is refused, with its line; \\connect and \\quit say why in their own words', () => {
    const sql = [
      '\\set ON_ERROR_STOP off',
      '\\echo hi',
      '\\c other',
      '\\connect other',
      "select 'commit' \\gexec",
      '\\q',
      'select 1\\; commit;',
      '\\! rm -rf /tmp/x',
      '\\o /tmp/out',
      '\\i other.sql',
      "\\if `touch /tmp/pwned`",
      '\\',
    ].join('\n')
    const connect = '\\connect moves the rest of the migration to another connection, outside its transaction — remove it (pick the database with `migrate up --database NAME`)'
    expect(transactionProblems(sql)).toEqual([
      { line: 1, message: META('set') },
      { line: 2, message: META('echo') },
      { line: 3, message: connect },
      { line: 4, message: connect },
      { line: 5, message: META('gexec') },
      { line: 6, message: '\\quit ends the migration early and commits what ran before it — remove it (pick the database with `migrate up --database NAME`)' },
      { line: 7, message: '\\; makes psql send the statements around it as one query, which this check cannot see into (a COMMIT there would go unnoticed) — end each statement with a plain ;' },
      { line: 8, message: META('!') },
      { line: 9, message: META('o') },
      { line: 10, message: META('i') },
      { line: 11, message: META('if') },
      { line: 12, message: META('') },
    ])
  })

  test('backslashes psql does not treat as commands: in comments, strings, identifiers, dollar quotes, E-strings, and \\:', () => {
    const sql = [
      '-- \\set ON_ERROR_STOP off',
      '/* \\! rm -rf / */',
      "select '\\d+', E'it\\'s \\\\ \\gexec', \"col\\o\", $$ \\! x $$, $t$ \\q $t$, '10\\:30' ~ 'a';",
      'select 1 \\: 2;',
      'select x::text, arr[1:2] from t;',
    ].join('\n')
    expect(transactionProblems(sql)).toEqual([])
  })

  test(":sparkbaas_* unquoted is refused (psql would lex its value again); :'sparkbaas_*' is fine", () => {
    expect(transactionProblems("select :'sparkbaas_name', :\"sparkbaas_name\";\nselect :sparkbaas_name;\n")).toEqual([
      { line: 2, message: ":sparkbaas_name pastes the value into the SQL unquoted, where psql reads it again (a backslash in it would run as a meta-command) — write :'sparkbaas_name' for a quoted literal" },
    ])
  })

  test("a backslash before a quote in a '…' string is refused: with standard_conforming_strings off psql would read a \\! after it as a command", () => {
    // psqlscan.l lexes '…' as an escape string when std_strings is off; `'\''` then is one string and the \! below
    // runs, while with it on (the default, and this scanner's reading) the \! sits inside the second string.
    const sql = ["set standard_conforming_strings = off;", "select '\\'' \\! touch /tmp/pwned '", "select 'C:\\';"].join('\n')
    const message =
      "a '…' string with a backslash right before a quote: psql reads it differently once standard_conforming_strings is off, so what it runs would differ from what this check read — use a dollar-quoted string ($$…$$) or E'…' with the backslash doubled"
    expect(transactionProblems(sql)).toEqual([
      { line: 2, message },
      { line: 3, message },
    ])
  })

  test('a COMMIT after a BEGIN ATOMIC body and after multi-line strings is found on its own line', () => {
    const sql = ['create procedure p() language sql', 'begin atomic', '  insert into t values (1);', 'end;', "select 'a", 'b', "c';", 'commit;'].join('\n')
    expect(transactionProblems(sql)).toEqual([{ line: 8, message: `COMMIT: ${TX}` }])
  })
})
