/**
 * The output layout every part of sparkbaas agrees on: where `generate` writes the stack and the two files the
 * engine hands to compose. A leaf module (no imports), so `down` and `status` can name these files without
 * loading the renderers or the writer.
 */

/** `generate`'s output folder, beside the config file, unless `--out` says otherwise. */
export const DEFAULT_OUT_DIR = 'generated'

/** The compose file in the output folder. */
export const COMPOSE_FILE = 'docker-compose.yml'

/** Secrets and per-machine settings beside the compose file; never committed. */
export const ENV_FILE = '.env'
