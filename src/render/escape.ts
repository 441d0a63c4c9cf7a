/**
 * One escaping function per target syntax. Every value a blueprint prints goes through one of these (as a
 * Handlebars helper of the same name), so a hostile string — quotes, newlines, backticks, `$`, `${…}` — stays data.
 */

/** Characters JSON leaves raw but YAML and some editors treat as line breaks or refuse. */
const UNSAFE_FOR_YAML = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]/g
/** A character as a `\\uXXXX` escape (JSON and YAML double quotes read it alike). */
export const hex4 = (ch: string) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`

/** A UTF-16 code unit as a message names it: `U+2028`. */
export const codeUnitName = (ch: string) => `U+${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`

/** A YAML double-quoted scalar. JSON string syntax is valid YAML; non-printables are escaped. */
export function yamlString(value: string): string {
  return JSON.stringify(value).replace(UNSAFE_FOR_YAML, hex4)
}

/** A compose value: compose interpolates `$`, so a literal `$` is written `$$`. */
export function composeString(value: string): string {
  return yamlString(value.replaceAll('$', '$$$$'))
}

/** A JSON value (string, number, array…) on one line. */
export function jsonValue(value: unknown): string {
  return JSON.stringify(value).replace(/[\u2028\u2029]/g, hex4)
}

/**
 * A JSON string inside a Keycloak realm import. Keycloak replaces `${VAR}` in the raw file before parsing it,
 * so a literal `$` is written as the JSON escape `\u0024`: the parsed value is unchanged, the placeholder is gone.
 */
export function keycloakString(value: string): string {
  return jsonValue(value).replaceAll('$', '\\u0024')
}

/** A Keycloak `${VAR}` placeholder inside a JSON string, substituted at import from the container's env. */
export function keycloakPlaceholder(envKey: string): string {
  if (!/^[A-Z_][A-Z0-9_]*$/.test(envKey)) throw new Error(`internal: bad env key for a placeholder: ${envKey}`)
  return `"\${${envKey}}"`
}

const noNul = (value: string): string => {
  if (value.includes('\u0000')) throw new Error('internal: a NUL byte cannot appear in SQL')
  return value
}

/** A SQL identifier, always quoted. */
export function sqlIdent(value: string): string {
  return `"${noNul(value).replaceAll('"', '""')}"`
}

/** A SQL string literal (standard_conforming_strings is on in every supported Postgres). */
export function sqlLiteral(value: string): string {
  return `'${noNul(value).replaceAll("'", "''")}'`
}

/**
 * A `.env` value as docker compose reads it. Safe characters go bare; anything else is single-quoted (compose
 * takes single-quoted values literally, no `$` interpolation); a value with a quote or a line break is
 * double-quoted with escapes, `$` doubled.
 */
export function envValue(value: string): string {
  if (/^[A-Za-z0-9_\-.:/@+,=]*$/.test(value)) return value
  if (!/['\n\r\\]/.test(value)) return `'${value}'`
  const escaped = value
    .replaceAll('\\', '\\\\')
    .replaceAll('"', '\\"')
    .replaceAll('\n', '\\n')
    .replaceAll('\r', '\\r')
    .replaceAll('$', '$$$$')
  return `"${escaped}"`
}
