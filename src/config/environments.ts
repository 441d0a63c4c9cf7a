/**
 * Environments: `environments: { prod: { … } }` in the config, each a partial config laid over the base before the
 * shape check, so defaults apply to the merged result (as Vite's `--mode`, c12's `$production`, Helm's `-f values`).
 *
 * How an overlay merges, key by key:
 * - plain objects (`postgres`, `ports`, `images`, a service, a function's `env`, …) merge deeply;
 * - the named collections merge entry by entry on their key: `workers`, `realms` and `functions` by `name`,
 *   `routes` by `host` + `path` (path `/` when unset), `services` by their key; an entry with a new key is appended;
 * - every other array (`databases`, a realm's `clients` and `users`, `redirectUris`, …) is replaced as a whole;
 * - a value that takes one of several forms (`tls`, a route's `to`) is replaced as a whole, so `{ function }` and
 *   `{ service }` never mix;
 * - `undefined` in an overlay is no value (the base's stays). Nothing can be removed: set it to what it should be
 *   (`users: []`, `exposePort: false`).
 *
 * A non-default environment's compose project is `<project>-<name>` unless the overlay sets `project`, so two
 * environments can run side by side on one machine.
 *
 * Pure: no fs, no process. The merge records where each value the overlay set lands in the merged config, so a
 * problem found there is reported at the overlay's path (`environments.prod.routes[0].to`). Limit: a problem at a
 * value the base set is reported at the base's path even when the overlay made it wrong (a route the overlay kept
 * pointing at a function it renamed).
 */
import { SparkbaasError } from '../errors.js'
import { closest, didYouMean } from '../suggest.js'
import { formatPath } from './zod-problems.js'

/** Where each named collection's entries get their key. */
const KEYED: Record<string, (entry: Record<string, unknown>) => string | undefined> = {
  workers: (entry) => stringAt(entry, 'name'),
  realms: (entry) => stringAt(entry, 'name'),
  functions: (entry) => stringAt(entry, 'name'),
  routes: (entry) => {
    const host = stringAt(entry, 'host')
    const path = entry['path'] === undefined ? '/' : stringAt(entry, 'path')
    return host === undefined || path === undefined ? undefined : `${host} ${path}`
  },
}

/** Keys whose value is replaced whole: top-level ones, and ones inside an entry of a named collection. */
const WHOLE_TOP = new Set(['tls'])
const WHOLE_IN_ENTRY: Record<string, ReadonlySet<string>> = { routes: new Set(['to']) }

export interface AppliedEnvironment {
  /** The base with the overlay laid over it, `environments` left out: what the shape check reads. */
  readonly config: Record<string, unknown>
  /** The overlay's path of the value at `path` in the merged config, when the overlay set it; else `path`. */
  readonly sourcePath: (path: string) => string
}

/** The environment names a loaded config defines (none when `environments` is missing or not an object). */
export function environmentNames(input: unknown): string[] {
  const environments = isPlainObject(input) ? input['environments'] : undefined
  return isPlainObject(environments) ? Object.keys(environments) : []
}

/**
 * The config of environment `name`: its overlay laid over the base. Throws `SparkbaasError` (`usage`) naming the
 * environments there are when the config has none called `name`.
 */
export function applyEnvironment(input: Record<string, unknown>, name: string): AppliedEnvironment {
  const environments = input['environments']
  const names = environmentNames(input)
  if (!isPlainObject(environments) || !Object.hasOwn(environments, name)) throw unknownEnvironment(name, names)
  const overlay = environments[name]
  const { environments: _environments, ...base } = input
  const origins = new Map<string, string>()
  const overlayRoot = ['environments', name]
  if (!isPlainObject(overlay)) {
    // The shape check of the base has said so already; nothing to merge.
    return { config: base, sourcePath: (path) => path }
  }
  const config: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(overlay)) {
    if (value === undefined) continue
    const at = [key]
    const from = [...overlayRoot, key]
    const keyed = KEYED[key]
    if (keyed !== undefined && Array.isArray(value) && Array.isArray(base[key])) {
      config[key] = mergeKeyed(base[key] as unknown[], value, keyed, WHOLE_IN_ENTRY[key] ?? new Set(), { at, from, origins })
    } else if (WHOLE_TOP.has(key)) {
      config[key] = value
      origins.set(formatPath(at), formatPath(from))
    } else {
      config[key] = mergeDeep(base[key], value, new Set(), { at, from, origins })
    }
  }
  if (!Object.hasOwn(overlay, 'project') || overlay['project'] === undefined) {
    if (typeof base['project'] === 'string') {
      config['project'] = `${base['project']}-${name}`
      origins.set('project', formatPath(overlayRoot))
    }
  }
  return { config, sourcePath: (path) => sourcePath(path, origins) }
}

