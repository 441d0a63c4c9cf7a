// Stands in for cosmiconfig's own js-yaml in the CLI bundle (see scripts/bundle-cli.mjs): cosmiconfig only calls
// `load`, for a package.yaml or .config/config.yaml holding its settings. yaml, loaded only then, reads it; a file
// that fails is reported by sparkbaas itself, with line and column (src/config/load.ts).
module.exports = { load: (text) => require('yaml').parse(text) }
