/**
 * The models the Postgres init SQL is tested with: the example project (the repository's own
 * sparkbaas.config.ts, loaded as the CLI loads it), a Postgres-only stack, names that are valid but need quoting
 * everywhere, and an API without anonymous access.
 */
import { fileURLToPath } from 'node:url'
import { loadModule } from '../../src/config/loaders.js'
import { configSchema } from '../../src/config/schema.js'
import { resolveModel } from '../../src/model/resolve.js'
import type { StackModel } from '../../src/model/types.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

export const modelOf = (config: unknown, configFile = `${ROOT}test/render/sparkbaas.config.ts`): StackModel =>
  resolveModel(configSchema.parse(config), { configFile })

/** A 63-character database name: the longest Postgres keeps (NAMEDATALEN - 1). */
export const LONGEST_NAME = `db_${'x'.repeat(58)}_9`

export const FIXTURES = {
  example: async () => modelOf(await loadModule(`${ROOT}sparkbaas.config.ts`), `${ROOT}sparkbaas.config.ts`),
  'postgres-only': async () => modelOf({ project: 'solo' }),
  /** Reserved words, a hyphen, a leading underscore, the longest name: all legal, none usable unquoted. */
  'hostile-names': async () =>
    modelOf({
      project: 'hostile',
      postgres: { version: 15, databases: ['user', 'order', LONGEST_NAME, '_1'], extensions: ['citext', 'pgcrypto', 'uuid-ossp'] },
      api: { schemas: ['select', 'table', '_x'], anonRole: 'web-anon', realm: 'r-1_x' },
      realms: [{ name: 'r-1_x', roles: ['select'] }],
      // Function roles fn_sel_ect on a reserved-word database, fn_x on the longest name.
      functions: [
        { name: 'sel-ect', source: './f', database: 'user' },
        { name: 'x', source: './f', database: LONGEST_NAME },
      ],
      routes: [{ host: 'auth', to: 'keycloak' }, { host: 'api', to: 'api' }],
    }),
  'api-no-anon': async () =>
    modelOf({
      project: 'closed',
      postgres: { databases: ['app'] },
      api: { schemas: ['api', 'private_api'], anonRole: false, realm: 'acme' },
      realms: [{ name: 'acme' }],
    }),
  /** The opt-in to the old default: the anonymous role reads every table created later in the API schemas. */
  'anon-reads-new-tables': async () =>
    modelOf({
      project: 'open',
      api: { schemas: ['api'], anonReadsNewTables: true, realm: 'acme' },
      realms: [{ name: 'acme' }],
    }),
} as const satisfies Record<string, () => Promise<StackModel>>

export type FixtureName = keyof typeof FIXTURES
export const FIXTURE_NAMES = Object.keys(FIXTURES) as FixtureName[]
