/**
 * The output layout every part of sparkbaas agrees on: where `generate` writes the stack and the two files the
 * engine hands to compose. A leaf module (no imports), so `down` and `status` can name these files without
 * loading the renderers or the writer.
 */

/** `generate`'s output folder, beside the config file, unless `--out` says otherwise. */
export const DEFAULT_OUT_DIR = 'generated'

/**
 * The output folder of an environment, beside the config file: `generated/` for the default one, `generated.<name>/`
 * for the others. Siblings, never one inside another, so no environment's drift check or leftover clean-up ever
 * sees another's files.
 */
export const outDirName = (env: string | undefined): string => (env === undefined ? DEFAULT_OUT_DIR : `${DEFAULT_OUT_DIR}.${env}`)

/** The compose file in the output folder. */
export const COMPOSE_FILE = 'docker-compose.yml'

/** Secrets and per-machine settings beside the compose file; never committed. */
export const ENV_FILE = '.env'

/** The Kubernetes target's folder in the output folder: manifests and kustomization.yaml. */
export const K8S_DIR = 'k8s'

/** What `kubectl apply -k` reads: the namespace, the manifest files, the Secret's generator. */
export const K8S_KUSTOMIZATION = `${K8S_DIR}/kustomization.yaml`

/** The keys of the Kubernetes target's Secret, one `KEY=` a line (committed; no values). */
export const K8S_SECRETS_ENV_EXAMPLE = `${K8S_DIR}/secrets.env.example`

/** The env file kustomize's secretGenerator reads: a copy of `.env`'s values, never committed. */
export const K8S_SECRETS_ENV = `${K8S_DIR}/secrets.env`

/** Every file sparkbaas may write that copies `.env` values: the output's `.gitignore` always names those on disk. */
export const KNOWN_SECRET_COPIES: readonly string[] = [K8S_SECRETS_ENV]
