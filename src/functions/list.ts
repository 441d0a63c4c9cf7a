/**
 * `function list`: each function with its folder, entry file, timeout and the public URLs that reach it, then the
 * folders under functions/ that hold an entry file but that the config does not list (unregistered.ts).
 */
import { basename, isAbsolute, relative } from 'node:path'
import { NAMES } from '../config/names.js'
import type { StackModel } from '../model/types.js'
import { formatValue, functionEntry, syntaxOf } from '../scaffold/new-function.js'
import { routesTo } from './lookup.js'
import type { UnregisteredFunction } from './unregistered.js'

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

/**
 * One line per function and route: NAME SOURCE ENTRY TIMEOUT ROUTE, with `not routed` for none; then a line per
 * unlisted folder, `not in config`, and the entries that would list them, in the syntax of `configFile`.
 */
export function formatFunctionList(project: string, functions: readonly FunctionInfo[], unregistered: readonly UnregisteredFunction[] = [], configFile = ''): string {
  if (functions.length === 0 && unregistered.length === 0) return `${project} has no functions. Add one with \`sparkbaas function new <name>\`.\n`
  const rows = [['NAME', 'SOURCE', 'ENTRY', 'TIMEOUT', 'ROUTE']]
  for (const fn of functions) {
    const routes = fn.routes.length === 0 ? ['not routed'] : fn.routes.map((r) => (r.auth === undefined ? r.url : `${r.url} (auth: ${authText(r.auth)})`))
    routes.forEach((route, i) => rows.push(i === 0 ? [fn.name, fn.source, fn.entry, `${fn.timeoutMs} ms`, route] : ['', '', '', '', route]))
  }
  for (const folder of unregistered) rows.push([shownName(folder.name), shownName(folder.source), folder.entry, '-', 'not in config'])
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => row[i]!.length)))
  const lines = rows.map((row) => `  ${row.map((cell, i) => (i < 4 ? cell.padEnd(widths[i]!) : cell)).join('  ')}`.trimEnd())
  const count = `${functions.length} function${functions.length === 1 ? '' : 's'}`
  const folders = unregistered.length === 0 ? '' : `, ${unregistered.length} folder${unregistered.length === 1 ? '' : 's'} not in config`
  return `${project}: ${count}${folders}\n${[...lines, ...unregisteredHint(unregistered, configFile)].join('\n')}\n`
}

/** What to add to serve the unlisted folders; a folder whose name cannot name a function is to be renamed first. */
function unregisteredHint(unregistered: readonly UnregisteredFunction[], configFile: string): string[] {
  const lines: string[] = []
  const valid = unregistered.filter((folder) => folder.validName)
  if (valid.length > 0) {
    const syntax = syntaxOf(configFile)
    const key = basename(configFile) === 'package.json' ? 'sparkbaas.functions' : 'functions'
    const them = valid.length === 1 ? valid[0]!.name : 'them'
    lines.push(`Not built or served until the config lists it. To serve ${them}, add to \`${key}\` in ${configFile}:`)
    for (const folder of valid) lines.push(`  ${syntax === 'yaml' ? '- ' : ''}${formatValue(functionEntry(folder.name), syntax)}${syntax === 'ts' ? ',' : ''}`)
  }
  for (const folder of unregistered.filter((f) => !f.validName)) {
    lines.push(`${shownName(folder.source)} cannot name a function as it is: rename the folder (${NAMES.identifier.expected}, not "server"), then list it in \`functions\`.`)
  }
  return lines
}

/** A folder name as typed, or JSON-quoted when it holds anything a terminal line could hide or break on. */
const shownName = (name: string) => (/^[\w./@+-]+$/.test(name) ? name : JSON.stringify(name))

const authText = (auth: { realm: string; roles: readonly string[] }) =>
  auth.roles.length === 0 ? `realm ${auth.realm}` : `realm ${auth.realm}, roles ${auth.roles.join(', ')}`
