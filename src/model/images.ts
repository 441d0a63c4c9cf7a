/**
 * The image tags this release was built and checked against (see README "Versions"). `images` in the config
 * overrides any of them. Postgres follows `postgres.version`, so its tag is computed.
 */
export const PINNED_IMAGES = {
  postgrest: 'postgrest/postgrest:v14.8',
  keycloak: 'quay.io/keycloak/keycloak:26.4',
  traefik: 'traefik:v3.5',
  spark: 'apache/spark:4.1.1',
  node: 'node:24-alpine',
} as const

export const postgresImage = (major: number): string => `postgres:${major}-bookworm`

export type ImageKey = keyof typeof PINNED_IMAGES | 'postgres'

/**
 * The major version an image's tag starts with: `postgres:17-bookworm` → 17, `quay.io/keycloak/keycloak:26.4` → 26,
 * `postgrest/postgrest:v14.8` → 14. Undefined when the tag does not start with a number (`latest`, a digest only).
 */
export function imageMajor(image: string): number | undefined {
  const withoutDigest = image.split('@')[0] ?? ''
  // The tag follows the last `:` after the last `/` (a registry host may carry a port: `host:5000/pg:17`).
  const lastSlash = withoutDigest.lastIndexOf('/')
  const colon = withoutDigest.indexOf(':', lastSlash + 1)
  if (colon === -1) return undefined
  const match = /^v?(\d+)(?:$|[.\-_])/.exec(withoutDigest.slice(colon + 1))
  return match ? Number(match[1]) : undefined
}

/** The first PostgREST with `postgrest --ready` (CHANGELOG 14.0, #4239), which its healthcheck runs. */
export const POSTGREST_MIN_MAJOR = 14
