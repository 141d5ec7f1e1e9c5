import test from 'ava'
import { EXIT, main } from './cli.ts'

function io(env: NodeJS.ProcessEnv = {}) {
  const out: string[] = []
  const err: string[] = []
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), env } }
}

test('--help prints the usage and succeeds', async (t) => {
  const { out, io: streams } = io()
  t.is(await main(['--help'], streams), EXIT.OK)
  t.regex(out.join('\n'), /^Usage: npm run ops -- <command> \[options\]/)
})

test('a bad command line exits 2 with the problem, then the usage, on stderr', async (t) => {
  const { out, err, io: streams } = io()
  t.is(await main(['dead-letters', 'show', 'orders.dead-letters.v1', 'last'], streams), EXIT.USAGE)
  t.deepEqual(out, [])
  t.regex(err.join('\n'), /^give the dead letter as <partition>:<offset> \(0:42\), not last\n\nUsage:/)
})

test('an unknown $KAFKA_CLIENT is a usage error before anything connects', async (t) => {
  const { err, io: streams } = io({ KAFKA_CLIENT: 'librdkafka' })
  t.is(await main(['reset', 'orders-app', '--dry-run'], streams), EXIT.USAGE)
  t.regex(err[0] ?? '', /^\$KAFKA_CLIENT must be one of kafkajs, rdkafka, not librdkafka/)
})

test('bad connection settings are a typed failure naming the setting', async (t) => {
  const { err, io: streams } = io()
  t.is(await main(['reset', 'orders-app', '--brokers', 'no port'], streams), EXIT.FAILED)
  t.regex(err[0] ?? '', /^\[OXA_KAFKA_INVALID_CONFIG\] /)
})
