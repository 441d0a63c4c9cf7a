import { describe, expect, it } from 'vitest'
import type { KubeDocument } from '../helpers/kubernetes/documents.js'
import { validateWithModels } from '../helpers/kubernetes/models.js'

const job = (spec: Record<string, unknown>): KubeDocument => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'migrate' },
  spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'm', image: 'postgres:17' }] } }, ...spec },
})

describe('validateWithModels (kubernetes-models)', () => {
  it('accepts valid documents of every kind the output holds', async () => {
    const docs: KubeDocument[] = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'b' } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { a: 'Yg==' } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc' }, spec: { selector: { a: 'b' }, ports: [{ port: 80, targetPort: 'http' }] } },
      { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'np' }, spec: { podSelector: {} } },
      job({}),
    ]
    expect(await validateWithModels(docs)).toEqual([])
  })

  it('reports a wrong type with the path', async () => {
    expect(await validateWithModels([job({ backoffLimit: 'three' })])).toEqual(['Job/migrate: kubernetes-models: /spec/backoffLimit: must be integer'])
  })

  it('reports a missing required field', async () => {
    expect(await validateWithModels([job({ template: { spec: { containers: [{ image: 'postgres:17' }] } } })])).toEqual([
      "Job/migrate: kubernetes-models: /spec/template/spec/containers/0: must have required property name",
    ])
  })

  it('reports an unknown kind and an unknown apiVersion as errors, not passes', async () => {
    expect(
      await validateWithModels([
        { apiVersion: 'apps/v1', kind: 'Deploymnet', metadata: { name: 'web' } },
        { apiVersion: 'apps/v9', kind: 'Deployment', metadata: { name: 'web' } },
        { kind: 'Deployment', metadata: { name: 'web' } },
      ]),
    ).toEqual([
      'Deploymnet/web: kubernetes-models has no model for apiVersion apps/v1 kind Deploymnet',
      'Deployment/web: kubernetes-models has no model for apiVersion apps/v9 kind Deployment',
      'Deployment/web: kubernetes-models has no model for apiVersion undefined kind Deployment',
    ])
  })
})
