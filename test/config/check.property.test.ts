import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { checkConfig } from '../../src/config/check.js'
import { configSchema } from '../../src/config/schema.js'
import { formatPath } from '../../src/config/zod-problems.js'
import { validConfig } from '../fixtures/valid/config.js'

const configDir = fileURLToPath(new URL('../fixtures/valid', import.meta.url))
const TOP_KEYS = Object.keys(configSchema.shape)

/** checkConfig must not throw, and a refusal must be a list of well-formed problems. */
function expectWellFormed(input: unknown): void {
  const result = checkConfig(input, { configDir })
  if (result.ok) return
  expect(result.problems.length).toBeGreaterThan(0)
  const ownKeys = typeof input === 'object' && input !== null ? Object.keys(input) : []
  for (const { path, code, message } of result.problems) {
    expect(message.trim()).not.toBe('')
    // zod's raw English ("Invalid input", "Too small: …") must never reach a user.
    expect(message).not.toMatch(/^(Invalid|Too|Unrecognized)/)
    expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/)
    if (path === '') continue
    const underKnownKey = TOP_KEYS.some((key) => path === key || path.startsWith(`${key}.`) || path.startsWith(`${key}[`))
    // An unknown top-level key is reported at its own path, which is not a known key.
    const unknownTopKey = code === 'unknown_key' && ownKeys.some((key) => formatPath([key]) === path)
    expect(underKnownKey || unknownTopKey, `path ${path}`).toBe(true)
  }
}

type Step = string | number
type Container = Record<string, unknown> | unknown[]

const isContainer = (value: unknown): value is Container => typeof value === 'object' && value !== null

/** Every path in a JSON-like value, root excluded, parents before children. */
function pathsIn(value: unknown, path: Step[] = []): Step[][] {
  if (!isContainer(value)) return []
  const entries: [Step, unknown][] = Array.isArray(value) ? value.map((item, i) => [i, item]) : Object.entries(value)
  return entries.flatMap(([step, child]) => [[...path, step], ...pathsIn(child, [...path, step])])
}

function at(root: unknown, path: readonly Step[]): unknown {
  return path.reduce<unknown>((node, step) => (isContainer(node) ? (node as Record<Step, unknown>)[step] : undefined), root)
}

/** Sets an own property, even one named `__proto__`. */
function put(target: Container, step: Step, value: unknown): void {
  Object.defineProperty(target, step, { value, writable: true, enumerable: true, configurable: true })
}

type Mutation = { kind: 'drop' | 'replace' | 'rename' | 'duplicate'; pick: number; value: unknown; name: string }

/** Applies one mutation to `config` in place; `pick` chooses the place among those the kind applies to. */
function mutate(config: Container, { kind, pick, value, name }: Mutation): void {
  const paths = pathsIn(config)
  const candidates =
    kind === 'duplicate'
      ? paths.filter((path) => Array.isArray(at(config, path.slice(0, -1))))
      : kind === 'rename'
        ? paths.filter((path) => typeof path.at(-1) === 'string')
        : paths
  const path = candidates[pick % Math.max(candidates.length, 1)]
  if (path === undefined) return
  const parent = at(config, path.slice(0, -1)) as Container
  const step = path.at(-1) as Step
  const current = (parent as Record<Step, unknown>)[step]
  if (kind === 'duplicate' && Array.isArray(parent)) parent.splice(Number(step), 0, structuredClone(current))
  else if (kind === 'drop' && Array.isArray(parent)) parent.splice(Number(step), 1)
  else if (kind === 'drop') delete (parent as Record<Step, unknown>)[step]
  else if (kind === 'replace') put(parent, step, value)
  else if (kind === 'rename') {
    delete (parent as Record<Step, unknown>)[step]
    put(parent, name, current)
  }
}

/** Values and names likely to pass the shape check, so mutated configs also reach the cross-field rules. */
const plausible = fc.constantFrom('acme', 'hello', 'api', 'spark', 'keycloak', 'postgres', 'admin', 'x', '/rest', 0, 1, false, true, [], {})
const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('drop', 'replace', 'rename', 'duplicate'),
  pick: fc.nat(),
  value: fc.oneof(fc.jsonValue({ maxDepth: 2 }), plausible),
  name: fc.oneof(fc.string(), fc.constantFrom(...TOP_KEYS, 'version', 'postgres', 'spark-master', 'my_app', 'constructor', '__proto__')),
})

describe('checkConfig on any input', () => {
  it('never throws on JSON values', () => {
    fc.assert(fc.property(fc.jsonValue(), expectWellFormed), { numRuns: 300 })
  })

  it('never throws on arbitrary JavaScript values', () => {
    const anything = fc.anything({
      withBigInt: true,
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withObjectString: true,
      withSparseArray: true,
      withTypedArray: true,
    })
    fc.assert(fc.property(anything, expectWellFormed), { numRuns: 300 })
  })

  it('never throws on objects with config keys holding random values', () => {
    const keys = fc.constantFrom(...TOP_KEYS, 'verison', '__proto__')
    fc.assert(fc.property(fc.dictionary(keys, fc.oneof(fc.jsonValue(), fc.anything())), expectWellFormed), { numRuns: 300 })
  })

  it('never throws on mutations of a valid config, and gives the same answer twice', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
        const config = structuredClone(validConfig) as unknown as Container
        for (const m of mutations) mutate(config, m)
        expectWellFormed(config)
        expect(checkConfig(config, { configDir })).toEqual(checkConfig(config, { configDir }))
      }),
      { numRuns: 500 },
    )
  })
})
