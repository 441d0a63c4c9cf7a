import { defineConfig, secret } from 'sparkbaas'

// The example project: every key of the config in use. `npx sparkbaas generate` renders it into generated/.
export default defineConfig({
  project: 'acme',
  domain: 'localhost',
  tls: 'self-signed',
  // Host ports of HTTP and HTTPS; every public URL carries them unless they are the standard 80/443.
  ports: { http: 80, https: 443 },

  postgres: {
    version: 17,
    databases: ['app', 'analytics'],
    extensions: ['pgcrypto', 'citext'],
    exposePort: 5432,
  },

  api: {
    schemas: ['api'],
    anonRole: 'anon',
    // Anonymous requests read only the tables a migration grants them (GRANT SELECT ON api.todos TO anon).
    anonReadsNewTables: false,
    realm: 'acme',
  },

  // The route to Keycloak serves sign-in, account and OIDC endpoints of the realms; 'public' would add the admin
  // console and the master realm.
  keycloak: { adminConsole: 'off' },

  workers: [
    { name: 'etl', replicas: 2, cores: 2, memory: '2g' },
    { name: 'ml', cores: 1, memory: '1g' },
  ],

  realms: [
    {
      name: 'acme',
      displayName: 'Acme Corp',
      roles: ['admin', 'user'],
      clients: [
        { id: 'web', type: 'public', redirectUris: ['https://app.localhost/*'], webOrigins: ['+'] },
        { id: 'backend', type: 'confidential', serviceAccount: true, serviceAccountRoles: ['user'] },
      ],
      users: [{ username: 'dev', email: 'dev@acme.test', firstName: 'Dev', roles: ['admin', 'user'] }],
    },
  ],

  functions: [
    // secret('NAME') reads NAME from .env (a random value until you put the real one there); never committed.
    { name: 'hello', source: './functions/hello', env: { GREETING: 'Hello', SIGNING_KEY: secret('HELLO_SIGNING_KEY') } },
    // database: its own role fn_stats and DATABASE_URL, CONNECT on analytics only; migrations grant it tables.
    { name: 'stats', source: './functions/stats', timeoutMs: 5000, database: 'analytics' },
  ],

  services: {
    // database: true would let it reach Postgres (backend network); a mail catcher needs no database.
    mailpit: { image: 'axllent/mailpit:v1.27', port: 8025, env: { MP_MAX_MESSAGES: '500' }, database: false },
  },

  routes: [
    { host: 'api', path: '/rest', to: 'api', stripPrefix: true, auth: { realm: 'acme', roles: ['user'] } },
    { host: 'api', path: '/fn/hello', to: { function: 'hello' }, stripPrefix: true, rateLimit: { average: 50, burst: 100 } },
    { host: 'api', path: '/fn/stats', to: { function: 'stats' }, stripPrefix: true, auth: { realm: 'acme' } },
    { host: 'auth', to: 'keycloak' },
    { host: 'spark', to: 'spark', auth: { realm: 'acme', roles: ['admin'] } },
    { host: 'mail', to: { service: 'mailpit' }, auth: { realm: 'acme', roles: ['admin'] } },
  ],
})
