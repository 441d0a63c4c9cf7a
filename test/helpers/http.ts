import { request } from 'node:http'

/**
 * An HTTP/1.1 request with node:http rather than fetch, which always sends its own Host header (the URL's) and
 * ignores a given one: tests that must send what Traefik sends (the public host, `passHostHeader: true`) use this.
 * Header values may repeat: `[name, value]` pairs are sent in order, each on its own line.
 */
export function send(
  url: string,
  options: { readonly method?: string; readonly headers?: Record<string, string> | readonly (readonly [string, string])[] } = {},
): Promise<Response> {
  const target = new URL(url)
  const pairs = Array.isArray(options.headers) ? options.headers : Object.entries(options.headers ?? {})
  return new Promise((resolve, reject) => {
    const req = request(
      { host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: options.method ?? 'GET', headers: pairs.flat() as string[], setHost: !pairs.some(([name]) => name.toLowerCase() === 'host') },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => {
          const headers = new Headers()
          for (let i = 0; i < res.rawHeaders.length; i += 2) headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!)
          const status = res.statusCode ?? 0
          resolve(new Response(status === 204 || status === 304 ? null : Buffer.concat(chunks), { status, headers }))
        })
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end()
  })
}
