/**
 * `secret()`: the typed way to write an env value that lives in `.env`. Part of the light package entry (no
 * dependencies), so `sparkbaas.config.ts` may import it beside `defineConfig`.
 */

/**
 * An env value read from the generated `.env` instead of written in the config: `{ secret: "STRIPE_KEY" }`. The key
 * gets a random value on the first `sparkbaas generate` (replace it with the real one in `.env`; it is kept from
 * then on) and reaches the container through compose's `${STRIPE_KEY}`, so no committed file holds the value.
 */
export interface SecretRef {
  /**
   * The `.env` key: letters, digits and `_`, not one sparkbaas keeps for itself (`POSTGRES_PASSWORD`, `REALM_…`) and
   * not `COMPOSE_*` or `DOCKER_*`, which docker compose reads from `.env` for itself. As for every key of `.env`, a
   * variable of the same name in the shell that runs compose takes precedence (compose's rule).
   */
  secret: string
}

/**
 * An env value read from `.env` under `name`: `env: { STRIPE_KEY: secret('STRIPE_KEY') }`. The same as writing
 * `{ secret: 'STRIPE_KEY' }`, which is also the form for JSON and YAML configs.
 */
export function secret(name: string): SecretRef {
  return { secret: name }
}
