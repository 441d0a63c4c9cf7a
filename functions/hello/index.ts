// GET /fn/hello?name=Ada → { "message": "Hello, Ada!" }
export default function hello(request: Request): { message: string } {
  const name = new URL(request.url).searchParams.get('name') ?? 'world'
  const greeting = process.env.GREETING ?? 'Hello'
  return { message: `${greeting}, ${name}!` }
}
