import anyTest from 'ava'
import { integrationTest, kafkaBrokers, servicesRequired } from '@oxagry/testkit'
import { backendContract } from '../testing/backend-contract.ts'
import { RdKafkaBackend } from './backend.ts'
import { rdkafkaAvailable } from './client.ts'

if (rdkafkaAvailable()) {
  const test = await integrationTest('kafka')
  backendContract(test, () => () => new RdKafkaBackend({ brokers: kafkaBrokers(), sessionTimeoutMs: 6000 }), {
    settleMs: 20_000,
    caughtUpAtDelivery: false,
    fetchedEnds: true,
  })
} else if (servicesRequired()) {
  // CI builds node-rdkafka (tools/stack/install-system.sh installs what the build needs): its absence there
  // is a failure, not a reason to skip.
  anyTest('the librdkafka backend passes the backend contract', (t) => {
    t.fail('node-rdkafka is not installed: its native build failed during npm ci')
  })
} else {
  anyTest.skip(
    'the librdkafka backend passes the backend contract [skipped: node-rdkafka is not installed]',
    () => {},
  )
}
