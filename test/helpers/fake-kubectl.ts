/**
 * A fake `kubectl` for the tests of `sparkbaas k8s` and `secrets check`: no cluster runs on CI machines. A small Node
 * script that appends its argv as one JSON line to a log and answers as kubectl 1.31 would, steered by environment
 * variables the test sets:
 *
 * - FAKE_KUBECTL_SCENARIO: `ok` (default); `refused` / `unreachable` (every call fails as when the API server refuses
 *   the connection / cannot be reached), `unauthorized` (as when the credentials are refused), `conflict` (apply
 *   fails with a server-side apply conflict). The wording is kubectl's `StandardErrorMessage`
 *   (kubernetes/kubectl pkg/cmd/util/helpers.go) and its apply conflict (pkg/cmd/apply/apply.go);
 * - FAKE_KUBECTL_OBJECTS: what `apply` applies, one `<kind>.<group>/<name>` a line; FAKE_KUBECTL_WARNING: a line
 *   `apply` also prints on stderr, as kubectl passes on the API server's warnings;
 * - FAKE_KUBECTL_GET: the JSON List `get deployments,statefulsets,jobs,pods` prints;
 * - FAKE_KUBECTL_SECRETS: the JSON List of the namespace's Secrets, for `get secrets` and `get secret <name>`.
 *
 * `apply` checks its flags as kubectl's `ApplyOptions.Validate` does (--dry-run=client and --force-conflicts with
 * or without --server-side), so a test cannot pass with a call the real kubectl would refuse.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const SCRIPT = String.raw`
const fs = require('node:fs')
const args = process.argv.slice(2)
const env = process.env
if (env.FAKE_KUBECTL_LOG) fs.appendFileSync(env.FAKE_KUBECTL_LOG, JSON.stringify(['kubectl', ...args]) + '\n')
const out = (text) => process.stdout.write(text + '\n')
const fail = (text, code = 1) => { process.stderr.write(text + '\n'); process.exit(code) }
const scenario = env.FAKE_KUBECTL_SCENARIO || 'ok'
if (scenario === 'refused') fail('The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?')
if (scenario === 'unreachable') fail('Unable to connect to the server: dial tcp: lookup k8s.example.internal: no such host')
if (scenario === 'unauthorized') fail('error: You must be logged in to the server (Unauthorized)')
// k3s kubectl …, microk8s kubectl …: the wrapper's own word first.
let rest = args[0] === 'kubectl' ? args.slice(1) : args
while (['--context', '--kubeconfig'].includes(rest[0])) rest = rest.slice(2)
const [command, ...options] = rest
const flag = (name) => options.includes(name)
const value = (name) => { const at = options.indexOf(name); return at === -1 ? undefined : options[at + 1] }
const list = (text) => JSON.parse(text || '{"apiVersion":"v1","kind":"List","items":[]}')
switch (command) {
  case 'apply': {
    const serverSide = flag('--server-side')
    const dryRun = (options.find((o) => o.startsWith('--dry-run=')) || '').slice('--dry-run='.length)
    if (flag('--force-conflicts') && !serverSide) fail('error: --force-conflicts only works with --server-side')
    if (dryRun === 'client' && serverSide) fail("error: --dry-run=client doesn't work with --server-side (did you mean --dry-run=server instead?)")
    if (scenario === 'conflict' && !flag('--force-conflicts')) {
      fail('error: Apply failed with 1 conflict: conflict with "kubectl-scale" using apps/v1: .spec.replicas\nPlease review the fields above--they currently have other managers.')
    }
    if (env.FAKE_KUBECTL_WARNING) process.stderr.write(env.FAKE_KUBECTL_WARNING + '\n')
    const objects = (env.FAKE_KUBECTL_OBJECTS || '').split('\n').filter(Boolean)
    const suffix = dryRun === 'server' ? ' (server dry run)' : dryRun === 'client' ? ' (dry run)' : ''
    for (const object of objects) out(object + ' ' + (serverSide ? 'serverside-applied' : 'created') + suffix)
    process.exit(0)
  }
  case 'get': {
    const [what, name] = options
    if (what === 'secrets') { out(JSON.stringify(list(env.FAKE_KUBECTL_SECRETS))); process.exit(0) }
    if (what === 'secret') {
      const found = list(env.FAKE_KUBECTL_SECRETS).items.find((item) => item.metadata.name === name)
      if (found) { out(JSON.stringify(found)); process.exit(0) }
      if (flag('--ignore-not-found')) process.exit(0)
      fail('Error from server (NotFound): secrets "' + name + '" not found')
    }
    out(JSON.stringify(list(env.FAKE_KUBECTL_GET)))
    process.exit(0)
  }
  default:
    fail('error: unknown command "' + command + '" for "kubectl"')
}
`

export interface FakeKubectl {
  /** The folder to put on PATH. */
  readonly bin: string
  /** Every call as `["kubectl", ...argv]`, in order. */
  calls(): string[][]
  /** Environment for the CLI child process: PATH with the fake first, the log. */
  env(extra?: Record<string, string>): Record<string, string>
  remove(): void
}

