// Preloaded with `node --import` by test/cli/usage.test.ts: records every module URL the process resolves into the
// file named by IMPORT_TRACE_FILE, to prove what a command does *not* load.
import { register } from 'node:module'

register('./import-trace-hooks.mjs', import.meta.url)
