import test from 'ava'
import { backendContract } from '../testing/backend-contract.ts'
import { MemoryBackend } from './backend.ts'
import { MemoryBroker } from './broker.ts'

backendContract(
  test,
  () => {
    const broker = new MemoryBroker()
    return () => new MemoryBackend(broker)
  },
  { settleMs: 2000 },
)