/** A fake kubectl; `name` is the program's file name (for a SPARKBAAS_KUBECTL override). */
export function fakeKubectl(name = 'kubectl'): FakeKubectl {
  const dir = mkdtempSync(join(tmpdir(), 'sparkbaas-fake-kubectl-'))
  const bin = join(dir, 'bin')
  mkdirSync(bin)
  const file = join(bin, name)
  writeFileSync(file, `#!${process.execPath}\n${SCRIPT}`)
  chmodSync(file, 0o755)
  const log = join(dir, 'calls.jsonl')
  return {
    bin,
    calls: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as string[]) : []),
    env: (extra = {}) => ({ FAKE_KUBECTL_LOG: log, ...extra }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  }
}

const LABELS = (project: string, name: string) => ({ 'app.kubernetes.io/part-of': project, 'app.kubernetes.io/managed-by': 'sparkbaas', 'app.kubernetes.io/name': name })

/** A Deployment as the API server returns it; by default rolled out, every replica ready. */
export function deployment(name: string, s: { replicas?: number; ready?: number; updated?: number; available?: number; generation?: number; observed?: number; deadlineExceeded?: boolean } = {}) {
  const replicas = s.replicas ?? 1
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, generation: s.generation ?? 1, labels: LABELS('demo', name) },
    spec: { replicas },
    status: {
      observedGeneration: s.observed ?? 1,
      replicas,
      updatedReplicas: s.updated ?? replicas,
      readyReplicas: s.ready ?? replicas,
      availableReplicas: s.available ?? s.ready ?? replicas,
      conditions: s.deadlineExceeded ? [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] : [{ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' }],
    },
  }
}

export function statefulSet(name: string, s: { replicas?: number; ready?: number; updateRevision?: string } = {}) {
  const replicas = s.replicas ?? 1
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, generation: 1, labels: LABELS('demo', name) },
    spec: { replicas },
    status: { observedGeneration: 1, replicas, readyReplicas: s.ready ?? replicas, currentRevision: `${name}-1`, updateRevision: s.updateRevision ?? `${name}-1` },
  }
}

export function job(name: string, state: 'complete' | 'failed' | 'running') {
  const conditions = state === 'complete' ? [{ type: 'Complete', status: 'True' }] : state === 'failed' ? [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] : []
  return { apiVersion: 'batch/v1', kind: 'Job', metadata: { name, generation: 1, labels: LABELS('demo', name) }, spec: { completions: 1 }, status: { succeeded: state === 'complete' ? 1 : 0, conditions } }
}

/** A pod of workload `name`, with one container waiting for `reason` (or running). */
export function pod(name: string, waiting?: string) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${name}-7d9f8b6c5d-x2x4q`, labels: LABELS('demo', name) },
    status: { phase: waiting ? 'Pending' : 'Running', containerStatuses: [{ name, state: waiting ? { waiting: { reason: waiting, message: '…' } } : { running: {} } }] },
  }
}

export function secret(name: string, data: Record<string, string>, created = '2026-12-01T10:00:00Z') {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, creationTimestamp: created }, type: 'Opaque', data }
}

export const kubeList = (...items: object[]): string => JSON.stringify({ apiVersion: 'v1', kind: 'List', items })
