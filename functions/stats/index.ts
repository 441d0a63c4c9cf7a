// POST /fn/stats with a JSON array of numbers → their count, mean and max.
export default async function stats(request: Request): Promise<Response> {
  if (request.method !== 'POST') {
    return Response.json({ error: 'POST a JSON array of numbers' }, { status: 405 })
  }
  const body: unknown = await request.json().catch(() => null)
  if (!Array.isArray(body) || !body.every((n) => typeof n === 'number')) {
    return Response.json({ error: 'expected a JSON array of numbers' }, { status: 400 })
  }
  const count = body.length
  const mean = count === 0 ? 0 : body.reduce((a, b) => a + b, 0) / count
  return Response.json({ count, mean, max: count === 0 ? null : Math.max(...body) })
}
