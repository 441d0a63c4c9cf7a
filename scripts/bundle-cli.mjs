// Run by `npm run build` after tsc: bundles the CLI (dist/cli/main.js and the commands it imports lazily) into
// dist/bin/, which bin/sparkbaas.mjs runs. A process start then reads a handful of files instead of ~150 modules
// (zod alone is 94), and Node scans no CommonJS package for export names: 55–75 ms less on `validate` and
// `generate`.
// dist/index.js, the light entry `defineConfig` comes from, stays tsc's output.
//
// Kept as they are, outside the bundle: esbuild (its platform binary is found relative to its own files), jiti
// (loads its own files), handlebars, cosmiconfig and yaml (loaded with require when first needed, see
// src/render/blueprints.ts, src/config/load.ts and src/render/yaml.ts), typescript (cosmiconfig's own .ts loader,
// never used).
// Chunks lie flat in dist/bin/, two levels below the package root like every tsc module, so the paths the code
// builds from import.meta.url (package.json, blueprints/, dist/index.js) still hold.
import { rmSync } from 'node:fs'
import { build } from 'esbuild'

const OUT = 'dist/bin'
rmSync(OUT, { recursive: true, force: true })
await build({
  entryPoints: { main: 'dist/cli/main.js' },
  outdir: OUT,
  bundle: true,
  // Each command stays a lazy chunk: `sparkbaas --help` must not load zod.
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['esbuild', 'jiti', 'handlebars', 'cosmiconfig', 'typescript', 'yaml'],
  // Bundled CommonJS dependencies require Node built-ins; an ES module has no `require` of its own.
  banner: { js: "import { createRequire as __sparkbaasCreateRequire } from 'node:module';\nconst require = __sparkbaasCreateRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
})
