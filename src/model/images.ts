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

/** An image reference in its parts: `registry:5000/team/app:1.2@sha256:…` → name, tag, digest. */
export interface ImageParts {
  /** Everything before the tag: registry host (with its port), path. */
  readonly name: string
  /** Undefined when there is none (the engine then pulls `latest`) or it is empty. */
  readonly tag: string | undefined
  /** What follows `@`, e.g. `sha256:…`; undefined when there is none or it is empty. */
  readonly digest: string | undefined
}

/**
 * Splits an image reference the way Docker reads one (distribution/reference `reference.go`:
 * `name [":" tag] ["@" digest]`). The tag follows the first `:` after the last `/`: a `:` before it is a registry
 * host's port (`registry:5000/app` has no tag). Nothing is validated; the engine refuses a malformed reference.
 */
export function splitImage(image: string): ImageParts {
  const at = image.indexOf('@')
  const withoutDigest = at === -1 ? image : image.slice(0, at)
  const digest = at === -1 ? '' : image.slice(at + 1)
  const colon = withoutDigest.indexOf(':', withoutDigest.lastIndexOf('/') + 1)
  const tag = colon === -1 ? '' : withoutDigest.slice(colon + 1)
  return {
    name: colon === -1 ? withoutDigest : withoutDigest.slice(0, colon),
    tag: tag === '' ? undefined : tag,
    digest: digest === '' ? undefined : digest,
  }
}

/**
 * The major version an image's tag starts with: `postgres:17-bookworm` → 17, `quay.io/keycloak/keycloak:26.4` → 26,
 * `postgrest/postgrest:v14.8` → 14. Undefined when the tag does not start with a number (`latest`, a digest only).
 */
export function imageMajor(image: string): number | undefined {
  const { tag } = splitImage(image)
  const match = tag === undefined ? null : /^v?(\d+)(?:$|[.\-_])/.exec(tag)
  return match ? Number(match[1]) : undefined
}

/** The first PostgREST with `postgrest --ready` (CHANGELOG 14.0, #4239), which its healthcheck runs. */
export const POSTGREST_MIN_MAJOR = 14
