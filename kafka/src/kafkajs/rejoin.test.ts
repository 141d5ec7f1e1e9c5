import { createRequire } from 'node:module'
import test from 'ava'

// kafkajs' runner, as patched at install (patches/kafkajs+2.2.4.patch), driven with a fake consumer
// group: the broker's side of a rebalance after a restart, where the first join meets a coordinator
// still loading the group.
const require = createRequire(import.meta.url)
const Runner = require('kafkajs/src/consumer/runner.js') as new (options: object) => {
  start(): Promise<void>
  stop(): Promise<void>
}
const { createLogger, LEVELS } = require('kafkajs/src/loggers') as {
  createLogger(options: object): unknown
  LEVELS: Record<string, number>
}
const { createErrorFromCode } = require('kafkajs/src/protocol/error.js') as {
  createErrorFromCode(code: number): Error
}

const REBALANCE_IN_PROGRESS = 27
const COORDINATOR_LOAD_IN_PROGRESS = 14

test('a rebalance whose join fails is joined again before the member fetches on: it never fetches for an assignment the rebalance took away', async (t) => {
  const calls: string[] = []
  let joins = 0
  let fetches = 0
  const group = {
    groupId: 'g',
    memberId: 'm',
    connect: async () => {},
    getNodeIds: () => [1],
    joinAndSync: async () => {
      joins++
      calls.push('join')
      // The second join, the rebalance's: the coordinator is still loading the group.
      if (joins === 2) throw createErrorFromCode(COORDINATOR_LOAD_IN_PROGRESS)
    },
    fetch: async () => {
      fetches++
      calls.push('fetch')
      if (fetches === 1) throw createErrorFromCode(REBALANCE_IN_PROGRESS)
      await new Promise((resolve) => setTimeout(resolve, 5))
      return []
    },
    heartbeat: async () => {},
    commitOffsetsIfNecessary: async () => {},
    leave: async () => {},
  }
  const crashes: unknown[] = []
  const runner = new Runner({
    logger: createLogger({ level: LEVELS.NOTHING, logCreator: () => () => {} }),
    consumerGroup: group,
    instrumentationEmitter: { emit: () => {} },
    eachBatch: async () => {},
    heartbeatInterval: 3000,
    onCrash: (error: unknown) => void crashes.push(error),
    retry: { initialRetryTime: 1, maxRetryTime: 5, retries: 5 },
    autoCommit: false,
    concurrency: 1,
  })
  await runner.start()
  while (fetches < 3 && crashes.length === 0) await new Promise((resolve) => setTimeout(resolve, 5))
  await runner.stop()
  t.deepEqual(crashes, [])
  t.deepEqual(
    calls.slice(0, 5),
    ['join', 'fetch', 'join', 'join', 'fetch'],
    'the failed join is tried again before any fetch',
  )
})
