#!/usr/bin/env node
// The CLI is compiled to dist/ by `npm run build` (the `prepare` script runs it on install from git).
import { run } from '../dist/cli/main.js'

await run()
