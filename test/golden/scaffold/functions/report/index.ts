// The "report" function: the default export receives a Web-standard Request and returns a Response, or any
// JSON value (sent as 200 application/json). The path it sees is the part after its route's prefix.
//
//   curl -X POST 'http://api.localhost/fn/report' -H 'content-type: application/json' -d '{"hello":"world"}'
export default async function handler(request: Request): Promise<Response> {
  const url = new URL(request.url)
  const body: unknown = request.method === 'GET' || request.method === 'HEAD' ? null : await request.json().catch(() => null)
  return Response.json({ function: 'report', method: request.method, path: url.pathname, received: body })
}
