/**
 * Which lines of the functions service's log belong to one function. The runtime (blueprints/functions/server.mjs)
 * starts every line a function writes, and every line it writes about one, with `[<name>] `; its request log line
 * (`GET /hello/x 200 1.2ms`) names the function as the first path segment.
 */
import { stripVTControlCharacters } from 'node:util'

/** compose's `<container>  | ` before each line (`functions-1  | …`). */
const COMPOSE_PREFIX = /^[^\s|]+\s*\| ?/

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

export type LineMatcher = (line: string) => string | undefined

/** A matcher for function `name`: the line without compose's prefix when it is the function's, else undefined. */
export function functionLineMatcher(name: string): LineMatcher {
  const label = `[${name}]`
  const request = new RegExp(`^[A-Z]+ /${escapeRegExp(name)}(?:/\\S*)? \\d{3} \\d+(?:\\.\\d+)?ms$`)
  return (line) => {
    // compose colours the prefix at a terminal; what follows is the runtime's own text.
    const text = stripVTControlCharacters(line).replace(/\r$/, '').replace(COMPOSE_PREFIX, '')
    if (text === label || text.startsWith(`${label} `) || request.test(text)) return text
    return undefined
  }
}

/** The last `max` items pushed (all of them when `max` is undefined). */
export class LastItems<T> {
  private readonly items: T[] = []
  constructor(private readonly max: number | undefined) {}
  push(item: T): void {
    if (this.max === 0) return
    this.items.push(item)
    if (this.max !== undefined && this.items.length > this.max) this.items.shift()
  }
  values(): readonly T[] {
    return this.items
  }
}
