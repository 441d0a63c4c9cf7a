/**
 * The host ports Traefik publishes, from the config's `ports`. Traefik's entry points listen on the same numbers
 * inside the container and compose publishes `<port>:<port>`: Traefik builds the HTTP→HTTPS redirect from the
 * port in the websecure entry point's address (traefik/traefik pkg/provider/traefik/internal.go,
 * getEntryPointPort), so a container port that differs from the host port would redirect to the wrong one.
 */
import type { ParsedConfig } from '../config/schema.js'

/** The config paths of the web ports, as messages name them. */
export const WEB_KEYS = { http: 'ports.http', https: 'ports.https' } as const

/** Where Traefik answers its own health check; moved up when a web port takes it. Never published. */
const PING_PORTS = [8082, 8083, 8084] as const

export interface WebPorts {
  readonly http: number
  /** Undefined when TLS is off: nothing listens for HTTPS then. */
  readonly https: number | undefined
  readonly ping: number
}

export function webPorts(config: ParsedConfig): WebPorts {
  const http = config.ports.http
  const https = config.tls === 'off' ? undefined : config.ports.https
  const ping = PING_PORTS.find((p) => p !== http && p !== https)!
  return { http, https, ping }
}

/** `:8443`, or `''` for a scheme's own port (80 for http, 443 for https): URLs leave that one out. */
export function portSuffix(config: ParsedConfig): string {
  const { http, https } = webPorts(config)
  const port = https ?? http
  return port === (https === undefined ? 80 : 443) ? '' : `:${port}`
}
