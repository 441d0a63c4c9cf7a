/**
 * The files `init` and `function new` write. Plain template literals: every value put into them has passed a
 * name rule first (project and function names are lowercase letters, digits, "-" and "_"), so none needs quoting
 * beyond the single quotes around it; {@link tsString} still asserts that, so a future caller cannot slip a quote
 * into generated TypeScript.
 */
import { NAMES } from '../config/names.js'

/** A name as a single-quoted TypeScript string; only names that pass a name rule are accepted. */
export function tsString(value: string): string {
  if (!NAMES.identifier.pattern.test(value)) throw new Error(`internal: ${JSON.stringify(value)} is not a checked name`)
  return `'${value}'`
}

/** The starter `sparkbaas.config.ts`: a small working stack, every key commented, bigger features commented out. */
export function configTemplate(project: string): string {
  const p = tsString(project)
  return `import { defineConfig } from 'sparkbaas'

// The whole stack in one typed file; hover a key in your editor for its documentation.
//   npx sparkbaas generate   renders it into generated/ (commit that folder; its .env holds this machine's
//                            secrets and stays out of git)
//   npx sparkbaas up         starts it with docker compose (or podman) and waits until it is healthy
export default defineConfig({
  // Compose project name and prefix of every container: lowercase letters, digits and "-".
  project: ${p},
  // Routes are served at <host>.<domain> (api.localhost, auth.localhost); *.localhost needs no DNS setup.
  domain: 'localhost',
  // 'off' (plain http), 'self-signed', or { acme: { email: 'you@example.com' } } for Let's Encrypt.
  tls: 'off',

  postgres: {
    version: 17,
    // Application databases; the api serves the first one. Keycloak's own database is added for you.
    databases: ['app'],
    // Created in every application database.
    extensions: ['pgcrypto'],
    // A host port (e.g. 5432) to reach Postgres with psql from this machine; false keeps it internal.
    exposePort: false,
  },

  // PostgREST: a REST api over the tables and views in these schemas (the generated init SQL creates them).
  api: {
    schemas: ['api'],
    // The role of requests without a token; false refuses them.
    anonRole: 'anon',
    // The realm whose tokens it accepts.
    realm: ${p},
  },

  // Keycloak realms: users, roles and the sign-in clients of your apps. Seed users' passwords and confidential
  // clients' secrets are generated into generated/.env.
  realms: [
    {
      name: ${p},
      roles: ['admin', 'user'],
      clients: [
        // A browser app: sign-in with PKCE, no secret. Keycloak allows CORS from the origins of its redirect URIs
        // (webOrigins defaults to ['+'] for public clients), so the app can fetch its tokens.
        { id: 'web', type: 'public', redirectUris: ['http://app.localhost/*'] },
        // A server-side app with its own secret; its service account signs in with the client-credentials grant
        // and holds these realm roles:
        // { id: 'backend', type: 'confidential', serviceAccount: true, serviceAccountRoles: ['user'] },
      ],
      // Seed users, complete for Keycloak's default user profile: firstName defaults to the username, lastName to
      // the realm name, email to <username>@<domain>.
      users: [{ username: 'dev', email: 'dev@example.com', roles: ['admin', 'user'] }],
    },
  ],

  // HTTP functions, run by the functions runtime. Each folder's index.ts default-exports a handler
  // (request: Request) => Response. \`npx sparkbaas function new <name>\` scaffolds another one.
  functions: [
    { name: 'hello', source: './functions/hello', env: { GREETING: 'Hello' } },
  ],

  // Apache Spark standalone workers; a master is added when there is at least one.
  // workers: [{ name: 'etl', replicas: 2, cores: 2, memory: '2g' }],

  // Extra containers the stack needs; a route reaches one as { service: 'mailpit' }.
  // services: {
  //   mailpit: { image: 'axllent/mailpit:v1.27', port: 8025 },
  // },

  // What Traefik serves: nothing is reachable from outside unless a route says so.
  routes: [
    // The REST api, for signed-in users with the "user" role: http://api.localhost/rest/<table>
    { host: 'api', path: '/rest', to: 'api', stripPrefix: true, auth: { realm: ${p}, roles: ['user'] } },
    // The hello function: http://api.localhost/fn/hello?name=Ada
    { host: 'api', path: '/fn/hello', to: { function: 'hello' }, stripPrefix: true },
    // Keycloak's sign-in pages, account console and OIDC endpoints: http://auth.localhost/realms/<realm>/…
    // (its admin console only with keycloak: { adminConsole: 'public' })
    { host: 'auth', to: 'keycloak' },
    // { host: 'spark', to: 'spark', auth: { realm: ${p}, roles: ['admin'] } },
    // { host: 'mail', to: { service: 'mailpit' }, auth: { realm: ${p}, roles: ['admin'] } },
  ],
})
`
}

/** `functions/hello/index.ts`, the function the starter config routes to. */
export function helloFunctionTemplate(): string {
  return `// A SparkBaaS function: the default export receives a Web-standard Request and returns a Response, or any
// JSON value (sent as 200 application/json). The same shape as Deno, Cloudflare Workers and Supabase Edge
// Functions. process.env holds the function's \`env\` from sparkbaas.config.ts.
//
//   curl 'http://api.localhost/fn/hello?name=Ada'   →   {"message":"Hello, Ada!"}
export default async function hello(request: Request): Promise<Response> {
  const name = new URL(request.url).searchParams.get('name') ?? 'world'
  const greeting = process.env.GREETING ?? 'Hello'
  return Response.json({ message: \`\${greeting}, \${name}!\` })
}
`
}

/** `functions/<name>/index.ts` for `function new`. */
export function functionTemplate(name: string): string {
  tsString(name)
  return `// The "${name}" function: the default export receives a Web-standard Request and returns a Response, or any
// JSON value (sent as 200 application/json). The path it sees is the part after its route's prefix.
//
//   curl -X POST 'http://api.localhost/fn/${name}' -H 'content-type: application/json' -d '{"hello":"world"}'
export default async function handler(request: Request): Promise<Response> {
  const url = new URL(request.url)
  const body: unknown = request.method === 'GET' || request.method === 'HEAD' ? null : await request.json().catch(() => null)
  return Response.json({ function: '${name}', method: request.method, path: url.pathname, received: body })
}
`
}
