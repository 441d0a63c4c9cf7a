/** The small pieces every compose service builder shares (services.ts, jobs.ts): values, healthchecks, defaults. */
import type { ImageKey } from './images.js'
import type { HealthcheckModel, ValuePart } from './types.js'

export type Images = Readonly<Record<ImageKey, string>>

/** Networks: Traefik reaches routed services on `edge`; `backend` carries the database; `spark` is Spark's own. */
export const EDGE = 'edge'
export const BACKEND = 'backend'
export const SPARK = 'spark'

export const text = (value: string): ValuePart[] => [{ text: value }]
export const ref = (key: string): ValuePart => ({ ref: key })
export const env = (entries: Record<string, ValuePart[]>) =>
  Object.keys(entries)
    .sort()
    .map((key) => ({ key, value: entries[key] ?? [] }))

export const health = (test: string[], startPeriod = '10s'): HealthcheckModel => ({
  test,
  interval: '5s',
  timeout: '5s',
  retries: 20,
  startPeriod,
})

/**
 * A TCP probe for images without curl or wget (Keycloak, Spark): bash's /dev/tcp. `expect` is a fixed string, or an
 * extended regular expression when `regex` is set; it must hold no single quote.
 */
export const httpProbe = (port: number, path: string, expect: string, regex = false) => [
  'CMD',
  'bash',
  '-c',
  `exec 3<>/dev/tcp/127.0.0.1/${port} && printf 'GET ${path} HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && grep -${regex ? 'E' : ''}q '${expect}' <&3`,
]

export const nodeProbe = (port: number) => [
  'CMD',
  'node',
  '-e',
  `fetch('http://127.0.0.1:${port}/_health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
]

export const base = {
  command: undefined,
  ports: [],
  dependsOn: [],
  volumes: [],
  noNewPrivileges: true,
} as const
