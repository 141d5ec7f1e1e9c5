import test from 'ava'
import type { BackendAdmin } from '@oxagry/kafka'
import { FetchLag } from './fetch-lag.ts'

function admin(ends: () => Map<number, string>): BackendAdmin {
  return {
    partitionCounts: () => Promise.resolve(new Map()),
    createTopics: () => Promise.resolve(),
    endOffsets: () => Promise.resolve(ends()),
    close: () => Promise.resolve(),
  }
}

test('lag is unknown until the end is read, then the end minus the next offset to fetch', async (t) => {
  const lag = new FetchLag(10)
  lag.placed('t:0', '2')
  t.is(lag.lagOf('t:0'), undefined)
  await lag.look(
    admin(() => new Map([[0, '5']])),
    ['t:0'],
    100,
  )
  t.is(lag.lagOf('t:0'), 3)
  lag.fetched('t:0', '2')
  lag.fetched('t:0', '3')
  lag.fetched('t:0', '4')
  t.is(lag.lagOf('t:0'), 0)
})

test('a log that ends past its last record (markers) counts as caught up once its end stays put with nothing arriving', async (t) => {
  const lag = new FetchLag(10)
  lag.placed('t:0', '0')
  const ends = admin(() => new Map([[0, '4']]))
  await lag.look(ends, ['t:0'], 100)
  lag.fetched('t:0', '0')
  lag.fetched('t:0', '2') // offsets 1 and 3 are transaction markers
  t.is(lag.lagOf('t:0'), 1)
  await lag.look(ends, ['t:0'], 105) // within the interval: not asked again
  t.is(lag.lagOf('t:0'), 1)
  await lag.look(ends, ['t:0'], 120) // records arrived since the last look: still waiting
  t.is(lag.lagOf('t:0'), 1)
  await lag.look(ends, ['t:0'], 140) // same end, nothing new: caught up
  t.is(lag.lagOf('t:0'), 0)
})

test('a broker that cannot say where its logs end does not hold the task back', async (t) => {
  const lag = new FetchLag(10)
  lag.placed('t:0', '0')
  const failing: BackendAdmin = {
    ...admin(() => new Map()),
    endOffsets: () => Promise.reject(new Error('busy')),
  }
  await lag.look(failing, ['t:0'], 100)
  t.is(lag.lagOf('t:0'), 0)
})
