/** The .gitignore merge: the user's lines kept byte for byte, missing entries appended once, never twice. */
import { describe, expect, test } from 'vitest'
import { covers, GITIGNORE_ENTRIES, mergeGitignore } from '../../src/scaffold/gitignore.js'

const HEADER = '# sparkbaas: secrets generated for this machine, installed packages, database backups'

describe('mergeGitignore', () => {
  test('no file yet: the header and every entry', () => {
    expect(mergeGitignore(undefined)).toEqual({ contents: `${HEADER}\ngenerated/.env\nnode_modules/\nbackups/\n`, added: ['generated/.env', 'node_modules/', 'backups/'] })
    expect(GITIGNORE_ENTRIES).toEqual(['generated/.env', 'node_modules/', 'backups/'])
  })

  test("the user's lines stay as they are; only missing entries are appended", () => {
    const existing = '# mine\ndist/\n/node_modules\n'
    const merged = mergeGitignore(existing)
    expect(merged).toEqual({ contents: `${existing}\n${HEADER}\ngenerated/.env\nbackups/\n`, added: ['generated/.env', 'backups/'] })
  })

  test('a file without a final newline gets one before the appended lines', () => {
    expect(mergeGitignore('dist/').contents).toBe(`dist/\n\n${HEADER}\ngenerated/.env\nnode_modules/\nbackups/\n`)
  })

  test('CRLF files stay CRLF', () => {
    expect(mergeGitignore('dist/\r\n').contents).toBe(`dist/\r\n\r\n${HEADER}\r\ngenerated/.env\r\nnode_modules/\r\nbackups/\r\n`)
  })

  test('merging twice adds nothing the second time', () => {
    const once = mergeGitignore('dist/\n').contents
    expect(mergeGitignore(once)).toEqual({ contents: once, added: [] })
  })

  test('an empty file is treated like no file', () => {
    expect(mergeGitignore('').contents).toBe(`${HEADER}\ngenerated/.env\nnode_modules/\nbackups/\n`)
  })
})

describe('covers', () => {
  test.each([
    ['generated/.env', 'generated/.env'],
    ['/generated/.env', 'generated/.env'],
    ['  generated/.env  ', 'generated/.env'],
    // No "/" inside: git matches it at any depth.
    ['.env', 'generated/.env'],
    ['node_modules', 'node_modules/'],
    ['node_modules/', 'node_modules/'],
    ['/node_modules/', 'node_modules/'],
  ])('%j covers %s', (line, entry) => {
    expect(covers(line, entry)).toBe(true)
  })

  test.each([
    ['# generated/.env', 'generated/.env'],
    ['!generated/.env', 'generated/.env'],
    ['', 'generated/.env'],
    ['other/.env', 'generated/.env'],
    // A folder pattern never matches a file.
    ['.env/', 'generated/.env'],
    ['generated/.env.local', 'generated/.env'],
    ['**/node_modules', 'node_modules/'],
    ['node_modules_old/', 'node_modules/'],
  ])('%j does not count as covering %s', (line, entry) => {
    expect(covers(line, entry)).toBe(false)
  })
})
