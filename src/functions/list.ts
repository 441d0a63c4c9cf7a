/** `function list`: each function with its folder, entry file, timeout and the public URLs that reach it. */
import { basename, isAbsolute, relative } from 'node:path'
import type { StackModel } from '../model/types.js'
import { routesTo } from './lookup.js'

export interface FunctionInfo {
  readonly name: string
  /** The folder, relative to the config file's folder (absolute when outside it), with `/` separators. */
  readonly source: string
  /** The entry file's name inside the folder (`index.ts`, …). */
  readonly entry: string
  readonly timeoutMs: number
  /** Names of the variables the config gives it; their values are not repeated here. */
  readonly env: readonly string[]
  /** Every route reaching it; empty when it is not routed (then only `function invoke` reaches it). */
  readonly routes: readonly { readonly url: string; readonly auth?: { readonly realm: string; readonly roles: readonly string[] } }[]
}

/** The functions in config order; URLs carry the configured host ports (`ports`) as every public URL does. */
export function listFunctions(model: StackModel): FunctionInfo[] {
  return model.functions.map((fn) => ({
    name: fn.name,
    source: shown(model.configDir, fn.sourceDir),
    entry: basename(fn.entry),
    timeoutMs: fn.timeoutMs,
    env: Object.keys(fn.env).sort(),
    routes: routesTo(model, fn.name).map((route) => ({
      url: route.url,
      ...(route.auth === undefined ? {} : { auth: route.auth }),
    })),
  }))
}

function shown(base: string, dir: string): string {
  const rel = relative(base, dir)
  if (rel === '') return '.'
  return rel.startsWith('..') || isAbsolute(rel) ? dir : rel.split('\\').join('/')
}

/** One line per function and route: NAME SOURCE ENTRY TIMEOUT ROUTE, with `not routed` for none. */
export function formatFunctionList(project: string, functions: readonly FunctionInfo[]): string {
  if (functions.length === 0) return `${project} has no functions. Add one with \`sparkbaas function new <name>\`.\n`
  const rows = [['NAME', 'SOURCE', 'ENTRY', 'TIMEOUT', 'ROUTE']]
  for (const fn of functions) {
    const routes = fn.routes.length === 0 ? ['not routed'] : fn.routes.map((r) => (r.auth === undefined ? r.url : `${r.url} (auth: ${authText(r.auth)})`))
    routes.forEach((route, i) => rows.push(i === 0 ? [fn.name, fn.source, fn.entry, `${fn.timeoutMs} ms`, route] : ['', '', '', '', route]))
  }
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => row[i]!.length)))
  const lines = rows.map((row) => `  ${row.map((cell, i) => (i < 4 ? cell.padEnd(widths[i]!) : cell)).join('  ')}`.trimEnd())
  return `${project}: ${functions.length} function${functions.length === 1 ? '' : 's'}\n${lines.join('\n')}\n`
}

const authText = (auth: { realm: string; roles: readonly string[] }) =>
  auth.roles.length === 0 ? `realm ${auth.realm}` : `realm ${auth.realm}, roles ${auth.roles.join(', ')}`
