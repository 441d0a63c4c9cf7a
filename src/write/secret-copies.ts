/**
 * Files that copy some of `.env`'s values for another consumer, written with `.env` and as private as it: the
 * Kubernetes target's `k8s/secrets.env`, which kustomize's secretGenerator reads. `.env` stays the one store (made
 * once, never rotated, edits kept); a copy is rewritten from it on every `generate`, holds exactly the keys its
 * consumer reads, is never in the manifest, never compared by `--check`, and always git-ignored.
 */
import { SparkbaasError } from '../errors.js'
import { ENV_FILE } from '../layout.js'

/** A copy of `.env` values: where it goes and which keys it holds, in order. */
export interface SecretCopy {
  /** Relative to the output folder. */
  readonly path: string
  readonly keys: readonly string[]
}

/**
 * kustomize reads an env file one line at a time with Go's bufio.Scanner: `KEY=value`, the value raw up to the end of
 * the line (no quotes, no escapes), a trailing `\r` dropped, lines starting with `#` skipped, a line longer than the
 * Scanner's 64 KiB token limit an error (kubernetes-sigs/kustomize api/kv/kv.go keyValuesFromLines, keyValuesFromLine).
 */
const MAX_LINE = 64 * 1024 - 1

export function renderSecretCopy(copy: SecretCopy, values: Readonly<Record<string, string>>): string {
  const lines = [
    `# Copied from ${ENV_FILE} by \`sparkbaas generate\` for kustomize's secretGenerator. Never commit this file; edit ${ENV_FILE} instead.`,
  ]
  for (const key of copy.keys) {
    const value = values[key]
    if (value === undefined) {
      throw new SparkbaasError('write_failed', `${ENV_FILE}: ${key} has no value in the file (it is inherited from the shell), so ${copy.path} cannot hold it.`, {
        hint: `Write ${key}=<value> in ${ENV_FILE}, or delete its line to have a value generated.`,
      })
    }
    // Named without its value: the message may be printed or logged.
    if (/[\r\n]/.test(value)) {
      throw new SparkbaasError('write_failed', `${ENV_FILE}: ${key} holds a line break, which ${copy.path} cannot carry (kustomize reads one KEY=value per line).`, {
        hint: `Put ${key} on one line in ${ENV_FILE}, or keep it in a Secret of your own and name it in kubernetes.existingSecret.`,
      })
    }
    const line = `${key}=${value}`
    if (Buffer.byteLength(line) > MAX_LINE) {
      throw new SparkbaasError('write_failed', `${ENV_FILE}: ${key} is longer than the 64 KiB line kustomize reads from ${copy.path}.`, {
        hint: `Keep ${key} in a Secret of your own and name it in kubernetes.existingSecret.`,
      })
    }
    lines.push(line)
  }
  return `${lines.join('\n')}\n`
}
