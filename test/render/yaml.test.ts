/** parseYaml: yaml's `parse` with `uniqueKeys: true`, linear — same values, same errors. */
import { describe, expect, test } from 'vitest'
import { parse } from 'yaml'
import { parseYaml } from '../../src/render/yaml.js'

const yamlSays = (text: string): unknown => {
  try {
    return parse(text, { uniqueKeys: true, strict: true })
  } catch (error) {
    return error
  }
}
const oursSays = (text: string): unknown => {
  try {
    return parseYaml(text, { strict: true })
  } catch (error) {
    return error
  }
}

describe('parseYaml', () => {
  test.each([
    ['a plain document', 'a: 1\nb:\n  c: [1, 2]\n  d: { e: "x" }\n'],
    ['a repeated key', 'a: 1\nb: 2\na: 3\n'],
    ['a repeated key in a nested mapping', 'top:\n  x: 1\n  y: 2\n  x: 3\n'],
    ['a repeated key in a flow mapping', 'a: { x: 1, x: 2 }\n'],
    ['a repeated key spelled differently', 'a: 1\n"a": 2\n'],
    ['the same key in sibling mappings', 'one:\n  x: 1\ntwo:\n  x: 2\n'],
    ['keys equal as strings only', '1: a\n"1": b\n'],
    ['a syntax error', 'a: [1\n'],
    ['a syntax error after a repeated key', 'a: 1\na: 2\nb: [1\n'],
    ['two documents', 'a: 1\n---\nb: 2\n'],
  ])('%s: what yaml says', (_, text) => {
    expect(oursSays(text)).toEqual(yamlSays(text))
  })
})
