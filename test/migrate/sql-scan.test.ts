/** The pre-flight reading of a migration: statements split like psql, and what breaks its single transaction. */
import { describe, expect, test } from 'vitest'
import { scanSql, transactionProblems } from '../../src/migrate/sql-scan.js'

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

  test('\\connect and \\quit are refused; other meta-commands are allowed', () => {
    expect(transactionProblems('\\set ON_ERROR_STOP 1\n\\echo hi\n\\c other\n\\connect other\nselect 1;\n\\q\n')).toEqual([
      { line: 3, message: '\\connect moves the rest of the migration to another connection, outside its transaction — remove it (pick the database with `migrate up --database NAME`)' },
      { line: 4, message: '\\connect moves the rest of the migration to another connection, outside its transaction — remove it (pick the database with `migrate up --database NAME`)' },
      { line: 6, message: '\\quit ends the migration early and commits what ran before it — remove it (pick the database with `migrate up --database NAME`)' },
    ])
  })

  test('a COMMIT after a BEGIN ATOMIC body and after multi-line strings is found on its own line', () => {
    const sql = ['create procedure p() language sql', 'begin atomic', '  insert into t values (1);', 'end;', "select 'a", 'b', "c';", 'commit;'].join('\n')
    expect(transactionProblems(sql)).toEqual([{ line: 8, message: `COMMIT: ${TX}` }])
  })
})
