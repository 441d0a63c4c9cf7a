import { describe, expect, it } from 'vitest'
import { configNotes } from '../../src/config/notes.js'
import { configSchema, type ConfigInput } from '../../src/config/schema.js'

const notesOf = (config: ConfigInput) => configNotes(configSchema.parse(config))
const NOTHING = 'no routes: nothing is reachable from outside the stack'

describe('configNotes: a stack with no routes', () => {
  it('is silent once anything is routed', () => {
    expect(notesOf({ project: 'x', routes: [{ host: 'auth', to: 'keycloak' }] })).toEqual([])
  })

  it('suggests enabling the API and routing it when there is nothing else to route', () => {
    expect(notesOf({ project: 'x' })).toEqual([
      `${NOTHING} — add api: {} and a route such as { host: "api", path: "/rest", to: "api" }`,
    ])
  })

  it('suggests a route to the first thing the config has to route', () => {
    const route = (config: Omit<ConfigInput, 'project'>) => notesOf({ project: 'x', ...config })[0]
    expect(route({ api: {} })).toBe(`${NOTHING} — add a route such as { host: "api", path: "/rest", to: "api" }`)
    expect(route({ functions: [{ name: 'hello', source: './f' }] })).toBe(
      `${NOTHING} — add a route such as { host: "api", path: "/fn/hello", to: { function: "hello" } }`,
    )
    // A service without a port cannot be routed, so the one with a port is suggested.
    expect(route({ services: { cache: { image: 'redis' }, mail: { image: 'mailpit', port: 8025 } } })).toBe(
      `${NOTHING} — add a route such as { host: "mail", to: { service: "mail" } }`,
    )
    expect(route({ realms: [{ name: 'acme' }] })).toBe(`${NOTHING} — add a route such as { host: "auth", to: "keycloak" }`)
    expect(route({ workers: [{ name: 'etl' }] })).toBe(`${NOTHING} — add a route such as { host: "spark", to: "spark" }`)
  })

  it('says so when Postgres is still published on a host port', () => {
    expect(notesOf({ project: 'x', api: {}, postgres: { exposePort: 5432 } })).toEqual([
      `${NOTHING} but Postgres on host port 5432 — add a route such as { host: "api", path: "/rest", to: "api" }`,
    ])
  })
})

describe('configNotes: the Kubernetes target', () => {
  const routed = { project: 'x', routes: [{ host: 'auth', to: 'keycloak' as const }] }

  it('says postgres.exposePort publishes nothing on a cluster, and how to reach Postgres instead', () => {
    expect(notesOf({ ...routed, target: 'kubernetes', postgres: { exposePort: 5432 } })).toEqual([
      'postgres.exposePort: with target "kubernetes" Postgres is not published (a cluster has no host port for it) — reach it with `kubectl port-forward -n x statefulset/postgres 5432`',
    ])
    expect(notesOf({ ...routed, target: 'kubernetes', kubernetes: { namespace: 'x-prod' }, postgres: { exposePort: 15432 } })[0]).toContain(
      '`kubectl port-forward -n x-prod statefulset/postgres 15432:5432`',
    )
  })

  it('is silent on compose, or without exposePort', () => {
    expect(notesOf({ ...routed, postgres: { exposePort: 5432 } })).toEqual([])
    expect(notesOf({ ...routed, target: 'kubernetes' })).toEqual([])
  })
})
