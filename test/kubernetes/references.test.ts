import { describe, expect, it } from 'vitest'
import type { KubeDocument } from '../helpers/kubernetes/documents.js'
import { checkConfigReferences, checkNetworkPolicies, checkReferences, checkServices, checkWorkloads } from '../helpers/kubernetes/references.js'
import { selectorMatches } from '../helpers/kubernetes/pods.js'

type Doc = Record<string, any>

/** A small sound app: every rule holds. Each test breaks one thing in a fresh copy. */
function app(): Doc[] {
  const labels = { 'app.kubernetes.io/name': 'api', 'sparkbaas.dev/network-backend': 'true' }
  return [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'api' }, data: { LOG_LEVEL: 'warn', 'app.conf': 'x' } },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds' }, stringData: { PASSWORD: 'p' } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api' },
      spec: {
        selector: { matchLabels: { 'app.kubernetes.io/name': 'api' } },
        template: {
          metadata: { labels },
          spec: {
            containers: [
              {
                name: 'api',
                image: 'api:1',
                ports: [{ name: 'http', containerPort: 3000 }],
                env: [
                  { name: 'LOG_LEVEL', valueFrom: { configMapKeyRef: { name: 'api', key: 'LOG_LEVEL' } } },
                  { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'PASSWORD' } } },
                  { name: 'JWT', valueFrom: { secretKeyRef: { name: 'generated-abc', key: 'JWT_SECRET' } } },
                ],
                envFrom: [{ configMapRef: { name: 'api' } }, { secretRef: { name: 'creds' } }],
                volumeMounts: [{ name: 'conf', mountPath: '/etc/api' }],
              },
            ],
            volumes: [{ name: 'conf', configMap: { name: 'api', items: [{ key: 'app.conf', path: 'app.conf' }] } }],
          },
        },
      },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api' }, spec: { selector: { 'app.kubernetes.io/name': 'api' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }, { name: 'direct', port: 3000 }] } },
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db' },
      spec: {
        serviceName: 'db',
        selector: { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: ['db'] }] },
        template: {
          metadata: { labels: { 'app.kubernetes.io/name': 'db', 'sparkbaas.dev/network-backend': 'true' } },
          spec: { containers: [{ name: 'db', image: 'postgres:17', ports: [{ containerPort: 5432 }], volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql/data' }] }] },
        },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db' }, spec: { clusterIP: 'None', selector: { 'app.kubernetes.io/name': 'db' }, ports: [{ port: 5432, targetPort: 5432 }] } },
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'migrate' },
      spec: { template: { metadata: { labels: { 'app.kubernetes.io/name': 'migrate' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'm', image: 'postgres:17' }] } } },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'db' },
      spec: {
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'db' } },
        ingress: [{ from: [{ podSelector: { matchLabels: { 'sparkbaas.dev/network-backend': 'true' } } }, { namespaceSelector: {}, podSelector: { matchLabels: { elsewhere: 'yes' } } }] }],
        egress: [{ to: [{ podSelector: {} }] }],
      },
    },
  ]
}
const options = { declaredSecretKeys: { 'generated-abc': ['JWT_SECRET'] } }

function broken(edit: (docs: Doc[], find: (kind: string, name: string) => Doc) => void): KubeDocument[] {
  const docs = app()
  edit(docs, (kind, name) => {
    const doc = docs.find((d) => d.kind === kind && d.metadata.name === name)
    if (doc === undefined) throw new Error(`no ${kind}/${name} in the fixture`)
    return doc
  })
  return docs as KubeDocument[]
}
const container = (doc: Doc) => doc.spec.template.spec.containers[0]

