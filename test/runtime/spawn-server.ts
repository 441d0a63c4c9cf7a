import { spawn, type ChildProcess } from 'node:child_process'

/** A server script running as a real child process, listening on 127.0.0.1 on a port the OS picked. */
export interface RunningServer {
  child: ChildProcess
  baseUrl: string
  /** Everything the process wrote so far. */
  stdout(): string
  stderr(): string
  /** Resolves with the exit code (or signal name) once the process is gone. */
  exited: Promise<number | string | null>
  /** SIGKILL it if still running (test teardown). */
  kill(): Promise<void>
}

/**
 * Start `node <script>` with PORT=0 (the OS picks a free port, so parallel test files never collide), read the
 * real port from its "listening on 127.0.0.1:<port>" line, then wait until `/_health` answers 200.
 */
export async function startServer(script: string, env: Record<string, string>): Promise<RunningServer> {
  const child = spawn(process.env.SPARKBAAS_TEST_NODE || process.execPath, [script], {
    env: { PATH: process.env.PATH ?? '', ...env, HOST: '127.0.0.1', PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk))
  const exited = new Promise<number | string | null>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? signal))
  })

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}\n${err}`)), 5_000)
    const onData = () => {
      const match = /listening on 127\.0\.0\.1:(\d+)/.exec(out)
      if (match) {
        clearTimeout(timer)
        child.stdout!.off('data', onData)
        resolve(Number(match[1]))
      }
    }
    child.stdout!.on('data', onData)
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`server exited with ${code} before listening:\n${out}\n${err}`))
    })
  })
  const baseUrl = `http://127.0.0.1:${port}`

  const deadline = Date.now() + 5_000
  for (;;) {
    try {
      const res = await fetch(`${baseUrl}/_health`)
      if (res.status === 200) break
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`/_health never answered 200:\n${out}\n${err}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }

  return {
    child,
    baseUrl,
    stdout: () => out,
    stderr: () => err,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      await exited
    },
  }
}
