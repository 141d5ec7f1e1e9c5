import { randomUUID } from 'node:crypto'
import { createRequire } from 'node:module'
import { eventually, integrationTest, kafkaBrokers } from '@oxagry/testkit'
import { KafkaJsBackend } from './backend.ts'

const test = await integrationTest('kafka')

// kafkajs' broker connection, shared with the client the backend builds (one module cache): the test
// wraps its calls to see the member ids a join sends and gets, and makes one fetch and one leave fail
// as they fail while the broker is away.
const require = createRequire(import.meta.url)
interface JoinArgs {
  readonly groupId: string
  readonly memberId?: string
}
const Broker = require('kafkajs/src/broker/index.js') as {
  prototype: {
    joinGroup(args: JoinArgs): Promise<{ memberId: string }>
    fetch(args: unknown): Promise<unknown>
    leaveGroup(args: { groupId: string }): Promise<unknown>
  }
}
const { KafkaJSConnectionError, KafkaJSNonRetriableError } = require('kafkajs/src/errors.js') as {
  KafkaJSConnectionError: new (message: string) => Error
  KafkaJSNonRetriableError: new (error: Error, options: { cause: Error }) => Error
}

test('a kafkajs member restarted after a crash that could not leave its group rejoins as the member it was', async (t) => {
  const topic = `it-restart-${randomUUID().slice(0, 8)}`
  const groupId = `it-restart-${randomUUID().slice(0, 8)}`
  const joins: { sent: string; got: string }[] = []
  let failFetch = false
  let failLeave = false
  // Class methods are not enumerable: each is kept by name, and put back after.
  const original = {
    joinGroup: Broker.prototype.joinGroup,
    fetch: Broker.prototype.fetch,
    leaveGroup: Broker.prototype.leaveGroup,
  }
  Broker.prototype.joinGroup = async function (args) {
    const answer = await original.joinGroup.call(this, args)
    if (args.groupId === groupId) joins.push({ sent: args.memberId ?? '', got: answer.memberId })
    return answer
  }
  Broker.prototype.fetch = async function (args) {
    if (failFetch) {
      failFetch = false
      // What kafkajs' fetch loop gives up with when the broker is gone; it restarts on its cause.
      const cause = new KafkaJSConnectionError('Connection error (injected)')
      throw new KafkaJSNonRetriableError(cause, { cause })
    }
    return original.fetch.call(this, args)
  }
  Broker.prototype.leaveGroup = async function (args) {
    if (failLeave && args.groupId === groupId) {
      failLeave = false
      throw new KafkaJSConnectionError('Connection error (injected)')
    }
    return original.leaveGroup.call(this, args)
  }
  t.teardown(() => Object.assign(Broker.prototype, original))

  const backend = new KafkaJsBackend({
    brokers: kafkaBrokers(),
    clientId: 'it-restart',
    sessionTimeoutMs: 10_000,
  })
  t.teardown(() => backend.close())
  const admin = await backend.admin()
  await admin.createTopics([{ name: topic, partitions: 1, config: {} }])
  await admin.close()
  const consumer = backend.consumer({ groupId, clientId: 'it-restart-consumer', readCommitted: false })
  let assignments = 0
  await consumer.run([topic], {
    onRevoked: async () => {},
    onAssigned: async () => void assignments++,
    eachBatch: async () => {},
  })
  await eventually(async () => (assignments >= 1 ? true : undefined), {
    what: 'the first join',
    timeoutMs: 30_000,
  })
  const first = joins.at(-1)!.got
  failLeave = true
  failFetch = true
  await eventually(async () => (assignments >= 2 ? true : undefined), {
    what: 'the join after the restart',
    timeoutMs: 30_000,
  })
  const rejoin = joins.at(-1)!
  t.is(rejoin.sent, first, 'the restarted consumer asks to join as the member it was')
  t.is(rejoin.got, first)
  await consumer.stop()
})