interface Track {
  /** The path in the merged config, as segments. */
  readonly at: readonly PropertyKey[]
  /** The path of the same value in the overlay. */
  readonly from: readonly PropertyKey[]
  /** Merged path → overlay path, for each value the overlay put in whole. */
  readonly origins: Map<string, string>
}

function mergeDeep(base: unknown, overlay: unknown, whole: ReadonlySet<string>, track: Track): unknown {
  if (!isPlainObject(base) || !isPlainObject(overlay)) {
    track.origins.set(formatPath(track.at), formatPath(track.from))
    return overlay
  }
  const merged: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(overlay)) {
    if (value === undefined) continue
    const next = { at: [...track.at, key], from: [...track.from, key], origins: track.origins }
    if (whole.has(key)) {
      merged[key] = value
      track.origins.set(formatPath(next.at), formatPath(next.from))
    } else {
      // Only an entry's own keys are replaced whole; below them objects merge as anywhere else.
      merged[key] = mergeDeep(base[key], value, new Set(), next)
    }
  }
  return merged
}

function mergeKeyed(
  base: readonly unknown[],
  overlay: readonly unknown[],
  keyOf: (entry: Record<string, unknown>) => string | undefined,
  whole: ReadonlySet<string>,
  track: Track,
): unknown[] {
  const merged = [...base]
  // The base's entries by key, the first of each: a duplicate in the base is the base's own problem.
  const index = new Map<string, number>()
  base.forEach((entry, i) => {
    const key = isPlainObject(entry) ? keyOf(entry) : undefined
    if (key !== undefined && !index.has(key)) index.set(key, i)
  })
  overlay.forEach((entry, j) => {
    const key = isPlainObject(entry) ? keyOf(entry) : undefined
    const from = [...track.from, j]
    const i = key === undefined ? undefined : index.get(key)
    if (i === undefined) {
      // A new entry (or one without a usable key, which the shape check reports at this path).
      merged.push(entry)
      track.origins.set(formatPath([...track.at, merged.length - 1]), formatPath(from))
      return
    }
    merged[i] = mergeDeep(merged[i], entry, whole, { at: [...track.at, i], from, origins: track.origins })
  })
  return merged
}

/** The overlay path of the longest recorded prefix of `path`, with the rest of `path` after it. */
function sourcePath(path: string, origins: ReadonlyMap<string, string>): string {
  let best: [string, string] | undefined
  for (const [at, from] of origins) {
    const covers = path === at || path.startsWith(`${at}.`) || path.startsWith(`${at}[`)
    if (covers && (best === undefined || at.length > best[0].length)) best = [at, from]
  }
  // A derived project name has no overlay key of its own: it is recorded at the environment's path.
  return best === undefined ? path : `${best[1]}${path.slice(best[0].length)}`
}

function unknownEnvironment(name: string, names: readonly string[]): SparkbaasError {
  const known = names.length === 0 ? 'The config defines no environments.' : `Environments in the config: ${names.join(', ')}.`
  return new SparkbaasError('usage', `No environment named ${JSON.stringify(name)}.${didYouMean(closest(name, names))} ${known}`, {
    hint:
      names.length === 0
        ? 'Add one under `environments` in the config, e.g. environments: { prod: { production: true } }, or leave out --env (and SPARKBAAS_ENV).'
        : 'Pass one of those to --env (or SPARKBAAS_ENV), or leave both out for the base config.',
  })
}

function stringAt(entry: Record<string, unknown>, key: string): string | undefined {
  const value = entry[key]
  return typeof value === 'string' ? value : undefined
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}
