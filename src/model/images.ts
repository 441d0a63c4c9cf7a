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
