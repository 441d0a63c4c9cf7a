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


const isMap = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

function unreadable(file: string, detail: string, cause?: unknown): SparkbaasError {
  return new SparkbaasError('compose_invalid', `${file} cannot be read as a compose file: ${detail}.`, {
    hint: 'It should be the file `sparkbaas generate` wrote. Restore it (e.g. from git), or run `sparkbaas generate` to rewrite it if you know which images the stack runs.',
    cause,
  })
}
