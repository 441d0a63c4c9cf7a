// Run by `npm run build` after tsc: bundles the CLI (dist/cli/main.js and the commands it imports lazily) into
// dist/bin/, which bin/sparkbaas.mjs runs. A process start then reads a handful of files instead of ~150 modules
// (zod alone is 94), and Node scans no CommonJS package for export names: 55–75 ms less on `validate` and
// `generate`.
// dist/index.js, the light entry `defineConfig` comes from, stays tsc's output.
//
// Kept as they are, outside the bundle (`KEEP_OUTSIDE`, matched exactly: `handlebars/runtime.js` is bundled while
// `handlebars` is not): esbuild (its platform binary is found relative to its own files), jiti (loads its own
// files), handlebars' compiler, yaml and js-yaml (loaded with require only when needed: a changed blueprint, a YAML
// config, YAML to parse back; see src/render/blueprints.ts, src/config/load-yaml.ts and src/render/yaml.ts),
// @babel/parser (required only by `function new` editing a .ts/.js config, src/scaffold/edit-ts.ts; 530 kB the
// package need not ship twice), typescript (cosmiconfig's own .ts loader, never used).
// Chunks lie flat in dist/bin/, two levels below the package root like every tsc module, so the paths the code
// builds from import.meta.url (package.json, blueprints/, dist/index.js) still hold.
//
// Some modules are replaced by smaller ones (scripts/bundle-shims/), each for what the CLI never uses:
// - zod's namespace re-exports all 64 of its message locales, about 400 KB that every command loading a config
//   parsed. The CLI speaks English, zod's default, which zod's schemas import from en.js themselves.
// - zod's z.compile (its opt-in ahead-of-time parser) and fromJSONSchema: 85 KB more of that chunk. Their
//   stand-ins keep the names and throw if called; the tests run every command through this bundle.
// - parse-json, which cosmiconfig uses to read package.json for its own settings, loads Babel's code-frame
//   highlighter (~11 ms of every command that loads a config in a folder with a package.json).
// - cosmiconfig's own copy of js-yaml 4 (100 KB in the config-loading chunk), which it needs only for a
//   package.yaml or .config/config.yaml holding its settings: read by yaml instead, as sparkbaas reads YAML configs.
import { rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const KEEP_OUTSIDE = new Set(['esbuild', 'jiti', 'handlebars', 'typescript', 'yaml', 'js-yaml', '@babel/parser'])
const shim = (name) => fileURLToPath(new URL(`bundle-shims/${name}`, import.meta.url))

const dependencies = {
  name: 'sparkbaas-dependencies',
  setup(build) {
    build.onResolve({ filter: /^parse-json$/ }, () => ({ path: shim('parse-json.cjs') }))
    build.onResolve({ filter: /^js-yaml$/ }, (args) =>
      /[\\/]node_modules[\\/]cosmiconfig[\\/]/.test(args.importer) ? { path: shim('cosmiconfig-yaml.cjs') } : undefined,
    )
    build.onResolve({ filter: /^[^./]/ }, (args) => (KEEP_OUTSIDE.has(args.path) ? { path: args.path, external: true } : undefined))
    const inZod = (args) => /[\\/]node_modules[\\/]zod[\\/]/.test(args.importer)
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => (inZod(args) ? { path: shim('zod-locales.mjs') } : undefined))
    build.onResolve({ filter: /^\.\/compile\.js$/ }, (args) => (inZod(args) ? { path: shim('zod-compile.mjs') } : undefined))
    build.onResolve({ filter: /^\.\/from-json-schema\.js$/ }, (args) =>
      inZod(args) ? { path: shim('zod-from-json-schema.mjs') } : undefined,
    )
  },
}

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
  // Bundled CommonJS dependencies require Node built-ins; an ES module has no `require` of its own.
  banner: { js: "import { createRequire as __sparkbaasCreateRequire } from 'node:module';\nconst require = __sparkbaasCreateRequire(import.meta.url);" },
  plugins: [dependencies],
  legalComments: 'none',
  logLevel: 'warning',
})
