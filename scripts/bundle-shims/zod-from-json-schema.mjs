// Stands in for zod/v4/classic/from-json-schema.js in the CLI bundle (see scripts/bundle-cli.mjs): turning a JSON
// Schema into zod, which sparkbaas does not do (it only writes one, with z.toJSONSchema).
export const fromJSONSchema = () => {
  throw new Error("zod's fromJSONSchema is left out of the sparkbaas CLI bundle (scripts/bundle-cli.mjs)")
}
