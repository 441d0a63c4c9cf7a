// Issue 12 item 8: every container gets memory and CPU limits (config `resources`, with defaults), rendered as
// `deploy.resources.limits`, which docker compose v2 applies without Swarm: docker/compose pkg/compose/create.go,
// getDeployResources → setLimits copies limits.MemoryBytes / limits.NanoCPUs into the container's HostConfig.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { checkConfig } from '../../src/config/check.js'
import { configSchema, type ConfigInput } from '../../src/config/schema.js'
import { resolveModel } from '../../src/model/resolve.js'
import { renderCompose } from '../../src/render/compose.js'
import { FIXTURE_CONFIG_FILE, FIXTURE_CONFIGS, FIXTURES_DIR } from '../fixtures/configs/index.js'
import example from '../fixtures/configs/example.js'

type Limits = { cpus: number; memory: string }
type Service = { deploy?: { replicas?: number; resources?: { limits?: Limits } } }

const limitsOf = (config: ConfigInput): Record<string, Limits | undefined> => {
  const model = resolveModel(configSchema.parse(config), { configFile: FIXTURE_CONFIG_FILE })
  const text = renderCompose(model, { functionBundles: new Map() })[0]!.contents
  const doc = parse(text) as { services: Record<string, Service> }
  return Object.fromEntries(Object.entries(doc.services).map(([name, s]) => [name, s.deploy?.resources?.limits]))
}

describe('compose resource limits', () => {
  it('puts a memory and a CPU limit on every service of every fixture config', () => {
    for (const [name, config] of Object.entries(FIXTURE_CONFIGS)) {
      for (const [service, limits] of Object.entries(limitsOf(config))) {
        expect({ config: name, service, limits }).toEqual({
          config: name,
          service,
          limits: { cpus: expect.any(Number), memory: expect.stringMatching(/^[1-9][0-9]*[kmg]$/) },
        })
        expect(limits!.cpus).toBeGreaterThan(0)
      }
    }
  })

  it('does so in the committed example stack too', () => {
    const text = readFileSync(fileURLToPath(new URL('../../generated/docker-compose.yml', import.meta.url)), 'utf8')
    const doc = parse(text) as { services: Record<string, Service> }
    const missing = Object.entries(doc.services).filter(([, s]) => !s.deploy?.resources?.limits?.memory || !s.deploy.resources.limits.cpus)
    expect(missing.map(([name]) => name)).toEqual([])
  })

  it('uses the defaults: fixed per built-in, from memoryMb for functions, from the worker for Spark', () => {
    expect(limitsOf(example)).toEqual({
      postgres: { memory: '1g', cpus: 1 },
      'postgres-init': { memory: '256m', cpus: 0.5 },
      keycloak: { memory: '1536m', cpus: 2 },
      'keycloak-sync': { memory: '256m', cpus: 0.5 },
      postgrest: { memory: '256m', cpus: 1 },
      // 128 MiB for the runtime + 256 MiB (the default memoryMb) for each of its two functions
      functions: { memory: '640m', cpus: 1 },
      verifier: { memory: '128m', cpus: 0.5 },
      'spark-master': { memory: '1g', cpus: 1 },
      // the worker's memory (2g, 1g) + 1 GiB for the worker JVM itself; its cores
      'spark-etl': { memory: '3072m', cpus: 2 },
      'spark-ml': { memory: '2048m', cpus: 1 },
      mailpit: { memory: '512m', cpus: 1 },
      traefik: { memory: '256m', cpus: 1 },
    })
  })

  it('takes resources[service] field by field over the default, and memoryMb into the functions default', () => {
    const limits = limitsOf({
      ...example,
      functions: [{ name: 'hello', source: './functions/hello', memoryMb: 64 }],
      resources: { keycloak: { memory: '2G' }, traefik: { cpus: 0.25 }, mailpit: { memory: '64m', cpus: 0.1 } },
    })
    expect(limits.keycloak).toEqual({ memory: '2g', cpus: 2 })
    expect(limits.traefik).toEqual({ memory: '256m', cpus: 0.25 })
    expect(limits.mailpit).toEqual({ memory: '64m', cpus: 0.1 })
    expect(limits.functions).toEqual({ memory: '192m', cpus: 1 })
  })

  it('keeps replicas beside the limits under deploy', () => {
    const model = resolveModel(configSchema.parse(example), { configFile: FIXTURE_CONFIG_FILE })
    const doc = parse(renderCompose(model, { functionBundles: new Map() })[0]!.contents) as { services: Record<string, Service> }
    expect(doc.services['spark-etl']!.deploy).toEqual({ replicas: 2, resources: { limits: { memory: '3072m', cpus: 2 } } })
  })
})

describe('resources and memoryMb in the config', () => {
  const problems = (config: ConfigInput) => {
    const result = checkConfig(config, { configDir: FIXTURES_DIR })
    return result.ok ? [] : result.problems
  }

  it('refuses a service name the stack does not have, and lists the ones it has', () => {
    expect(problems({ project: 'p', resources: { keycloak: { memory: '1g' }, postgres: { cpus: 2 } } })).toEqual([
      {
        path: 'resources.keycloak',
        code: 'unknown_service',
        message: '"keycloak" is not a service of this stack; resources takes the compose service names: postgres, postgres-init, traefik',
      },
    ])
  })

  it('refuses a malformed memory size, a CPU count of 0 and a memoryMb below 32', () => {
    const found = problems({
      project: 'p',
      functions: [{ name: 'f', source: './functions/hello', memoryMb: 16 }],
      resources: { postgres: { memory: '1 GB', cpus: 0 } },
    })
    expect(found).toEqual([
      { path: 'functions[0].memoryMb', code: 'too_small', message: 'expected at least 32 MiB (Node itself needs about 30), received 16' },
      { path: 'resources.postgres.memory', code: 'invalid_format', message: 'expected a size like "512m" or "2g", received "1 GB"' },
      { path: 'resources.postgres.cpus', code: 'too_small', message: 'expected a number of CPUs above 0, e.g. 0.5 or 2, received 0' },
    ])
  })
})
