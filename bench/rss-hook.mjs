// Preloaded by bench/run.mjs with `node --import`: at exit, writes this process's peak resident set size (KiB,
// from getrusage) into the file named by BENCH_RSS_FILE. esbuild's own process is not included (see run.mjs).
import { writeFileSync } from 'node:fs'

const file = process.env.BENCH_RSS_FILE
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)))
