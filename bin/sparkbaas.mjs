#!/usr/bin/env node
// The CLI is compiled and bundled into dist/bin/ by `npm run build` (the `prepare` script runs it on install from git).
import { run } from '../dist/bin/main.js'

await run()
