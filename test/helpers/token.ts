/** The project the `sparkbaas token` tests mint tokens for: an API realm with roles and a seed user, and a realm without roles. */
export const TOKEN_CONFIG = {
  project: 'demo',
  api: { realm: 'main' },
  realms: [
    {
      name: 'main',
      roles: ['admin', 'user'],
      clients: [{ id: 'web', type: 'public' }],
      users: [{ username: 'dev', email: 'dev@demo.test', firstName: 'Dev', roles: ['user'] }],
    },
    { name: 'extra' },
  ],
  routes: [
    { host: 'api', path: '/rest', to: 'api', stripPrefix: true, auth: { realm: 'main', roles: ['user'] } },
    { host: 'auth', to: 'keycloak' },
  ],
}
