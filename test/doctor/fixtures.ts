/** A stack built from a config object without touching disk, and probe results, for the doctor's tests. */
import { join } from 'node:path'
import { configSchema } from '../../src/config/schema.js'
import type { Engine } from '../../src/engine/detect.js'
import type { ProcessResult } from '../../src/engine/process.js'
import { resolveModel } from '../../src/model/resolve.js'
import type { Stack } from '../../src/stack/context.js'

/** A stack whose config file is `<dir>/sparkbaas.config.json`, output in `<dir>/generated`. */
export function stackOf(config: object, dir = '/work/project'): Stack {
  const configFile = join(dir, 'sparkbaas.config.json')
  const model = resolveModel(configSchema.parse(config), { configFile })
  return { model, config, env: undefined, configFile, cwd: dir, project: model.project, outDir: join(dir, 'generated'), warnings: [] }
}

export const DOCKER: Engine = { command: ['docker', 'compose'], name: 'docker compose', version: '2.29.1', runtime: 'docker' }

export function processResult(exitCode: number, stderr = '', argv = ['docker', 'compose', 'ps'], stdout = ''): ProcessResult {
  return { argv, exitCode, stdout, stderr, spawnError: undefined, shown: false, cause: undefined }
}
