import { integrationTest, kafkaBrokers } from '@oxagry/testkit'
import { backendContract } from '../testing/backend-contract.ts'
import { KafkaJsBackend } from './backend.ts'

const test = await integrationTest('kafka')

backendContract(test, () => () => new KafkaJsBackend({ brokers: kafkaBrokers(), sessionTimeoutMs: 6000 }), {
  settleMs: 20_000,
  fetchedEnds: true,
})
