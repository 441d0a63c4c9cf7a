/**
 * The harness of test/helpers/kubernetes/ applied to what `generate --target kubernetes` writes: the example and the
 * scaled example (3 PostgREST replicas, 2 worker pools) built by `kubectl kustomize` with the secrets.env generate
 * wrote, every document checked against the strict upstream schemas and kubernetes-models, and the cross-references
 * (Service selectors and ports, ConfigMap and Secret keys, NetworkPolicy selectors, volume mounts) resolved, with
 * the Secret's keys being exactly those secrets.env.example declares.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { parseSecretsExample } from '../../src/cluster/output.js'
import { generate } from '../../src/generate.js'
import { FIXTURE_CONFIG_FILE, FIXTURE_CONFIGS } from '../fixtures/configs/index.js'
import scaled from '../fixtures/configs/scaled-kubernetes.js'
import { tempDir } from '../generate/helpers.js'
import { checkKubernetesOutput } from '../helpers/kubernetes/check.js'
import { kustomizeBuild } from '../helpers/kubernetes/kustomize.js'

const CASES = { example: FIXTURE_CONFIGS['example']!, scaled }

const declaredKeys = (text: string) => parseSecretsExample(text).map(({ key }) => key)

describe.each(Object.keys(CASES) as (keyof typeof CASES)[])('%s', (name) => {
  test('kustomize builds it; every document is valid and every reference resolves', { timeout: 120_000 }, async () => {
    const outDir = tempDir()
    await generate({ config: CASES[name], configFile: FIXTURE_CONFIG_FILE, outDir, target: 'kubernetes' })
    const k8s = join(outDir, 'k8s')
    const requiredSecretKeys = declaredKeys(readFileSync(join(k8s, 'secrets.env.example'), 'utf8'))
    expect(requiredSecretKeys.length).toBeGreaterThan(3)
    expect(await checkKubernetesOutput(k8s, { requiredSecretKeys })).toEqual([])
    const documents = await kustomizeBuild(k8s)
    const kinds = new Set(documents.map((doc) => doc.kind))
    for (const kind of ['Namespace', 'StatefulSet', 'Deployment', 'Job', 'Service', 'ConfigMap', 'NetworkPolicy', 'Secret']) expect(kinds, kind).toContain(kind)
  })
})

test('the scaled example: 3 PostgREST replicas, one Deployment per worker pool with its cores and memory', async () => {
  const outDir = tempDir()
  await generate({ config: scaled, configFile: FIXTURE_CONFIG_FILE, outDir, target: 'kubernetes' })
  const documents = await kustomizeBuild(join(outDir, 'k8s'))
  const deployment = (n: string) => documents.find((doc) => doc.kind === 'Deployment' && (doc.metadata as { name: string }).name === n) as { spec: { replicas: number; template: { spec: { containers: { resources: unknown }[] } } } } | undefined
  expect(deployment('postgrest')?.spec.replicas).toBe(3)
  const pools = documents.filter((doc) => doc.kind === 'Deployment' && (doc.metadata as { name: string }).name.startsWith('spark-') && (doc.metadata as { name: string }).name !== 'spark-master')
  expect(pools.length).toBe(2)
})
