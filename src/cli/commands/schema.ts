/** `sparkbaas schema`: write (or with --check, verify) the JSON Schema of the config file. */
import path from 'node:path'
import { defineCommand } from 'citty'
import { SCHEMA_FILE, writeJsonSchema } from '../../config/json-schema.js'
import { printJson, printSuccess } from '../report.js'

export default defineCommand({
  args: {
    out: { type: 'string', valueHint: 'path', default: SCHEMA_FILE, description: 'Where to write it, relative to the current folder' },
    check: { type: 'boolean', description: 'Write nothing; exit 1 when the file is missing or out of date' },
    json: { type: 'boolean', description: 'Print the result as JSON on stdout' },
  },
  async run({ args }) {
    const file = path.resolve(args.out)
    const status = await writeJsonSchema(file, { check: args.check })
    const where = path.relative(process.cwd(), file)
    if (args.json) printJson({ ok: true, file, status })
    else printSuccess(status === 'written' ? `Wrote ${where}` : `${where} is up to date`)
  },
})
