/**
 * The Kubernetes target's config: `target`, the `kubernetes` block (shape, defaults, messages), per environment, and
 * the names it needs that compose does not (validate-kubernetes.ts).
 */
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { checkConfig } from '../../src/config/check.js'
import { checkLoaded } from '../../src/config/load-and-check.js'
import { kubernetesNames } from '../../src/config/validate-kubernetes.js'
import { validConfig } from '../fixtures/valid/config.js'

const configDir = fileURLToPath(new URL('../fixtures/valid', import.meta.url))
const check = (input: unknown) => checkConfig(input, { configDir })
const problemsOf = (input: unknown) => {
  const result = check(input)
  if (result.ok) throw new Error('expected the config to be refused')
  return result.problems.map(({ path, message }) => ({ path, message }))
}

describe('target and kubernetes', () => {
  it('default to compose, the project as namespace (resolved later), 10Gi and one pod each', () => {
    const result = check(validConfig)
    if (!result.ok) throw new Error('valid fixture refused')
    expect(result.config.target).toBe('compose')
    expect(result.config.kubernetes).toEqual({ storage: { size: '10Gi' }, replicas: { api: 1, functions: 1, verifier: 1 } })
  })

  it('refuse what Kubernetes would refuse, each with what was expected', () => {
    expect(
      problemsOf({
        ...validConfig,
        target: 'swarm',
        kubernetes: { namespace: 'Acme', existingSecret: 'my_secret', storage: { size: '10GB', className: '' }, replicas: { api: 0, verifier: 1.5 }, extra: 1 },
      }),
    ).toEqual([
      { path: 'target', message: 'expected "compose" or "kubernetes", received "swarm"' },
      {
        path: 'kubernetes.namespace',
        message: 'expected a Kubernetes namespace: lowercase letters, digits and "-", not starting or ending with "-", at most 63 characters, received "Acme"',
      },
      {
        path: 'kubernetes.existingSecret',
        message:
          'expected a Kubernetes object name: lowercase letters, digits, "-" and ".", starting and ending with a letter or digit, at most 253 characters, received "my_secret"',
      },
      {
        path: 'kubernetes.storage.size',
        message: 'expected a storage size such as "10Gi" or "500Mi" (a whole number and a unit: Ki, Mi, Gi, Ti, Pi, k, M, G, T or P), received "10GB"',
      },
      {
        path: 'kubernetes.storage.className',
        message:
          'expected a Kubernetes object name: lowercase letters, digits, "-" and ".", starting and ending with a letter or digit, at most 253 characters, received ""',
      },
      { path: 'kubernetes.replicas.api', message: 'expected at least 1 replica, received 0' },
      { path: 'kubernetes.replicas.verifier', message: 'expected a whole number of replicas, received number 1.5' },
      { path: 'kubernetes.extra', message: 'unknown key "extra" — allowed keys: namespace, existingSecret, storage, replicas' },
    ])
  })

  it('an environment may choose the target and its own kubernetes settings', () => {
    const config = { ...validConfig, environments: { prod: { target: 'kubernetes', kubernetes: { namespace: 'acme-prod', replicas: { api: 3 } } } } }
    const prod = checkLoaded(config, '/p/sparkbaas.config.json', configDir, 'prod').config
    expect(prod.target).toBe('kubernetes')
    expect(prod.kubernetes).toEqual({ namespace: 'acme-prod', storage: { size: '10Gi' }, replicas: { api: 3, functions: 1, verifier: 1 } })
    expect(checkLoaded(config, '/p/sparkbaas.config.json', configDir).config.target).toBe('compose')
  })
})

describe('kubernetesNames', () => {
  const parsed = (overrides: object) => {
    const result = check({ ...validConfig, ...overrides })
    if (!result.ok) throw new Error(JSON.stringify(result.problems))
    return result.config
  }

  it('asks nothing of a compose stack', () => {
    expect(kubernetesNames(parsed({ project: 'acme-', services: { ...validConfig.services, my_cache: { image: 'redis:7' } } }))).toEqual([])
  })

  it('refuses names that cannot be a Service or the namespace, with one to use instead', () => {
    const config = {
      ...parsed({
        project: 'acme-',
        workers: [{ name: 'etl_2' }],
        services: { ...validConfig.services, my_cache: { image: 'redis:7' }, 'queue-': { image: 'rabbitmq:4' } },
      }),
      target: 'kubernetes' as const,
    }
    expect(kubernetesNames(config)).toEqual([
      {
        path: 'workers[0].name',
        code: 'kubernetes_name',
        message:
          '"etl_2" makes the service "spark-etl_2"; with target "kubernetes" it names a Kubernetes Service, which takes lowercase letters, digits and "-", not ending with "-" — rename it, e.g. "etl-2"',
      },
      {
        path: 'services.my_cache',
        code: 'kubernetes_name',
        message: '"my_cache": with target "kubernetes" it names a Kubernetes Service, which takes lowercase letters, digits and "-", not ending with "-" — rename it, e.g. "my-cache"',
      },
      {
        path: 'services.queue-',
        code: 'kubernetes_name',
        message: '"queue-": with target "kubernetes" it names a Kubernetes Service, which takes lowercase letters, digits and "-", not ending with "-" — rename it, e.g. "queue"',
      },
      {
        path: 'project',
        code: 'kubernetes_name',
        message: '"acme-" is also the Kubernetes namespace, which cannot end with "-" — set kubernetes.namespace, e.g. "acme", or rename the project',
      },
    ])
    expect(kubernetesNames({ ...config, kubernetes: { ...config.kubernetes, namespace: 'acme' } }).map((p) => p.path)).not.toContain('project')
  })

  it('runs with the other rules when the config says target: "kubernetes"', () => {
    const services = { ...validConfig.services, my_cache: { image: 'redis:7' } }
    expect(problemsOf({ ...validConfig, target: 'kubernetes', services }).map((p) => p.path)).toEqual(['services.my_cache'])
  })
})
