/**
 * The unpinned-image warning. How an image reference splits follows Docker's grammar in distribution/reference
 * `reference.go` (`reference := name [ ":" tag ] [ "@" digest ]`, `domain := host [':' port-number]`, so a `:` before
 * the last `/` is a registry port, not a tag), and `normalize.go` (`TagNameOnly` adds `defaultTag = "latest"` to a
 * name without one; `ParseDockerRef` keeps only the digest of `name:tag@digest`, so a digest pins whatever the tag).
 */
import { describe, expect, test } from 'vitest'
import { imageWarnings } from '../../src/config/warn-images.js'
import type { ParsedConfig } from '../../src/config/schema.js'
import { splitImage } from '../../src/model/images.js'

type Input = Parameters<typeof imageWarnings>[0]
const config = (over: { images?: ParsedConfig['images']; services?: Record<string, string>; version?: number }): Input => ({
  images: over.images ?? {},
  postgres: { version: over.version ?? 17 } as ParsedConfig['postgres'],
  services: Object.fromEntries(Object.entries(over.services ?? {}).map(([name, image]) => [name, { image, env: {}, database: false }])),
})
const service = (image: string) => imageWarnings(config({ services: { mailer: image } }))

describe('splitImage', () => {
  test.each([
    ['redis', { name: 'redis', tag: undefined, digest: undefined }],
    ['redis:7', { name: 'redis', tag: '7', digest: undefined }],
    ['redis:', { name: 'redis', tag: undefined, digest: undefined }],
    ['quay.io/keycloak/keycloak:26.4', { name: 'quay.io/keycloak/keycloak', tag: '26.4', digest: undefined }],
    ['registry:5000/app', { name: 'registry:5000/app', tag: undefined, digest: undefined }],
    ['registry:5000/app:1.2', { name: 'registry:5000/app', tag: '1.2', digest: undefined }],
    ['[::1]:5000/team/app', { name: '[::1]:5000/team/app', tag: undefined, digest: undefined }],
    ['redis@sha256:abc', { name: 'redis', tag: undefined, digest: 'sha256:abc' }],
    ['redis:latest@sha256:abc', { name: 'redis', tag: 'latest', digest: 'sha256:abc' }],
    ['registry:5000/app@sha256:abc', { name: 'registry:5000/app', tag: undefined, digest: 'sha256:abc' }],
  ])('%s', (image, parts) => {
    expect(splitImage(image)).toEqual(parts)
  })
})

describe('imageWarnings', () => {
  test('nothing to say about pinned images: a version tag, a major-only tag, a digest, a registry with a port', () => {
    const images = { postgres: 'postgres:17', traefik: 'traefik:v3', keycloak: 'registry:5000/keycloak:26.4', node: 'node@sha256:0123abcd', spark: 'apache/spark:4.1.1-python3' }
    const services = { a: 'redis:7-alpine', b: 'registry:5000/app:1.2', c: 'redis:latest@sha256:0123abcd', d: 'localhost:5000/app@sha256:0123abcd' }
    expect(imageWarnings(config({ images, services }))).toEqual([])
  })

  test('nothing configured, nothing to say: the built-in images are pinned', () => {
    expect(imageWarnings(config({}))).toEqual([])
  })

  test('an images key without a tag: the built-in tag as the example', () => {
    expect(imageWarnings(config({ images: { keycloak: 'quay.io/keycloak/keycloak' } }))).toEqual([
      {
        path: 'images.keycloak',
        code: 'image_unpinned',
        message:
          '"quay.io/keycloak/keycloak" has no tag, so the engine pulls "quay.io/keycloak/keycloak:latest", which changes with each release; ' +
          'pin a version tag such as "quay.io/keycloak/keycloak:26.4" or a digest "quay.io/keycloak/keycloak@sha256:…" so every `up`, on every machine, runs the same image',
      },
    ])
  })

  test('images.postgres latest: the example tag follows postgres.version', () => {
    expect(imageWarnings(config({ images: { postgres: 'postgres:latest' }, version: 16 }))).toEqual([
      {
        path: 'images.postgres',
        code: 'image_unpinned',
        message:
          '"postgres:latest" uses the tag latest, which changes with each release; ' +
          'pin a version tag such as "postgres:16-bookworm" or a digest "postgres@sha256:…" so every `up`, on every machine, runs the same image',
      },
    ])
  })

  test('a service: no tag, and latest', () => {
    expect(service('axllent/mailpit')).toEqual([
      {
        path: 'services.mailer.image',
        code: 'image_unpinned',
        message:
          '"axllent/mailpit" has no tag, so the engine pulls "axllent/mailpit:latest", which changes with each release; ' +
          'pin a version tag such as "axllent/mailpit:<version>" or a digest "axllent/mailpit@sha256:…" so every `up`, on every machine, runs the same image',
      },
    ])
    expect(service('axllent/mailpit:latest')[0]?.message).toMatch(/^"axllent\/mailpit:latest" uses the tag latest, which changes with each release; pin a version tag such as "axllent\/mailpit:<version>"/)
  })

  test('a registry port is not a tag: registry:5000/app has none', () => {
    expect(service('registry:5000/app')[0]?.message).toMatch(/^"registry:5000\/app" has no tag, so the engine pulls "registry:5000\/app:latest"/)
    expect(service('registry:5000/app:latest')[0]?.message).toMatch(/^"registry:5000\/app:latest" uses the tag latest/)
  })

  test('an empty tag or an empty digest pins nothing', () => {
    expect(service('redis:')[0]?.message).toMatch(/^"redis:" has no tag/)
    expect(service('redis@')[0]?.message).toMatch(/^"redis@" has no tag/)
  })

  test('every unpinned image, images first, then services, in config order', () => {
    const warnings = imageWarnings(config({ images: { traefik: 'traefik', spark: 'apache/spark:latest' }, services: { web: 'nginx', cache: 'redis:7', db: 'mongo:latest' } }))
    expect(warnings.map((w) => w.path)).toEqual(['images.traefik', 'images.spark', 'services.web.image', 'services.db.image'])
  })

  test.each([
    ['a newline', 'evil\n! images.node is fine'],
    ['a carriage return and ANSI', 'evil\r\u001b[2K'],
    ['quotes, $, ${}, backticks', 'ev"il\'$x${HOME}`id`'],
  ])('a hostile image name (%s) stays inside one quoted line', (_, image) => {
    const [warning] = service(image)
    expect(warning?.message.startsWith(`${JSON.stringify(image)} has no tag`)).toBe(true)
    expect(warning?.message).not.toMatch(/[\u0000-\u001f]/)
  })

  test('characters JSON leaves alone but a terminal acts on are escaped too; other unicode stays readable', () => {
    const [warning] = service('a\u007fb\u009b2Jc\u2028d\u202ee/régistry/ünïcode')
    expect(warning?.message.startsWith('"a\\u007fb\\u009b2Jc\\u2028d\\u202ee/régistry/ünïcode" has no tag')).toBe(true)
  })
})
