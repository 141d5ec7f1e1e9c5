import type { ClickHouseClient } from '@clickhouse/client'

/**
 * ClickHouse runs in-process (chdb), so there is no server to stop. "ClickHouse down" is a switch on
 * the sink's client, used by the suite only: while it is on, every call fails as a refused connection
 * to a ClickHouse server does (`ECONNREFUSED`), which the sink classifies and retries like the real one.
 */
export interface ClickHouseSwitch {
  readonly client: ClickHouseClient
  down(): void
  up(): void
  /** Calls refused while down. */
  readonly refused: () => number
}

const FAILING = new Set(['insert', 'command', 'query', 'exec', 'ping'])

export function switchableClickHouse(real: ClickHouseClient): ClickHouseSwitch {
  let isDown = false
  let refused = 0
  const client = new Proxy(real, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown
      if (typeof property !== 'string' || !FAILING.has(property) || typeof value !== 'function') return value
      return (...args: unknown[]) => {
        if (isDown) {
          refused++
          const error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123 (fault injected)'), {
            code: 'ECONNREFUSED',
          })
          return Promise.reject(error)
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args)
      }
    },
  })
  return {
    client,
    down: () => void (isDown = true),
    up: () => void (isDown = false),
    refused: () => refused,
  }
}
