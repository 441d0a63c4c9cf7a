/**
 * A compose service's environment and command as a container's. Kubernetes expands `$(NAME)` in `env[].value`,
 * `command` and `args` with the container's earlier variables, and reads `$$` as one `$`; any other `$` stays
 * (kubernetes/kubernetes third_party/forked/golang/expansion/expand.go: Expand, tryReadVariableName). So:
 * - literal text has every `$` doubled, and comes out exactly as written;
 * - a value that is one `.env` reference reads that key of the Secret (`secretKeyRef`);
 * - a value mixing text and references (a database URL with its password) refers to helper variables, each a
 *   `secretKeyRef`, listed first so the expansion finds them: `postgres://u:$(SPARKBAAS_REF_PW)@postgres:5432/app`.
 * Probe commands are not expanded (the kubelet runs them as written), so they are not escaped.
 */
import type { EnvVar } from 'kubernetes-types/core/v1.js'
import { SparkbaasError } from '../../errors.js'
import type { ServiceModel, ValuePart } from '../../model/types.js'
import { byCodePoint } from '../../order.js'

export const REF_PREFIX = 'SPARKBAAS_REF_'

/** Literal text inside a value Kubernetes expands. */
export const escapeExpansion = (text: string): string => text.split('$').join('$$')

/** The container env of `environment`, reading `.env` references from the Secret `secretName`. */
export function containerEnv(service: Pick<ServiceModel, 'name' | 'environment'>, secretName: string): EnvVar[] {
  const secretVar = (name: string, key: string): EnvVar => ({ name, valueFrom: { secretKeyRef: { name: secretName, key } } })
  const helpers = new Set<string>()
  const vars: EnvVar[] = []
  for (const { key, value } of service.environment) {
    const only = value.length === 1 ? value[0]! : undefined
    if (only !== undefined && 'ref' in only) {
      vars.push(secretVar(key, only.ref))
      continue
    }
    vars.push({ name: key, value: value.map((part) => ('ref' in part ? `$(${helperName(part, helpers)})` : escapeExpansion(part.text))).join('') })
  }
  const names = new Set(service.environment.map((entry) => entry.key))
  const helperVars = [...helpers].sort(byCodePoint).map((key) => {
    const name = `${REF_PREFIX}${key}`
    if (names.has(name)) {
      throw new SparkbaasError('render_failed', `${service.name}: the variable ${name} is the service's own and the name of the helper that carries .env key ${key}.`, {
        hint: `Rename the variable ${name}.`,
      })
    }
    return secretVar(name, key)
  })
  return [...helperVars, ...vars]
}

function helperName(part: { readonly ref: string }, helpers: Set<string>): string {
  helpers.add(part.ref)
  return `${REF_PREFIX}${part.ref}`
}

/** The `.env` keys an environment reads. */
export const referencedKeys = (environment: readonly { readonly value: readonly ValuePart[] }[]): string[] =>
  environment.flatMap((entry) => entry.value.flatMap((part) => ('ref' in part ? [part.ref] : [])))

/**
 * A compose `command` as the container's `args` (compose's `command` replaces the image's CMD and keeps its
 * ENTRYPOINT, as `args` does). A string is split as compose splits it, shell-like but with no shell: blanks
 * separate words, quotes group them, a backslash escapes the next character (outside single quotes).
 */
export function containerArgs(service: Pick<ServiceModel, 'name' | 'command'>): string[] | undefined {
  if (service.command === undefined) return undefined
  const words = typeof service.command === 'string' ? splitCommand(service.command, service.name) : [...service.command]
  return words.map(escapeExpansion)
}

export function splitCommand(command: string, service: string): string[] {
  const words: string[] = []
  let word: string | undefined
  let quote: '"' | "'" | undefined
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!
    if (quote === "'") {
      if (c === "'") quote = undefined
      else word += c
    } else if (c === '\\' && i + 1 < command.length && (quote === undefined || '"\\$`'.includes(command[i + 1]!))) {
      word = (word ?? '') + command[++i]!
    } else if (quote === '"') {
      if (c === '"') quote = undefined
      else word += c
    } else if (c === '"' || c === "'") {
      quote = c
      word ??= ''
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word)
      word = undefined
    } else {
      word = (word ?? '') + c
    }
  }
  if (quote !== undefined) {
    throw new SparkbaasError('render_failed', `services.${service}.command: a ${quote === '"' ? 'double' : 'single'} quote is not closed.`, {
      hint: 'Close the quote, or write the command as an array of words.',
    })
  }
  if (word !== undefined) words.push(word)
  return words
}
