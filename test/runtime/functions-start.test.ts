// When function processes start: with the runtime in a small project, on first request in a large one, so that a
// config of 2,000 functions does not start 2,000 Node processes (~40 MB each) at boot. Counted for real from
// /proc/<pid>/stat (proc(5): field 4 is the parent pid, after the command name in parentheses).
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from './spawn-server.js'

const SERVER = fileURLToPath(new URL('../../blueprints/functions/server.mjs', import.meta.url))
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/runtime/${name}/manifest.json`, import.meta.url))

function childrenOf(pid: number): number[] {
  const children: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let stat: string
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
    } catch {
      continue // the process ended while we looked
    }
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
    if (ppid === pid) children.push(Number(entry))
  }
  return children.sort((a, b) => a - b)
}

describe.runIf(process.platform === 'linux')('functions runtime: when function processes start', () => {
  let server: RunningServer | undefined
  afterEach(async () => {
    await server?.kill()
    server = undefined
  })

  it('starts every function with the runtime when there are at most 16 (the isolation fixture has 5)', async () => {
    server = await startServer(SERVER, { FUNCTIONS_MANIFEST: fixture('isolation') })
    expect(childrenOf(server.child.pid!)).toHaveLength(5)
  })

  it('starts none at boot when there are more than 16, then one per function on its first request', async () => {
    server = await startServer(SERVER, { FUNCTIONS_MANIFEST: fixture('many') })
    const runtime = server.child.pid!
    expect(childrenOf(runtime)).toEqual([])

    const first = await fetch(`${server.baseUrl}/f03`)
    expect(first.status).toBe(200)
    const { pid } = (await first.json()) as { pid: number }
    expect(childrenOf(runtime)).toEqual([pid])

    // The same function again: the same process. Another function: one more.
    expect(await (await fetch(`${server.baseUrl}/f03`)).json()).toEqual({ pid })
    expect((await fetch(`${server.baseUrl}/f16`)).status).toBe(200)
    expect(childrenOf(runtime)).toHaveLength(2)
  })
})