describe('checkReferences', () => {
  it('finds nothing wrong in a sound app', () => {
    expect(checkReferences(app() as KubeDocument[], options)).toEqual([])
  })

  describe('Services', () => {
    it('a selector that matches no workload', () => {
      const docs = broken((_, find) => (find('Service', 'api').spec.selector = { 'app.kubernetes.io/name': 'apii' }))
      expect(checkServices(docs)).toEqual(['Service/api: selector {app.kubernetes.io/name=apii} matches the pod labels of no workload'])
    })

    it('a selector that matches pods in another namespace only', () => {
      const docs = broken((_, find) => (find('Service', 'api').metadata.namespace = 'other'))
      expect(checkServices(docs)).toEqual(['other/Service/api: selector {app.kubernetes.io/name=api} matches the pod labels of no workload'])
    })

    it('a targetPort name no container declares', () => {
      const docs = broken((_, find) => (find('Service', 'api').spec.ports[0].targetPort = 'web'))
      expect(checkServices(docs)).toEqual(['Service/api: port http targets the port named "web", which no container of Deployment/api declares'])
    })

    it('a targetPort number (or a port without targetPort) no container declares', () => {
      const docs = broken((_, find) => {
        find('Service', 'db').spec.ports[0].targetPort = 5433
        find('Service', 'api').spec.ports[1].port = 3001
      })
      expect(checkServices(docs)).toEqual([
        'Service/api: port direct targets port 3001, which no container of Deployment/api declares',
        'Service/db: port 5432 targets port 5433, which no container of StatefulSet/db declares',
      ])
    })
  })

  describe('ConfigMap and Secret references', () => {
    it('a configMapKeyRef to a missing key, and one to a missing ConfigMap', () => {
      const docs = broken((_, find) => {
        container(find('Deployment', 'api')).env[0].valueFrom.configMapKeyRef.key = 'LOGLEVEL'
        container(find('Deployment', 'api')).env.push({ name: 'X', valueFrom: { configMapKeyRef: { name: 'nope', key: 'X' } } })
      })
      expect(checkConfigReferences(docs, options)).toEqual([
        'Deployment/api: container "api" env LOG_LEVEL refers to key "LOGLEVEL" of ConfigMap "api", which has no such key (it has: LOG_LEVEL, app.conf)',
        'Deployment/api: container "api" env X refers to ConfigMap "nope", which does not exist',
      ])
    })

    it('a secretKeyRef to a key neither in the Secret nor declared required', () => {
      const docs = broken((_, find) => {
        container(find('Deployment', 'api')).env[1].valueFrom.secretKeyRef.key = 'PASS'
        container(find('Deployment', 'api')).env[2].valueFrom.secretKeyRef.key = 'JWT'
      })
      expect(checkConfigReferences(docs, options)).toEqual([
        'Deployment/api: container "api" env PASSWORD refers to key "PASS" of Secret "creds", which has no such key (it has: PASSWORD)',
        'Deployment/api: container "api" env JWT refers to key "JWT" of Secret "generated-abc", which has no such key (it has: JWT_SECRET)',
      ])
    })

    it('a reference to a generated Secret fails when its keys are not declared', () => {
      expect(checkConfigReferences(app() as KubeDocument[])).toEqual(['Deployment/api: container "api" env JWT refers to Secret "generated-abc", which does not exist'])
    })

    it('envFrom to a missing ConfigMap or Secret', () => {
      const docs = broken((_, find) => (container(find('Deployment', 'api')).envFrom = [{ configMapRef: { name: 'apii' } }, { secretRef: { name: 'cred' } }]))
      expect(checkConfigReferences(docs, options)).toEqual([
        'Deployment/api: container "api" envFrom refers to ConfigMap "apii", which does not exist',
        'Deployment/api: container "api" envFrom refers to Secret "cred", which does not exist',
      ])
    })

    it('a configMap volume item with a missing key, and secret and projected volumes', () => {
      const docs = broken((_, find) => {
        const spec = find('Deployment', 'api').spec.template.spec
        spec.volumes[0].configMap.items[0].key = 'api.conf'
        spec.volumes.push({ name: 's', secret: { secretName: 'creds', items: [{ key: 'TOKEN', path: 't' }] } })
        spec.volumes.push({ name: 'p', projected: { sources: [{ configMap: { name: 'gone' } }, { secret: { name: 'creds', items: [{ key: 'PASSWORD', path: 'p' }] } }] } })
      })
      expect(checkConfigReferences(docs, options)).toEqual([
        'Deployment/api: volume "conf" refers to key "api.conf" of ConfigMap "api", which has no such key (it has: LOG_LEVEL, app.conf)',
        'Deployment/api: volume "s" refers to key "TOKEN" of Secret "creds", which has no such key (it has: PASSWORD)',
        'Deployment/api: volume "p" refers to ConfigMap "gone", which does not exist',
      ])
    })
  })

  describe('NetworkPolicies', () => {
    it('a podSelector that matches no workload', () => {
      const docs = broken((_, find) => (find('NetworkPolicy', 'db').spec.podSelector.matchLabels = { 'app.kubernetes.io/name': 'postgres' }))
      expect(checkNetworkPolicies(docs)).toEqual(['NetworkPolicy/db: podSelector {app.kubernetes.io/name=postgres} matches the pod labels of no workload'])
    })

    it('a from.podSelector or to.podSelector that matches no workload (peers in other namespaces are not judged)', () => {
      const docs = broken((_, find) => {
        find('NetworkPolicy', 'db').spec.ingress[0].from[0].podSelector.matchLabels = { 'sparkbaas.dev/network-backned': 'true' }
        find('NetworkPolicy', 'db').spec.egress[0].to[0].podSelector = { matchExpressions: [{ key: 'tier', operator: 'Exists' }] }
      })
      expect(checkNetworkPolicies(docs)).toEqual([
        'NetworkPolicy/db: ingress[0].from[0].podSelector {sparkbaas.dev/network-backned=true} matches the pod labels of no workload',
        'NetworkPolicy/db: egress[0].to[0].podSelector {tier Exists} matches the pod labels of no workload',
      ])
    })
  })

  describe('workloads', () => {
    it('a volumeMount that names no volume (volumeClaimTemplates count as volumes)', () => {
      const docs = broken((_, find) => {
        container(find('Deployment', 'api')).volumeMounts[0].name = 'config'
        find('StatefulSet', 'db').spec.volumeClaimTemplates[0].metadata.name = 'pgdata'
      })
      expect(checkWorkloads(docs)).toEqual([
        'Deployment/api: container "api" mounts volume "config" at /etc/api, which the pod does not declare',
        'StatefulSet/db: container "db" mounts volume "data" at /var/lib/postgresql/data, which the pod does not declare',
      ])
    })

    it('a Job whose pods restart Always, or by default', () => {
      expect(checkWorkloads(broken((_, find) => (find('Job', 'migrate').spec.template.spec.restartPolicy = 'Always')))).toEqual([
        "Job/migrate: the pod template's restartPolicy is Always; a Job's pods need Never or OnFailure",
      ])
      expect(checkWorkloads(broken((_, find) => delete find('Job', 'migrate').spec.template.spec.restartPolicy))).toEqual([
        "Job/migrate: the pod template's restartPolicy is unset (Always); a Job's pods need Never or OnFailure",
      ])
      expect(checkWorkloads(broken((_, find) => (find('Job', 'migrate').spec.template.spec.restartPolicy = 'OnFailure')))).toEqual([])
    })

    it('a selector that does not match its own template, or is empty', () => {
      const docs = broken((_, find) => {
        find('Deployment', 'api').spec.selector.matchLabels['app.kubernetes.io/part-of'] = 'demo'
        find('StatefulSet', 'db').spec.selector = {}
      })
      expect(checkWorkloads(docs)).toEqual([
        'Deployment/api: spec.selector {app.kubernetes.io/name=api, app.kubernetes.io/part-of=demo} does not match its own pod template labels {app.kubernetes.io/name=api, sparkbaas.dev/network-backend=true}',
        'StatefulSet/db: spec.selector is empty',
      ])
    })

    it('a StatefulSet whose serviceName names no Service, or is unset', () => {
      expect(checkWorkloads(broken((_, find) => (find('StatefulSet', 'db').spec.serviceName = 'postgres')))).toEqual(['StatefulSet/db: spec.serviceName "postgres" names no Service'])
      expect(checkWorkloads(broken((_, find) => delete find('StatefulSet', 'db').spec.serviceName))).toEqual(['StatefulSet/db: spec.serviceName is not set'])
    })
  })
})

describe('selectorMatches', () => {
  const labels = { a: '1', b: '2' }
  it.each([
    [{}, true],
    [{ matchLabels: { a: '1' } }, true],
    [{ matchLabels: { a: '2' } }, false],
    [{ matchExpressions: [{ key: 'a', operator: 'In', values: ['1', '3'] }] }, true],
    [{ matchExpressions: [{ key: 'a', operator: 'In', values: ['3'] }] }, false],
    [{ matchExpressions: [{ key: 'c', operator: 'NotIn', values: ['1'] }] }, true],
    [{ matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }, false],
    [{ matchExpressions: [{ key: 'b', operator: 'Exists' }] }, true],
    [{ matchExpressions: [{ key: 'b', operator: 'DoesNotExist' }] }, false],
    [{ matchExpressions: [{ key: 'b', operator: 'Gt', values: ['1'] }] }, false],
    [{ matchLabels: { a: '1' }, matchExpressions: [{ key: 'c', operator: 'Exists' }] }, false],
  ])('%j → %s', (selector, expected) => {
    expect(selectorMatches(selector, labels)).toBe(expected)
  })
})
