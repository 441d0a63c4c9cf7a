/**
 * Every kubectl call sparkbaas makes is built by {@link kubectlArgv}: `--context` and `--kubeconfig` go first when
 * the user gave them, then `-n <namespace>` for calls about the stack's objects, so a call never depends on which
 * namespace the current context happens to default to. `SPARKBAAS_KUBECTL` (e.g. `"minikube kubectl --"`,
 * `"microk8s kubectl"`) replaces the program, as `SPARKBAAS_COMPOSE` replaces compose.
 *
 * kubectl is not probed first (compose is, for its plugin and v1): a missing program shows as ENOENT on the one
 * call that is made anyway, so the probe would be a process spent for nothing.
 */
import { SparkbaasError } from '../errors.js'
import { commandFailed, runProcess, type OutputMode, type ProcessResult } from '../engine/process.js'

export const KUBECTL_ENV = 'SPARKBAAS_KUBECTL'

/** Which cluster a call talks to: kubectl's own choice (current context, $KUBECONFIG) unless these say otherwise. */
export interface ClusterTarget {
  readonly context?: string
  readonly kubeconfig?: string
}

/** The words a call starts with: `["kubectl"]`, or the override split at blanks. */
export function kubectlCommand(env: NodeJS.ProcessEnv = process.env): string[] {
  const override = env[KUBECTL_ENV]?.trim()
  return override ? override.split(/\s+/) : ['kubectl']
}

/** `kubectl [--context C] [--kubeconfig F] <args…>` */
export function kubectlArgv(target: ClusterTarget, args: readonly string[], env: NodeJS.ProcessEnv = process.env): string[] {
  return [
    ...kubectlCommand(env),
    ...(target.context === undefined ? [] : ['--context', target.context]),
    ...(target.kubeconfig === undefined ? [] : ['--kubeconfig', target.kubeconfig]),
    ...args,
  ]
}

/**
 * Runs one kubectl call. A missing kubectl (exit 3) and an unreachable cluster or refused credentials (exit 4) are
 * reported here, for every command alike; any other failure is returned for the caller to explain.
 */
export async function runKubectl(target: ClusterTarget, args: readonly string[], output: OutputMode): Promise<ProcessResult> {
  const argv = kubectlArgv(target, args)
  const result = await runProcess(argv, { output })
  if (result.exitCode === 0) return result
  if (result.spawnError === 'ENOENT') throw kubectlMissing(argv[0]!)
  const unreachable = clusterError(target, result)
  if (unreachable) throw unreachable
  if (result.spawnError !== undefined) throw commandFailed(result)
  return result
}

/** {@link runKubectl}, with any failure reported as the command that ran and its exit code. */
export async function kubectlOrFail(target: ClusterTarget, args: readonly string[], output: OutputMode): Promise<ProcessResult> {
  const result = await runKubectl(target, args, output)
  if (result.exitCode !== 0) throw commandFailed(result)
  return result
}

function kubectlMissing(program: string): SparkbaasError {
  const override = process.env[KUBECTL_ENV]?.trim()
  if (override) {
    return new SparkbaasError('kubectl_missing', `${KUBECTL_ENV}="${override}" cannot be used: ${program} is not on PATH.`, {
      hint: `Fix or unset ${KUBECTL_ENV}; without it sparkbaas runs kubectl.`,
    })
  }
  return new SparkbaasError('kubectl_missing', 'kubectl is not on PATH: sparkbaas talks to Kubernetes through it.', {
    hint: `Install kubectl (https://kubernetes.io/docs/tasks/tools/), or set ${KUBECTL_ENV} to the command to use instead, e.g. ${KUBECTL_ENV}="minikube kubectl --".`,
  })
}

/**
 * kubectl's wording when it cannot reach the API server or the server refuses the credentials: `StandardErrorMessage`
 * in kubernetes/kubectl pkg/cmd/util/helpers.go. (A connection refused names the server; any other network error is
 * "Unable to connect to the server: …".)
 */
const UNREACHABLE = [/The connection to the server \S* was refused - did you specify the right host or port\?/, /Unable to connect to the server: /]
const UNAUTHORIZED = /error: You must be logged in to the server/

/** `cluster_unreachable` (exit 4) when the output says the cluster cannot be used from here, else undefined. */
export function clusterError(target: ClusterTarget, result: ProcessResult): SparkbaasError | undefined {
  const text = result.stderr
  const line = text.split('\n').find((l) => UNREACHABLE.some((p) => p.test(l)) || UNAUTHORIZED.test(l))?.trim()
  if (line === undefined) return undefined
  const which = target.context === undefined ? "kubectl's current context" : `context ${target.context}`
  if (UNAUTHORIZED.test(line)) {
    return new SparkbaasError('cluster_unreachable', `The cluster of ${which} refused the credentials: ${line}`, {
      hint: 'Log in again (your cloud provider\'s `get-credentials` command, or a fresh kubeconfig); `kubectl auth whoami` checks it.',
      cause: result.cause,
    })
  }
  return new SparkbaasError('cluster_unreachable', `The cluster of ${which} cannot be reached: ${line}`, {
    hint: 'Check the cluster is running and kubectl points at it: `kubectl config current-context`, `kubectl cluster-info`; or pass --context / --kubeconfig.',
    cause: result.cause,
  })
}
