// A SparkBaaS function: the default export receives a Web-standard Request and returns a Response, or any
// JSON value (sent as 200 application/json). The same shape as Deno, Cloudflare Workers and Supabase Edge
// Functions. process.env holds the function's `env` from sparkbaas.config.ts.
//
//   curl 'http://api.localhost/fn/hello?name=Ada'   →   {"message":"Hello, Ada!"}
export default async function hello(request: Request): Promise<Response> {
  const name = new URL(request.url).searchParams.get('name') ?? 'world'
  const greeting = process.env.GREETING ?? 'Hello'
  return Response.json({ message: `${greeting}, ${name}!` })
}
