/** `sparkbaas init [dir] [--force]`: a starter sparkbaas.config.ts, functions/hello and .gitignore entries. */
import { defineCommand } from 'citty'
import { initProject, nextSteps, type InitResult } from '../../scaffold/init.js'
import { FALLBACK_PROJECT } from '../../scaffold/project-name.js'
import { printJson, printSuccess } from '../report.js'
import { where } from '../stack-args.js'

export default defineCommand({
  args: {
    dir: { type: 'positional', required: false, description: 'Folder to create the project in, created if missing (default: the current folder)' },
    force: { type: 'boolean', description: 'Overwrite sparkbaas.config.ts and functions/hello/index.ts if they exist' },
    json: { type: 'boolean', description: 'Print the result as JSON on stdout' },
  },
  async run({ args }) {
    const result = await initProject({ ...(args.dir ? { dir: args.dir } : {}), force: args.force === true })
    const steps = nextSteps(result)
    const note = projectNote(result)
    if (args.json) {
      printJson({
        ok: true,
        dir: result.dir,
        project: result.project.name,
        projectSource: result.project.source,
        written: result.written,
        overwritten: result.overwritten,
        gitignore: result.gitignore,
        nextSteps: steps,
        warnings: note === undefined ? [] : [note],
      })
      return
    }
    printSuccess(`Created project "${result.project.name}" in ${where(result.dir)}`)
    process.stdout.write(formatResult(result, steps))
    if (note !== undefined) process.stderr.write(`! ${note}\n`)
  },
})

function formatResult(result: InitResult, steps: readonly string[]): string {
  const overwritten = new Set(result.overwritten)
  const lines = result.written.map((file) => `  ${overwritten.has(file) ? 'overwrote' : 'wrote'} ${file}`)
  const { created, added } = result.gitignore
  if (added.length > 0) lines.push(`  ${created ? 'wrote' : 'added to'} .gitignore: ${added.join(', ')}`)
  lines.push('', 'Next steps:', ...steps.map((step) => `  ${step}`))
  return `${lines.join('\n')}\n`
}

/** Says when the project name is not simply the folder's name. */
function projectNote({ project }: InitResult): string | undefined {
  const folder = JSON.stringify(project.folder ?? '/')
  if (project.source === 'sanitized') return `The folder name ${folder} is not a valid project name; the project is named "${project.name}". Change \`project\` in sparkbaas.config.ts to pick another.`
  if (project.source === 'fallback') return `The folder name ${folder} has no letters or digits a project name can use; the project is named "${FALLBACK_PROJECT}". Change \`project\` in sparkbaas.config.ts to pick another.`
  return undefined
}
