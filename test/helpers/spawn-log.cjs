// Preloaded into the CLI by test/build/cache.test.ts (NODE_OPTIONS=--require): appends the command of every
// process the CLI spawns to SPAWN_LOG, one a line. esbuild's service is such a process (its binary, spawned by
// esbuild's JS API on the first build call).
const childProcess = require('node:child_process')
const { appendFileSync } = require('node:fs')
for (const name of ['spawn', 'spawnSync', 'execFile', 'execFileSync']) {
  const original = childProcess[name]
  childProcess[name] = function (command, ...rest) {
    appendFileSync(process.env.SPAWN_LOG, `${command}\n`)
    return original.call(this, command, ...rest)
  }
}
