/**
 * Issue 11, item 13: Traefik middleware and router names over generated configs. Realm, role, host, path and
 * function names are drawn from small pools of "-"-joined words, so the readable names the generator builds
 * (`auth-<realm>-<roles>`, `<router>-strip`, `<host>-<path slug>`, …) collide often. Whatever the config, every
 * name must be unique, and every router's chain in the rendered dynamic.yml must still do exactly what its route
 * asked for.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { configSchema, type ConfigInput } from '../../src/config/schema.js'
import { RULES } from '../../src/config/validate.js'
import { resolveModel } from '../../src/model/resolve.js'
import { renderTraefik } from '../../src/render/traefik.js'
import { pickRouter, ruleMatches } from '../helpers/traefik-rule.js'

const WORDS = ['a', 'acme', 'admin', 'strip', 'x', 'auth', 'fn', 'ratelimit', 'root', '2']
/** One or two words joined by "-", starting with a letter: `acme-admin`, `x-strip`, `a-2`. */
const joined = fc
  .array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 3 })
  .map((words) => words.join('-'))
  .filter((name) => /^[a-z]/.test(name))
const path = fc
  .array(fc.constantFrom('a', 'acme', 'admin', 'x', 'strip', 'a-b', 'A', 'b'), { minLength: 0, maxLength: 3 })
  .chain((segments) => fc.boolean().map((slash) => `/${segments.join('/')}${slash && segments.length > 0 ? '/' : ''}`))

const realms = fc.uniqueArray(
  fc.record({ name: joined, roles: fc.uniqueArray(joined, { maxLength: 3 }) }),
  { minLength: 1, maxLength: 4, selector: (r) => r.name },
)

const configs: fc.Arbitrary<ConfigInput> = realms.chain((realmList) => {
  const functions = ['f', 'f-2', 'acme'] as const
  const auth = fc.option(
    fc.constantFrom(...realmList).chain((realm) =>
      fc.subarray(realm.roles).map((roles) => ({ realm: realm.name, roles })),
    ),
    { nil: undefined },
  )
  const route = fc.record(
    {
      host: fc.constantFrom('api', 'auth', 'a', 'a-b', 'fn'),
      path,
      to: fc.oneof(fc.constantFrom(...functions).map((fn) => ({ function: fn })), fc.constant('keycloak' as const)),
      stripPrefix: fc.boolean(),
      auth,
      rateLimit: fc.option(fc.record({ average: fc.integer({ min: 1, max: 3 }), burst: fc.integer({ min: 1, max: 3 }) }), { nil: undefined }),
    },
    { requiredKeys: ['host', 'path', 'to', 'stripPrefix'] },
  )
  return fc.tuple(fc.constantFrom('off' as const, 'self-signed' as const), fc.uniqueArray(route, { minLength: 1, maxLength: 8, selector: (r) => `${r.host}${r.path}` })).map(([tls, routes]) => ({
    project: 'prop',
    tls,
    realms: realmList,
    functions: functions.map((name) => ({ name, source: `./${name}` })),
    routes: routes.map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined))) as ConfigInput['routes'],
  }))
})

type Mw = Record<string, Record<string, unknown>>
type Dynamic = { http: { routers: Record<string, { rule: string; middlewares: string[] }>; middlewares: Record<string, Mw> } }

describe('generated Traefik names (property)', () => {
  it('are unique, and every router chain still means what its route asked for', () => {
    fc.assert(
      fc.property(configs, (input) => {
        const config = configSchema.parse(input)
        expect(RULES.flatMap((rule) => rule(config, { configDir: '/', exists: () => true }))).toEqual([])
        const model = resolveModel(config, { configFile: 'sparkbaas.config.ts' })
        const routerNames = model.routes.map((r) => r.name)
        const middlewareNames = model.middlewares.map((m) => m.name)
        expect(new Set(routerNames).size).toBe(routerNames.length)
        expect(new Set(middlewareNames).size).toBe(middlewareNames.length)
        // Shared middlewares (all but a router's own rateLimit and stripPrefix) are one entry per definition.
        const shared = model.middlewares
          .filter((m) => m.kind !== 'rateLimit' && m.kind !== 'stripPrefix')
          .map(({ name: _, ...definition }) => JSON.stringify(definition))
        expect(new Set(shared).size).toBe(shared.length)

        const dynamicFile = renderTraefik(model, { functionBundles: new Map() }).find((f) => f.path === 'traefik/dynamic.yml')!
        const { http } = parse(dynamicFile.contents, { uniqueKeys: true }) as Dynamic
        expect(Object.keys(http.routers).sort()).toEqual([...routerNames].sort())

        config.routes.forEach((route, i) => {
          const router = http.routers[model.routes[i]!.name]!
          const chain = router.middlewares.map((name) => http.middlewares[name]!)
          const expected: Mw[] = [{ headers: { customRequestHeaders: { 'X-Auth-Subject': '', 'X-Auth-Username': '', 'X-Auth-Roles': '', 'X-Auth-Signature': '' } } }]
          if (route.rateLimit) expected.push({ rateLimit: { average: route.rateLimit.average, burst: route.rateLimit.burst ?? route.rateLimit.average } })
          if (route.auth) {
            const roles = [...route.auth.roles].sort()
            // Only a route to a function asks the verifier for a signature (`fn`) and copies it into the request.
            const fn = typeof route.to === 'object' && 'function' in route.to ? route.to.function : undefined
            const query = `realm=${route.auth.realm}${roles.length > 0 ? `&roles=${roles.join(',')}` : ''}${fn === undefined ? '' : `&fn=${fn}`}`
            const identity = ['X-Auth-Subject', 'X-Auth-Username', 'X-Auth-Roles']
            expected.push({ forwardAuth: { address: `http://verifier:8080/verify?${query}`, authResponseHeaders: fn === undefined ? identity : [...identity, 'X-Auth-Signature'] } })
          }
          if (route.stripPrefix && route.path !== '/') expected.push({ stripPrefix: { prefixes: [route.path] } })
          if (typeof route.to === 'object' && 'function' in route.to) expected.push({ addPrefix: { prefix: `/${route.to.function}` } })
          const security = { contentTypeNosniff: true, referrerPolicy: 'strict-origin-when-cross-origin', ...(config.tls === 'off' ? {} : { stsSeconds: 31536000 }) }
          expected.push({ headers: route.to === 'keycloak' ? security : { frameDeny: true, ...security } })
          expect(chain, `route ${i} (${route.host}${route.path})`).toEqual(expected)

          // The route's own path, and a path below it, reach its router and no other.
          const host = `${route.host}.${config.domain}`
          expect(pickRouter(http.routers, { host, path: route.path })?.[0]).toBe(model.routes[i]!.name)
          expect(ruleMatches(router.rule, { host, path: `${route.path.replace(/\/$/, '')}/zz` })).toBe(true)
          // Whole segments only: the path with more letters glued on is not this route's (`/rest` vs `/restore`).
          if (!route.path.endsWith('/')) expect(ruleMatches(router.rule, { host, path: `${route.path}zz` })).toBe(false)
        })
      }),
      { numRuns: 300 },
    )
  })
})
