/**
 * What is left of a config that failed the shape check: every top-level key parsed on its own and, for a list or
 * a record, every entry on its own. The cross-field rules then run on the parts that parsed (check.ts), so one run
 * reports every problem. Only used once the whole config has failed: a valid config is parsed once.
 */
import { z } from 'zod'
import { configSchema, type ParsedConfig } from './schema.js'
import { closest } from './zod-problems.js'

export type ConfigKey = keyof ParsedConfig

/** How much of a top-level key parsed: keys not listed parsed whole. */
export type KeyState = 'partial' | 'broken'

export interface Salvaged {
  /**
   * The parts that parsed. A broken key holds its default (or nothing) and a partial list only the entries that
   * parsed, so a rule may read a key here only when `state` allows it (RULE_READS in validate.ts).
   */
  readonly config: ParsedConfig
  readonly state: ReadonlyMap<ConfigKey, KeyState>
  /** For a partial list: the index in the user's list of each entry kept in `config`. */
  readonly indexes: ReadonlyMap<ConfigKey, readonly number[]>
}

type Schema = z.core.$ZodType

const SHAPE: Readonly<Record<string, Schema>> = configSchema.shape
const KEYS = Object.keys(SHAPE) as ConfigKey[]

/** `input` is the object the whole parse refused; reading it again is safe (zod read every key of it already). */
export function salvage(input: Readonly<Record<string, unknown>>): Salvaged {
  const config: Record<string, unknown> = {}
  const state = new Map<ConfigKey, KeyState>()
  const indexes = new Map<ConfigKey, number[]>()
  for (const key of KEYS) {
    const schema = SHAPE[key]!
    const value = Object.hasOwn(input, key) ? input[key] : undefined
    const whole = z.safeParse(schema, value)
    if (whole.success) {
      config[key] = whole.data
      continue
    }
    const inner = unwrap(schema)
    if (inner instanceof z.ZodArray && Array.isArray(value)) {
      const kept: unknown[] = []
      const at: number[] = []
      value.forEach((item, i) => {
        const result = z.safeParse(inner.element, item)
        if (result.success) {
          kept.push(result.data)
          at.push(i)
        }
      })
      config[key] = kept
      indexes.set(key, at)
      state.set(key, 'partial')
      continue
    }
    if (inner instanceof z.ZodRecord && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const kept: Record<string, unknown> = {}
      for (const [name, entry] of Object.entries(value)) {
        const result = inner.safeParse(Object.fromEntries([[name, entry]]))
        // Defined, not assigned: a service named "__proto__" must stay a key.
        if (result.success) Object.defineProperty(kept, name, { value: result.data[name], enumerable: true, writable: true, configurable: true })
      }
      config[key] = kept
      state.set(key, 'partial')
      continue
    }
    // A value the rules must not read: its default keeps the config well typed.
    const fallback = z.safeParse(schema, undefined)
    config[key] = fallback.success ? fallback.data : undefined
    state.set(key, 'broken')
  }
  // A misspelt key ("relams") holds what the user meant for the key it resembles, which now looks empty.
  for (const key of Object.keys(input)) {
    if (Object.hasOwn(SHAPE, key)) continue
    const meant = closest(key, KEYS) as ConfigKey | undefined
    if (meant !== undefined && !Object.hasOwn(input, meant)) state.set(meant, 'broken')
  }
  return { config: config as ParsedConfig, state, indexes }
}

function unwrap(schema: Schema): Schema {
  let current = schema
  while (current instanceof z.ZodOptional || current instanceof z.ZodDefault) current = current.unwrap()
  return current
}
