/** The project name init derives from a folder name: valid for any folder name, or the fallback, said so. */
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { NAMES } from '../../src/config/names.js'
import { FALLBACK_PROJECT, projectNameFor, sanitizeProjectName } from '../../src/scaffold/project-name.js'

describe('sanitizeProjectName', () => {
  test.each([
    ['acme', 'acme'],
    ['My App', 'my-app'],
    ['my_app', 'my-app'],
    ['  spaced  out  ', 'spaced-out'],
    ['café crème', 'cafe-creme'],
    ['Ｆｕｌｌｗｉｄｔｈ', 'fullwidth'],
    ['ﬁle', 'file'],
    ['Straße', 'stra-e'],
    ['2024 report', 'app-2024-report'],
    ['3d', 'app-3d'],
    ['-leading-dash-', 'leading-dash'],
    [`it's "quoted"`, 'it-s-quoted'],
    ['$HOME `pwd` ${X}', 'home-pwd-x'],
    ['back\\slash#hash', 'back-slash-hash'],
    ['new\nline\u2028sep', 'new-line-sep'],
    ['emoji 🚀 rocket', 'emoji-rocket'],
    ['a'.repeat(60), 'a'.repeat(39)],
    // Cut at 39 characters, then the dash the cut left at the end goes too.
    [`${'a'.repeat(38)} b`, 'a'.repeat(38)],
  ])('%j → %s', (folder, name) => {
    expect(sanitizeProjectName(folder)).toBe(name)
    expect(name).toMatch(NAMES.project.pattern)
  })

  test.each(['日本', '🚀', '---', '', '   ', '$$$', '.'])('%j has nothing usable → undefined', (folder) => {
    expect(sanitizeProjectName(folder)).toBeUndefined()
  })

  test('any string gives a valid name or undefined', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (folder) => {
        const name = sanitizeProjectName(folder)
        return name === undefined || NAMES.project.pattern.test(name)
      }),
      { numRuns: 2000 },
    )
  })
})

describe('projectNameFor', () => {
  test('a valid folder name is used as it is', () => {
    expect(projectNameFor('acme-2')).toEqual({ name: 'acme-2', folder: 'acme-2', source: 'from-folder' })
  })
  test('an invalid one is sanitized', () => {
    expect(projectNameFor('Acme Corp')).toEqual({ name: 'acme-corp', folder: 'Acme Corp', source: 'sanitized' })
  })
  test('nothing usable, or the filesystem root: the fallback', () => {
    expect(projectNameFor('日本')).toEqual({ name: FALLBACK_PROJECT, folder: '日本', source: 'fallback' })
    expect(projectNameFor(undefined)).toEqual({ name: FALLBACK_PROJECT, folder: undefined, source: 'fallback' })
    expect(FALLBACK_PROJECT).toMatch(NAMES.project.pattern)
  })
})
