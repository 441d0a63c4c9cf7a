#!/usr/bin/env node
// The CLI is compiled and bundled into dist/bin/ by `npm run build` (the `prepare` script runs it on install from git).
import module from 'node:module'
import os from 'node:os'
import path from 'node:path'

// Node 22.1 and later can keep V8's compiled code of the CLI and its dependencies between runs, as TypeScript's own
// tsc does; Node 20 has no such cache, and this does nothing there. Node's folder, <os temp>/node-compile-cache, is
// one for all users of a machine, and only its creator can write in it: anyone else gets status FAILED and starts
// cold every time (~10% more CPU on `generate --check`), so the CLI then uses a folder of the user's own.
// NODE_DISABLE_COMPILE_CACHE=1 turns it off (status DISABLED) and is respected.
const cache = module.enableCompileCache?.()
if (cache !== undefined && cache.status === module.constants.compileCacheStatus.FAILED) {
  module.enableCompileCache(path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'sparkbaas', 'node-compile-cache'))
}

const { run } = await import('../dist/bin/main.js')
await run()
