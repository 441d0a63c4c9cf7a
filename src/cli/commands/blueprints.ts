/** `sparkbaas blueprints list|eject [name] [--force]`: see and take over the built-in templates. */
import path from 'node:path'
import { defineCommand } from 'citty'
import { loadConfig } from '../../config/load.js'
import { SparkbaasError } from '../../errors.js'
import { ejectBlueprints, listBlueprints } from '../../write/eject.js'
import { printJson, printSuccess } from '../report.js'
import { CONFIG_ARG } from '../stack-args.js'

const ACTIONS = ['list', 'eject']

export default defineCommand({
  args: {
    action: { type: 'positional', required: true, valueHint: 'list|eject', description: 'list: show the blueprints; eject: copy them into blueprints/ beside the config' },
    name: { type: 'positional', required: false, description: 'Blueprint to eject: a path (functions/server.mjs), a folder (functions) or a file name (default: all)' },
    force: { type: 'boolean', description: 'Replace blueprints already in blueprints/ (your changes to them are lost)' },
    config: { ...CONFIG_ARG, description: 'Config file whose folder gets blueprints/ (default: search from the current folder upward)' },
    json: { type: 'boolean', description: 'Print the result as JSON on stdout' },
  },
  async run({ args }) {
    if (!ACTIONS.includes(args.action)) {
      throw new SparkbaasError('usage', `Unknown action "${args.action}" for \`sparkbaas blueprints\`.`, { hint: 'Use `sparkbaas blueprints list` or `sparkbaas blueprints eject [name]`.' })
    }
    // Only the config's folder is needed: an invalid config must not stop anyone from ejecting a template.
    const { configDir } = await loadConfig(args.config ? { configFile: args.config } : {})
    if (args.action === 'list') {
      if (args.name !== undefined) throw new SparkbaasError('usage', '`sparkbaas blueprints list` takes no name.')
      const blueprints = await listBlueprints(configDir)
      if (args.json) {
        printJson({ ok: true, blueprints })
        return
      }
      const label = { none: 'built-in', same: 'ejected, unchanged', changed: 'overridden' } as const
      const width = Math.max(...blueprints.map((b) => b.name.length))
      process.stdout.write(blueprints.map((b) => `${b.name.padEnd(width)}  ${label[b.override]}\n`).join(''))
      return
    }
    const result = await ejectBlueprints(configDir, args.name, { force: args.force === true })
    if (args.json) {
      printJson({ ok: true, ...result })
      return
    }
    const rel = path.relative(process.cwd(), result.dir)
    const dir = `${rel.startsWith('..') || path.isAbsolute(rel) ? result.dir : rel}${path.sep}`
    if (result.copied.length > 0) printSuccess(`Copied into ${dir}: ${result.copied.join(', ')}`)
    if (result.unchanged.length > 0) printSuccess(`Already in ${dir} unchanged: ${result.unchanged.join(', ')}`)
    process.stdout.write('Edit them there; `sparkbaas generate` uses them instead of the built-in ones.\n')
  },
})
