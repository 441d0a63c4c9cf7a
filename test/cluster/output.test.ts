/** The pure readers of src/cluster/: secrets.env.example, secrets.env as kustomize reads it, kubectl apply's lines, kubectl's errors. */
import { describe, expect, test } from 'vitest'
import { parseApplied } from '../../src/cluster/apply.js'
import { clusterError, kubectlArgv, kubectlCommand } from '../../src/cluster/kubectl.js'
import { envFileKeys, parseSecretsExample } from '../../src/cluster/output.js'
import type { ProcessResult } from '../../src/engine/process.js'

describe('parseSecretsExample', () => {
  test('each KEY= line with the comment lines just above it; a blank line ends a comment; a value is ignored', () => {
    const text = ['# not about anything', '', '# Password of', '#   the superuser', 'POSTGRES_PASSWORD=', 'NO_COMMENT=example-value', '# `${x}` "quoted"', 'A_B=', 'A_B=', ''].join('\n')
    expect(parseSecretsExample(text)).toEqual([
      { key: 'POSTGRES_PASSWORD', description: 'Password of the superuser' },
      { key: 'NO_COMMENT', description: '' },
      { key: 'A_B', description: '`${x}` "quoted"' },
    ])
    expect(parseSecretsExample('\r\n# w\r\nK=\r\n')).toEqual([{ key: 'K', description: 'w' }])
  })
})

describe('envFileKeys: what kustomize reads (kubernetes-sigs/kustomize api/kv/kv.go, keyValuesFromLine)', () => {
  test('leading blanks dropped, # lines skipped, key to the first =, the rest verbatim; no = is an empty value', () => {
    const keys = envFileKeys('\uFEFFA=1\n  B=\n# C=3\nD\nE="" \nF==\n\t G=x=y\r\n')
    expect(Object.fromEntries([...keys].map(([k, v]) => [k, v.empty]))).toEqual({ A: false, B: true, D: true, E: false, F: false, G: false })
  })
})

describe('parseApplied', () => {
  test("kubectl apply's `<kind>.<group>/<name> <action>` lines, dry-run suffix kept", () => {
    expect(parseApplied('service/postgres serverside-applied\ndeployment.apps/api unchanged (server dry run)\n\n')).toEqual([
      { object: 'service/postgres', action: 'serverside-applied' },
      { object: 'deployment.apps/api', action: 'unchanged (server dry run)' },
    ])
  })
})

describe('kubectl', () => {
  test('SPARKBAAS_KUBECTL replaces the program; --context and --kubeconfig come before the command', () => {
    expect(kubectlCommand({})).toEqual(['kubectl'])
    expect(kubectlCommand({ SPARKBAAS_KUBECTL: '  ' })).toEqual(['kubectl'])
    expect(kubectlArgv({ context: "it's $prod", kubeconfig: '/k c' }, ['get', 'pods'], { SPARKBAAS_KUBECTL: 'minikube kubectl --' })).toEqual([
      'minikube',
      'kubectl',
      '--',
      '--context',
      "it's $prod",
      '--kubeconfig',
      '/k c',
      'get',
      'pods',
    ])
  })

  const failed = (stderr: string): ProcessResult => ({ argv: ['kubectl'], exitCode: 1, stdout: '', stderr, spawnError: undefined, shown: false, cause: undefined })

  test('only the connection and login errors are the cluster\'s (exit 4); others are left to the caller', () => {
    expect(clusterError({}, failed('Error from server (NotFound): namespaces "x" not found'))).toBeUndefined()
    expect(clusterError({}, failed('error: context "nope" does not exist'))).toBeUndefined()
    const refused = clusterError({ context: 'kind' }, failed('E1205 memcache.go:265] couldn\'t get current server API group list\nThe connection to the server localhost:8080 was refused - did you specify the right host or port?\n'))
    expect(refused?.exitCode).toBe(4)
    expect(refused?.message).toBe('The cluster of context kind cannot be reached: The connection to the server localhost:8080 was refused - did you specify the right host or port?')
  })
})
