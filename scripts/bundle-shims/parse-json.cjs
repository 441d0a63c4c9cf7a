// Stands in for parse-json in the CLI bundle (see scripts/bundle-cli.mjs). Only cosmiconfig's own settings lookup
// reaches it (package.json, .config/config.json); sparkbaas reports a file that fails here itself, with line and
// column (src/config/load.ts), so parse-json's code frame, and the Babel highlighter it loads, are not needed.
module.exports = (text, reviver) => JSON.parse(text, typeof reviver === 'function' ? reviver : undefined)
