/** A YAML config file's value; see `loadYaml` in loaders.ts, which loads this module on first use. */
import { parse, YAMLParseError } from 'yaml'
import { SparkbaasError } from '../errors.js'

export function loadYamlText(filepath: string, contents: string): unknown {
  try {
    return parse(contents) as unknown
  } catch (error) {
    const at = error instanceof YAMLParseError ? error.linePos?.[0] : undefined
    const where = at === undefined ? '' : `:${at.line}:${at.col}`
    // The yaml package appends " at line L, column C:" and a code frame; the location is already in `where`.
    const text = (error instanceof Error ? error.message : String(error)).split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')
    throw new SparkbaasError('config_load_failed', `Could not load ${filepath}${where}: SyntaxError: ${text}`)
  }
}
