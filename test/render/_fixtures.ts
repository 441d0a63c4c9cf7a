/**
 * Configs and models for the Keycloak, `.env.example` and secrets tests: the shared fixtures of
 * test/fixtures/configs, plus the realm edge cases they do not cover. `modelOf` runs a config through the real
 * schema and resolver.
 */
import type { ConfigInput } from '../../src/config/schema.js'
import { configSchema } from '../../src/config/schema.js'
import { resolveModel } from '../../src/model/resolve.js'
import type { StackModel } from '../../src/model/types.js'
import example from '../fixtures/configs/example.js'
import { FIXTURE_CONFIG_FILE } from '../fixtures/configs/index.js'
import many from '../fixtures/configs/many.js'
import noWorkers from '../fixtures/configs/no-workers.js'
import postgresOnly from '../fixtures/configs/postgres-only.js'

export { example, many, noWorkers, postgresOnly }

export const modelOf = (config: ConfigInput): StackModel => resolveModel(configSchema.parse(config), { configFile: FIXTURE_CONFIG_FILE })

/** The API trusts the second realm; a confidential client with a browser login; a realm with nothing in it. */
export const realmEdges: ConfigInput = {
  project: 'edges',
  domain: 'example.com',
  api: { realm: 'customers', anonRole: false },
  realms: [
    {
      name: 'staff',
      displayName: 'Staff & Partners',
      roles: ['admin', 'viewer'],
      clients: [
        { id: 'reports', type: 'confidential', redirectUris: ['https://reports.example.com/callback'] },
        { id: 'jobs', type: 'confidential', serviceAccount: true },
      ],
      users: [{ username: 'bob.smith', lastName: 'Smith', roles: ['viewer'] }],
    },
    {
      name: 'customers',
      roles: ['user'],
      clients: [{ id: 'shop', type: 'public', redirectUris: ['https://shop.example.com/*'], webOrigins: ['+'] }],
    },
    { name: 'dev-tools' },
  ],
  routes: [{ host: 'auth', to: 'keycloak' }],
}
