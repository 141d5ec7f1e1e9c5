import test from 'ava'
import { clusterId } from './kafka.ts'

test('a cluster id never starts with "-", which the storage tool would read as an option', (t) => {
  // 0xf8 encodes to '-' first in URL-safe base64.
  const draws = [Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0x01)]
  const id = clusterId(() => draws.shift() ?? Buffer.alloc(16, 0x02))
  t.false(id.startsWith('-'))
  t.is(id, Buffer.alloc(16, 0x01).toString('base64url'))
  t.is(Buffer.alloc(16, 0xf8).toString('base64url')[0], '-')
  for (let i = 0; i < 2000; i++) t.false(clusterId().startsWith('-'))
})
