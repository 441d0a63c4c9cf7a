/**
 * Which image each service runs: read from a generated compose file (what the running stack was started from) or
 * from the model (what `generate` writes now), and the major version an image tag names.
 */
import { parse } from 'yaml'
import { SparkbaasError } from '../errors.js'
import type { StackModel } from '../model/types.js'
import { byCodePoint } from '../order.js'

/** Service name → image reference, as compose would use it. */
export type ServiceImages = ReadonlyMap<string, string>

/**
 * The images of a compose file's services. Values are as compose reads them after interpolation of a literal `$`
 * (the compose renderer writes `$$`), so they compare with the model's images. Throws `compose_invalid` naming
 * `file` when the text is not a compose file with services.
 */
export function composeImages(text: string, file: string): ServiceImages {
  let doc: unknown
  try {
    doc = parse(text, { uniqueKeys: true })
  } catch (error) {
    throw unreadable(file, ((error as Error).message.split('\n')[0] ?? 'not YAML').replace(/:$/, ''), error)
  }
  const services = isMap(doc) ? doc.services : undefined
  if (!isMap(services)) throw unreadable(file, 'it has no `services:` mapping')
  const images = new Map<string, string>()
  for (const name of Object.keys(services).sort(byCodePoint)) {
    const service = services[name]
    const image = isMap(service) ? service.image : undefined
    if (typeof image !== 'string' || image === '') throw unreadable(file, `service ${name} has no image`)
    images.set(name, image.replaceAll('$$', '$'))
  }
  return images
}

/** The images `generate` writes for this model: the compose renderer copies each service's image as is. */
export function modelImages(model: StackModel): ServiceImages {
  return new Map(model.services.map((s) => [s.name, s.image] as const).sort(([a], [b]) => byCodePoint(a, b)))
}

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

const isMap = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

function unreadable(file: string, detail: string, cause?: unknown): SparkbaasError {
  return new SparkbaasError('compose_invalid', `${file} cannot be read as a compose file: ${detail}.`, {
    hint: 'It should be the file `sparkbaas generate` wrote. Restore it (e.g. from git), or run `sparkbaas generate` to rewrite it if you know which images the stack runs.',
    cause,
  })
}
