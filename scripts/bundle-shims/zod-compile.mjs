// Stands in for zod/v4/core/compile.js in the CLI bundle (see scripts/bundle-cli.mjs): z.compile, zod's opt-in
// ahead-of-time parser, which sparkbaas does not use. Same names; calling one says why it is missing.
const missing = (name) => () => {
  throw new Error(`zod's ${name} is left out of the sparkbaas CLI bundle (scripts/bundle-cli.mjs)`)
}
export const INVALID = Symbol.for('zod.compile.invalid')
export class ZodCompileAsyncError extends Error {}
export class ZodCompileUnsupportedError extends Error {}
export const compile = missing('compile')
export const withParser = missing('withParser')
export const compileFn = missing('compileFn')
