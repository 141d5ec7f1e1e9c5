import { connect } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { STACK_ERROR_CODES, StackError } from './errors.ts'

export function portOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port })
    const done = (ok: boolean): void => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}

/** Polls a check until it passes, the process dies, or the timeout ends. */
export async function waitUntil(
  service: string,
  check: () => Promise<boolean>,
  options: { timeoutMs: number; alive?: () => boolean; logFile?: string },
): Promise<number> {
  const started = Date.now()
  for (;;) {
    if (await check().catch(() => false)) return Date.now() - started
    if (options.alive !== undefined && !options.alive()) {
      throw new StackError(
        STACK_ERROR_CODES.START_FAILED,
        service,
        `process exited while starting; see ${options.logFile}`,
      )
    }
    if (Date.now() - started > options.timeoutMs) {
      throw new StackError(
        STACK_ERROR_CODES.UNHEALTHY,
        service,
        `not healthy after ${options.timeoutMs} ms; see ${options.logFile}`,
      )
    }
    await sleep(250)
  }
}
