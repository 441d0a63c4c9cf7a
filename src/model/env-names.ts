/** `("acme", "my-app")` → `ACME_MY_APP`: the form every generated `.env` key takes. */
export const envName = (...parts: readonly string[]): string =>
  parts
    .join('_')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
