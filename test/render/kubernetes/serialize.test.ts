/**
 * yamlFile writes what Go's YAML (kubectl, kustomize) reads as JavaScript does: every character Go's reader refuses
 * or takes as a line break (serialize.ts, GO_YAML_UNSAFE) is written as an escape inside double quotes, never raw.
 */
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { parse } from 'yaml'
import type { ConfigMap } from 'kubernetes-types/core/v1.js'
import { yamlFile } from '../../../src/render/kubernetes/serialize.js'

/** Raw in a file, each of these fails Go's reader or changes the text it reads (see serialize.ts for the sources). */
const RAW_UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/

const configMap = (value: string): ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'x', annotations: { note: value } },
  data: { 'file.txt': value, [`k${value.length}`]: `${value}\n${value}` },
})

const body = (contents: string) => contents.split('\n').filter((line) => !line.startsWith('#')).join('\n')

describe('yamlFile', () => {
  test('each character Go reads apart is escaped in double quotes, and the text reads back the same', () => {
    const value = 'a\u007fb \u0085 nel \u2028 ls \u2029 ps \ufeff bom \ufffe \u0090 \r\n crlf \u0001 \t tab ✓ 😀'
    const file = yamlFile('k8s/x.yaml', 'sparkbaas.config.ts', [configMap(value)])
    expect(body(file.contents)).not.toMatch(RAW_UNSAFE)
    expect(file.contents).toContain('  note: "a\\u007fb \\u0085 nel \\u2028 ls \\u2029 ps \\ufeff bom \\ufffe \\u0090 \\r')
    expect(parse(body(file.contents))).toEqual(configMap(value))
  })

  test('any string: nothing unsafe is left raw, and the file reads back as the objects', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (value) => {
        const file = yamlFile('k8s/x.yaml', 'sparkbaas.config.ts', [configMap(value)])
        expect(body(file.contents)).not.toMatch(RAW_UNSAFE)
        expect(parse(body(file.contents))).toEqual(configMap(value))
      }),
      { numRuns: 500 },
    )
  })
})
