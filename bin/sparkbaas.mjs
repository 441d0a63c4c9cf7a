#!/usr/bin/env node
// The CLI is compiled and bundled into dist/bin/ by `npm run build` (the `prepare` script runs it on install from git).
import module from 'node:module'

// Node 22.1 and later can keep V8's compiled code of the CLI and its dependencies between runs (in the OS temp
// folder), as TypeScript's own tsc does; Node 20 has no such cache, and this line does nothing there.
module.enableCompileCache?.()

const { run } = await import('../dist/bin/main.js')
await run()
