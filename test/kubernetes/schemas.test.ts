import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { KubeDocument } from '../helpers/kubernetes/documents.js'
import { SCHEMA_FILES, schemaValidator, validateWithSchemas } from '../helpers/kubernetes/schemas.js'

const deployment = (container: Record<string, unknown>): KubeDocument => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1', ...container }] } },
  },
})

describe('the stored Kubernetes JSON Schemas', () => {
  it('accept a valid Deployment', () => {
    expect(validateWithSchemas([deployment({ ports: [{ containerPort: 80, name: 'http' }] })])).toEqual([])
  })

  it('reject an unknown field in a container spec (they are strict)', () => {
    expect(validateWithSchemas([deployment({ imagePulPolicy: 'Always' })])).toEqual([
      'Deployment/web: /spec/template/spec/containers/0: must NOT have additional properties (imagePulPolicy)',
    ])
  })

  it('reject an unknown top-level field and an unknown metadata field', () => {
    const doc = { ...deployment({}), extra: 1, metadata: { name: 'web', label: { a: 'b' } } }
    expect(validateWithSchemas([doc])).toEqual([
      'Deployment/web: /: must NOT have additional properties (extra)',
      'Deployment/web: /metadata: must NOT have additional properties (label)',
    ])
  })

  it('reject a wrong type', () => {
    expect(validateWithSchemas([deployment({ ports: [{ containerPort: '80' }] })])).toEqual([
      'Deployment/web: /spec/template/spec/containers/0/ports/0/containerPort: must be integer',
    ])
  })

  it('reject a missing required field', () => {
    expect(validateWithSchemas([deployment({ image: 'nginx:1', name: undefined })])).toContain(
      "Deployment/web: /spec/template/spec/containers/0: must have required property 'name'",
    )
  })

  it('report a kind they do not cover rather than passing it', () => {
    const problems = validateWithSchemas([{ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent' } }])
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(/^DaemonSet\/agent: no stored JSON Schema for apiVersion apps\/v1 kind DaemonSet \(known: v1 Namespace, /)
  })

  it('compile, and close every object that lists properties with additionalProperties: false', () => {
    const open: string[] = []
    const walk = (node: unknown, path: string) => {
      if (typeof node !== 'object' || node === null) return
      const n = node as Record<string, unknown>
      if (n.properties !== undefined && typeof n.properties === 'object' && n.additionalProperties !== false) open.push(path)
      for (const [key, child] of Object.entries(n)) walk(child, `${path}/${key}`)
    }
    for (const [kind, file] of Object.entries(SCHEMA_FILES)) {
      const [apiVersion, name] = kind.split(' ') as [string, string]
      expect(schemaValidator(apiVersion, name), kind).toBeTypeOf('function')
      walk(JSON.parse(readFileSync(new URL(`../schemas/kubernetes/${file}`, import.meta.url), 'utf8')), file)
    }
    // The only open objects are `properties` maps themselves (a field named "properties" does not exist in these kinds).
    expect(open).toEqual([])
  })
})
