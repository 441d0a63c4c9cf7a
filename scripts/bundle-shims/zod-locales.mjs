// Stands in for zod/v4/locales/index.js in the CLI bundle (see scripts/bundle-cli.mjs): English only.
export { default as en } from 'zod/v4/locales/en.js'
