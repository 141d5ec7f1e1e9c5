import test from 'ava'
import type { Producer } from 'kafkajs'
import type { ProducedRecord } from '../types.ts'
import { KafkaJsProducer } from './producer.ts'

/** A kafkajs producer whose requests are answered when the test says. */
function stubProducer(): { producer: Producer; requests: string[][]; answer: () => void } {
  const requests: string[][] = []
  const answers: (() => void)[] = []
  const producer = {
    sendBatch: async (batch: { topicMessages: { messages: { key: Buffer | null }[] }[] }) => {
      requests.push(batch.topicMessages.flatMap((t) => t.messages.map((m) => String(m.key))))
      await new Promise<void>((resolve) => answers.push(resolve))
      return []
    },
  } as unknown as Producer
  return { producer, requests, answer: () => answers.shift()?.() }
}

const record = (key: string): ProducedRecord => ({
  topic: 't',
  partition: 0,
  key: Buffer.from(key),
  value: Buffer.from('v'),
  timestamp: 1,
  headers: {},
})

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

test('sends made while one is in flight go together in the next request, in call order', async (t) => {
  const { producer, requests, answer } = stubProducer()
  const kafka = new KafkaJsProducer(producer, false, () => undefined)
  const settled: string[] = []
  const first = kafka.send([record('a')]).then(() => settled.push('a'))
  await tick()
  t.deepEqual(requests, [['a']])
  const second = kafka.send([record('b'), record('c')]).then(() => settled.push('bc'))
  const third = kafka.send([record('d')]).then(() => settled.push('d'))
  await tick()
  t.deepEqual(requests, [['a']], 'nothing more is sent while a request is in flight')
  answer()
  await first
  await tick()
  t.deepEqual(requests, [['a'], ['b', 'c', 'd']])
  t.deepEqual(settled, ['a'], 'a send resolves only once its own records are acknowledged')
  answer()
  await Promise.all([second, third])
  t.deepEqual(settled, ['a', 'bc', 'd'])
})

test('a request that fails fails every send that went in it, and the next sends go on', async (t) => {
  const requests: number[] = []
  let calls = 0
  const producer = {
    sendBatch: async (batch: { topicMessages: { messages: unknown[] }[] }) => {
      requests.push(batch.topicMessages.flatMap((m) => m.messages).length)
      calls++
      if (calls === 2) throw new Error('broker says no')
      return []
    },
  } as unknown as Producer
  const kafka = new KafkaJsProducer(producer, false, () => undefined)
  const first = kafka.send([record('a')])
  await tick()
  const second = kafka.send([record('b')])
  const third = kafka.send([record('c')])
  await first
  await t.throwsAsync(second)
  await t.throwsAsync(third)
  await kafka.send([record('d')])
  t.deepEqual(requests, [1, 2, 1])
})
