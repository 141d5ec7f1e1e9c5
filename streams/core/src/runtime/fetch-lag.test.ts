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

test("a client's position past the markers of its batch makes the lag exact at once", async (t) => {
  const lag = new FetchLag(10)
  lag.placed('t:0', '0')
  await lag.look(
    admin(() => new Map([[0, '4']])),
    ['t:0'],
    100,
  )
  lag.fetched('t:0', '0')
  lag.fetched('t:0', '2')
  t.is(lag.lagOf('t:0'), 1, 'without the client: the marker at 3 looks like a record on the way')
  lag.fetchedUpTo('t:0', '4')
  t.is(lag.lagOf('t:0'), 0)
  lag.fetchedUpTo('t:0', '2')
  t.is(lag.lagOf('t:0'), 0, 'a position never goes back by a late report')
})

test('one look reads the ends of every partition asked for, whichever task asked first', async (t) => {
  const lag = new FetchLag(10)
  lag.placed('a:0', '5')
  lag.placed('b:0', '7')
  const asked: string[] = []
  const ends: BackendAdmin = {
    ...admin(() => new Map()),
    endOffsets: (topic) => {
      asked.push(topic)
      return Promise.resolve(new Map([[0, topic === 'a' ? '9' : '7']]))
    },
  }
  await lag.look(ends, ['a:0', 'b:0'], 100)
  await lag.look(ends, ['b:0'], 105) // a second task within the interval: nothing asked
  t.deepEqual(asked.sort(), ['a', 'b'])
  t.is(lag.lagOf('a:0'), 4)
  t.is(lag.lagOf('b:0'), 0)
})

test("an end the client's fetch reached is known without a look; a longer interval keeps the broker from being asked", async (t) => {
  const lag = new FetchLag(10)
  lag.placed('t:0', '3')
  t.is(lag.lagOf('t:0'), undefined)
  lag.reached('t:0', '3', 100)
  t.is(lag.lagOf('t:0'), 0, 'caught up with what its fetch said')
  lag.reached('t:0', '6', 101)
  t.is(lag.lagOf('t:0'), 3, 'a later fetch reached further: records on the way')
  let asked = 0
  const counting = admin(() => {
    asked++
    return new Map([[0, '6']])
  })
  await lag.look(counting, ['t:1'], 3_000, 2_000)
  t.is(asked, 1)
  await lag.look(counting, ['t:1'], 4_000, 2_000)
  t.is(asked, 1, 'within the longer interval: not asked again')
  await lag.look(counting, ['t:1'], 5_100, 2_000)
  t.is(asked, 2)
})
