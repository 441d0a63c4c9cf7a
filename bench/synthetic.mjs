/** The synthetic projects bench/run.mjs generates: JSON configs with real function folders. */
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'

/**
 * Writes into `dir` a project with `functions` functions (each its own folder, a tiny index.mjs), a route to each
 * (every 2nd with auth, every 3rd rate-limited) plus two, and `realms` realms with two clients and two users each.
 * Each function default-exports a named function, as the example project does; `anonymous` makes it an arrow
 * function, which esbuild names after the file, so those are bundled one build per function (src/build/).
 */
export function syntheticProject(dir, { functions, realms, anonymous = false }) {
  const realmNames = Array.from({ length: realms }, (_, r) => `realm${r}`)
  const config = {
    project: 'bench',
    api: { realm: realmNames[0] },
    realms: realmNames.map((name) => ({
      name,
      roles: ['user', 'admin'],
      clients: [
        { id: 'web', type: 'public', redirectUris: [`http://${name}.localhost/*`] },
        { id: 'backend', type: 'confidential', serviceAccount: true },
      ],
      users: [
        { username: 'alice', email: 'alice@bench.test', roles: ['user'] },
        { username: 'bob', roles: ['user', 'admin'] },
      ],
    })),
    functions: [],
    routes: [{ host: 'api', path: '/rest', to: 'api', stripPrefix: true }, { host: 'auth', to: 'keycloak' }],
  }
  for (let i = 0; i < functions; i++) {
    const name = `fn${i}`
    mkdirSync(path.join(dir, 'functions', name), { recursive: true })
    const body = `new Response(${JSON.stringify(`hello from ${name}`)})`
    const code = anonymous ? `export default () => ${body}\n` : `export default function ${name}() {\n  return ${body}\n}\n`
    writeFileSync(path.join(dir, 'functions', name, 'index.mjs'), code)
    config.functions.push({ name, source: `./functions/${name}`, ...(i % 4 === 0 ? { env: { GREETING: 'hi' } } : {}) })
    config.routes.push({
      host: `h${i % 50}`,
      path: `/fn/${name}`,
      to: { function: name },
      stripPrefix: true,
      ...(i % 2 === 0 ? { auth: { realm: realmNames[i % realms], roles: ['user'] } } : {}),
      ...(i % 3 === 0 ? { rateLimit: { average: 50 } } : {}),
    })
  }
  writeFileSync(path.join(dir, 'sparkbaas.config.json'), `${JSON.stringify(config, null, 2)}\n`)
  return { dir, routes: config.routes.length }
}

