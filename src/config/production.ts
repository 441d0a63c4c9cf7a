/**
 * The production guards: a config marked `production` (usually by an environment's overlay) is served to the world,
 * so what only suits a laptop is refused, not warned about. Each problem says what to set instead.
 */
import type { Problem } from '../errors.js'
import type { ParsedConfig } from './schema.js'
import { imageWarnings } from './warn-images.js'

type Guarded = Pick<ParsedConfig, 'production' | 'tls' | 'domain' | 'postgres' | 'realms' | 'images' | 'services'>

/**
 * Names Let's Encrypt never issues for: reserved for testing, documentation, local networks and loopback
 * (RFC 2606, RFC 6761, RFC 6762, RFC 8375), and bare IP addresses, which its HTTP challenge does not take.
 */
const LOCAL_SUFFIXES = ['localhost', 'test', 'example', 'invalid', 'local', 'internal', 'lan', 'home.arpa']

/** Why Let's Encrypt cannot issue for `domain`, or undefined when it can. */
export function unissuableDomain(domain: string): string | undefined {
  if (/^\d+(\.\d+){3}$/.test(domain)) return 'is an IP address'
  if (!domain.includes('.')) return 'is a single label, not a public DNS name'
  const suffix = LOCAL_SUFFIXES.find((s) => domain === s || domain.endsWith(`.${s}`))
  return suffix === undefined ? undefined : `ends in .${suffix}, which is reserved and never public`
}

export function productionGuards(config: Guarded): Problem[] {
  if (config.production === false) return []
  const allowSeedUsers = typeof config.production === 'object' && config.production.allowSeedUsers === true
  const problems: Problem[] = []
  if (config.tls === 'off') {
    problems.push({
      path: 'tls',
      code: 'production_tls_off',
      message:
        'tls is "off" in production: passwords and tokens would cross the network in clear text — set tls: { acme: { email: "you@example.com" } } (Let\'s Encrypt), or "self-signed" behind a proxy that terminates TLS',
    })
  } else if (typeof config.tls === 'object') {
    const why = unissuableDomain(config.domain)
    if (why !== undefined) {
      problems.push({
        path: 'domain',
        code: 'production_acme_domain',
        message: `Let's Encrypt cannot issue a certificate for "${config.domain}": it ${why} — set domain to a public name whose A/AAAA records (and those of each route's host below it) point at this server`,
      })
    }
  }
  if (config.postgres.exposePort !== false) {
    problems.push({
      path: 'postgres.exposePort',
      code: 'production_postgres_port',
      message: `Postgres is published on host port ${config.postgres.exposePort} in production, open to whoever can reach the server — set postgres.exposePort: false; use \`sparkbaas exec postgres psql\` or an SSH tunnel instead`,
    })
  }
  if (!allowSeedUsers) {
    config.realms.forEach((realm, i) => {
      if (realm.users.length === 0) return
      const names = realm.users.map((user) => user.username).join(', ')
      problems.push({
        path: `realms[${i}].users`,
        code: 'production_seed_users',
        message: `realm "${realm.name}" has seed users (${names}) in production; their passwords are generated into .env on the server — set users: [] for this environment, or production: { allowSeedUsers: true } to keep them`,
      })
    })
  }
  for (const warning of imageWarnings(config)) {
    problems.push({ path: warning.path, code: 'production_image_unpinned', message: `${warning.message} (refused in production)` })
  }
  return problems
}
