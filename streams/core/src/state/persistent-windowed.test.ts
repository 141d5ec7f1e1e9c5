import test from 'ava'
import { Serdes } from '@oxagry/kafka'
import { STREAMS_ERROR_CODES, type StreamsError } from '../errors.ts'
import type { Processor, ProcessorContext } from '../processor/api.ts'
import { TopologyTestDriver } from '../testing/topology-test-driver.ts'
import { Topology } from '../topology/topology.ts'
import type { SessionStore, WindowStore } from './store.ts'
import { Stores } from './stores.ts'

const S = Serdes.String()
const L = Serdes.Long()

/** Counts each key per 10 ms window and keeps one session per key spanning its records. */
function recorder(): Processor<string, string, string, string> {
  let windows: WindowStore<string, number>
  let sessions: SessionStore<string, number>
  return {
    init(context: ProcessorContext<string, string>) {
      windows = context.getStateStore('windows')
      sessions = context.getStateStore('sessions')
    },
    process(record) {
      const start = record.timestamp - (record.timestamp % 10)
      windows.put(record.key, (windows.fetch(record.key, start) ?? 0) + 1, start)
      const [found] = sessions.findSessions(record.key, record.timestamp - 5, record.timestamp + 5)
      const window = {
        start: Math.min(found?.key.window.start ?? record.timestamp, record.timestamp),
        end: Math.max(found?.key.window.end ?? record.timestamp, record.timestamp),
      }
      if (found !== undefined) sessions.remove(found.key)
      sessions.put({ key: record.key, window }, (found?.value ?? 0) + 1)
    },
  }
}

for (const persistent of [false, true]) {
  test(`${persistent ? 'persistent' : 'in-memory'} window and session stores answer alike, retention included`, (t) => {
    const make = persistent ? Stores.persistentWindowStore : Stores.inMemoryWindowStore
    const makeSession = persistent ? Stores.persistentSessionStore : Stores.inMemorySessionStore
    const topology = new Topology()
      .addSource('in', ['in'], { keySerde: S as never, valueSerde: S as never })
      .addProcessor('record', recorder, 'in')
      .addStateStore(make('windows', 30, { keySerde: S, valueSerde: L }), 'record')
      .addStateStore(makeSession('sessions', 30, { keySerde: S, valueSerde: L }), 'record')
    const driver = new TopologyTestDriver(topology)
    const input = driver.createInputTopic('in', S, S)
    for (const [k, ts] of [
      ['a', 1],
      ['a', 4],
      ['b', 12],
      ['a', 13],
      ['a', 16],
    ] as const)
      input.pipeInput(k, 'x', ts)
    const windows = driver.getWindowStore<string, number>('windows')
    const sessions = driver.getSessionStore<string, number>('sessions')
    t.is(windows.persistent, persistent)
    t.is(sessions.persistent, persistent)
    t.is(windows.fetch('a', 0), 2)
    t.deepEqual(
      windows.fetchRange('a', 0, 20).map((e) => [e.windowStart, e.value]),
      [
        [0, 2],
        [10, 2],
      ],
    )
    t.deepEqual(
      sessions.findSessions('a', 0, 100).map((s) => [s.key.window.start, s.key.window.end, s.value]),
      [
        [1, 4, 2],
        [13, 16, 2],
      ],
    )
    // Time moves to 45: windows starting at or before 40 - 30 = 10 and sessions ending at or before
    // 45 - 30 = 15 are gone from reads.
    input.pipeInput('c', 'x', 45)
    t.is(windows.fetch('a', 0), undefined)
    t.is(windows.fetch('a', 10), undefined)
    t.deepEqual(
      sessions.findSessions('a', 0, 100).map((s) => s.key.window.end),
      [16],
    )
    driver.close()
  })
}

test('a window or session store needs a positive retention', (t) => {
  for (const make of [
    Stores.persistentWindowStore,
    Stores.persistentSessionStore,
    Stores.inMemoryWindowStore,
  ]) {
    const error = t.throws(() => make('s', 0))
    t.is((error as StreamsError).code, STREAMS_ERROR_CODES.INVALID_CONFIG)
  }
})
