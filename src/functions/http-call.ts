/**
 * One HTTP request to Traefik on this machine with the route's host in the Host header (and, over TLS, in SNI), so
 * `<host>.<domain>` need not resolve. node:http rather than fetch: fetch sets Host from the URL and ignores ours.
 */
import { request as httpRequest, STATUS_CODES, type IncomingHttpHeaders } from 'node:http'
import { request as httpsRequest } from 'node:https'

export interface HttpCall {
  /** Where to connect and what to ask for: `http://127.0.0.1:8080/fn/hello?x=1`. */
  readonly url: URL
  /** The Host header (and the TLS server name). */
  readonly host: string
  readonly method: string
  readonly headers: readonly (readonly [string, string])[]
  readonly body?: string
  /** Check the certificate: off for a self-signed one (the stack's own). */
  readonly verifyTls: boolean
  readonly timeoutMs: number
}

export interface HttpReply {
  readonly status: number
  readonly statusText: string
  /** Lowercase names; `set-cookie` is a list, other repeated headers are joined with `, ` (as node:http does). */
  readonly headers: Readonly<Record<string, string | string[]>>
  readonly body: Buffer
}

/** Resolves with the reply whatever its status; rejects with node's error (`code` ECONNREFUSED, ETIMEDOUT, …). */
export function httpCall(call: HttpCall): Promise<HttpReply> {
  const headers: Record<string, string | string[]> = {}
  for (const [name, value] of call.headers) {
    const key = name.toLowerCase()
    const had = headers[key]
    headers[key] = had === undefined ? value : [had, value].flat()
  }
  headers.host = call.host
  if (call.body !== undefined) headers['content-length'] = String(Buffer.byteLength(call.body))
  const https = call.url.protocol === 'https:'
  const options = { method: call.method, headers, ...(https ? { servername: call.host, rejectUnauthorized: call.verifyTls } : {}) }
  return new Promise((resolve, reject) => {
    const req = (https ? httpsRequest : httpRequest)(call.url, options, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('error', reject)
      res.on('end', () => {
        const status = res.statusCode ?? 0
        resolve({ status, statusText: res.statusMessage || STATUS_CODES[status] || '', headers: plainHeaders(res.headers), body: Buffer.concat(chunks) })
      })
    })
    req.setTimeout(call.timeoutMs, () => req.destroy(Object.assign(new Error(`no answer within ${call.timeoutMs} ms`), { code: 'ETIMEDOUT' })))
    req.on('error', reject)
    req.end(call.body)
  })
}

function plainHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) out[name] = value
  return out
}
