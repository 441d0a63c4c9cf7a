/**
 * Warnings, not errors: things the config may do but the user probably did not mean. Today one rule: an image
 * without a version (no tag, or `latest`) is whatever its registry holds on the day it is pulled, so two machines,
 * or one machine before and after a `docker pull`, run different versions of the same config.
 */
import type { Problem } from '../errors.js'
import { PINNED_IMAGES, postgresImage, splitImage, type ImageKey } from '../model/images.js'
import type { ParsedConfig } from './schema.js'

/** A warning as one line, as the CLI prints it after `! ` and lists it in `--json`'s `warnings`. */
export const warningLine = (warning: Problem): string => `${warning.path}: ${warning.message}`

/**
 * One warning per image the config names that is not pinned: neither a digest (`@sha256:…`, which pins whatever
 * the tag says) nor a tag other than `latest`. Any other tag counts as pinned, a major-only one (`17`, `v3`)
 * included: choosing how far a tag may move is the user's call. The built-in images are all pinned.
 */
export function imageWarnings(config: Pick<ParsedConfig, 'images' | 'services' | 'postgres'>): Problem[] {
  const builtIn: Record<ImageKey, string> = { ...PINNED_IMAGES, postgres: postgresImage(config.postgres.version) }
  const warnings: Problem[] = []
  for (const [key, image] of Object.entries(config.images) as [ImageKey, string | undefined][]) {
    if (image === undefined) continue
    const message = unpinned(image, splitImage(builtIn[key]).tag ?? '<version>')
    if (message !== undefined) warnings.push({ path: `images.${key}`, code: 'image_unpinned', message })
  }
  for (const [name, service] of Object.entries(config.services)) {
    const message = unpinned(service.image, '<version>')
    if (message !== undefined) warnings.push({ path: `services.${name}.image`, code: 'image_unpinned', message })
  }
  return warnings
}

/**
 * A user's string in a message: JSON-quoted, so quotes and C0 controls (newline, ESC) are escaped, and then the
 * characters JSON leaves alone but a terminal may act on: DEL, C1 controls (U+009B starts an escape sequence on
 * some terminals), line and paragraph separators, and bidi overrides that reorder what the line appears to say.
 */
const quote = (value: string): string =>
  JSON.stringify(value).replace(/[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)

/** What is unpinned about `image` and what to do, or undefined when it is pinned. Values are JSON-quoted: one line. */
function unpinned(image: string, exampleTag: string): string | undefined {
  const { name, tag, digest } = splitImage(image)
  if (digest !== undefined || (tag !== undefined && tag !== 'latest')) return undefined
  const found =
    tag === undefined
      ? `${quote(image)} has no tag, so the engine pulls ${quote(`${name}:latest`)}, which changes with each release`
      : `${quote(image)} uses the tag latest, which changes with each release`
  const fix = `pin a version tag such as ${quote(`${name}:${exampleTag}`)} or a digest ${quote(`${name}@sha256:…`)}`
  return `${found}; ${fix} so every \`up\`, on every machine, runs the same image`
}
