import test from 'ava'
import { Serdes } from '@oxagry/kafka'
import { TopologyTestDriver } from '../testing/topology-test-driver.ts'
import type { StreamJoined } from './options.ts'
import { StreamsBuilder } from './streams-builder.ts'
import { JoinWindows } from './windows.ts'

const S = Serdes.String()
type Kind = 'join' | 'leftJoin' | 'outerJoin'

function run(
  kind: Kind,
  windows: JoinWindows,
  inputs: readonly (readonly ['l' | 'r', string | null, string | null, number])[],
  joined: StreamJoined<string, string, string> = {},
  between?: (driver: TopologyTestDriver, index: number) => void,
): string[] {
  const b = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
  const left = b.stream<string, string>('left')
  const right = b.stream<string, string>('right')
  const joiner = (v: string | null, o: string | null): string => `${v}+${o}`
  const joinedStream =
    kind === 'join'
      ? left.join(right, joiner, windows, joined)
      : kind === 'leftJoin'
        ? left.leftJoin(right, joiner, windows, joined)
        : left.outerJoin(right, joiner, windows, joined)
  joinedStream.to('out')
  const driver = new TopologyTestDriver(b.build())
  const l = driver.createInputTopic('left', S, S)
  const r = driver.createInputTopic('right', S, S)
  const out = driver.createOutputTopic('out', S, S)
  const lines: string[] = []
  inputs.forEach(([side, key, value, ts], i) => {
    between?.(driver, i)
    ;(side === 'l' ? l : r).pipeInput(key, value, ts)
    for (const rec of out.readRecordsToList()) lines.push(`${i}: ${rec.key}=${rec.value}@${rec.timestamp}`)
  })
  driver.close()
  return lines
}

test('an inner join pairs records within the time difference, stamped with the later time', (t) => {
  const lines = run('join', JoinWindows.ofTimeDifferenceWithNoGrace(5), [
    ['l', 'a', 'a1', 10],
    ['r', 'a', 'x1', 14],
    ['r', 'a', 'x2', 16],
    ['l', 'a', 'a2', 12],
    ['r', 'b', 'y1', 12],
  ])
  t.deepEqual(lines, ['1: a=a1+x1@14', '3: a=a2+x1@14', '3: a=a2+x2@16'])
})

test('a left join emits an unjoined record only once its window has closed, never before (KIP-633)', (t) => {
  const lines = run('leftJoin', JoinWindows.ofTimeDifferenceAndGrace(5, 2), [
    ['l', 'a', 'a1', 10],
    ['l', 'b', 'b1', 11],
    // A partner within the window arrives late: a1 is joined, not emitted with null first.
    ['r', 'a', 'x1', 14],
    ['l', 'c', 'c1', 17],
    // 11 + 5 + 2 < 19: b1's window closed.
    ['l', 'c', 'c2', 19],
    // A record whose window closed before it came is emitted at once.
    ['l', 'd', 'd1', 3],
  ])
  t.deepEqual(lines, ['2: a=a1+x1@14', '4: b=b1+null@11', '5: d=d1+null@3'])
})

test('an outer join emits both sides unjoined, by time then right before left; a null key leaves at once', (t) => {
  const lines = run('outerJoin', JoinWindows.ofTimeDifferenceWithNoGrace(2), [
    ['l', 'a', 'a1', 1],
    ['r', 'b', 'y1', 1],
    ['l', null, 'n1', 2],
    ['r', 'a', 'x1', 9],
  ])
  // x1 finds no partner and waits in turn; only a later sweep would emit it.
  t.deepEqual(lines, ['2: null=n1+null@2', '3: b=null+y1@1', '3: a=a1+null@1'])
})

test('with outerJoinEmitIntervalMs the sweep waits for wall-clock time, as a Kafka Streams application does', (t) => {
  const inputs = [
    ['l', 'a', 'a1', 1],
    ['l', 'b', 'b1', 2],
    ['l', 'c', 'c1', 20],
    ['l', 'd', 'd1', 40],
  ] as const
  t.deepEqual(run('leftJoin', JoinWindows.ofTimeDifferenceWithNoGrace(5), inputs), [
    '2: a=a1+null@1',
    '2: b=b1+null@2',
    '3: c=c1+null@20',
  ])
  // The first record spends the throttle (nothing is pending yet); the clock then stands still until the last.
  const throttled = run(
    'leftJoin',
    JoinWindows.ofTimeDifferenceWithNoGrace(5),
    inputs,
    { outerJoinEmitIntervalMs: 1000 },
    (d, i) => {
      if (i === 3) d.advanceWallClockTime(1000)
    },
  )
  t.deepEqual(throttled, ['3: a=a1+null@1', '3: b=b1+null@2', '3: c=c1+null@20'])
})

test('a stream-stream join asks for its inputs to be co-partitioned, and repartitions a re-keyed side', (t) => {
  const b = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
  b.stream<string, string>('left')
    .selectKey((_k, v) => v)
    .join(
      b.stream<string, string>('right'),
      (v, o) => `${v}${o}`,
      JoinWindows.ofTimeDifferenceWithNoGrace(1),
      {
        name: 'j',
      },
    )
    .to('out')
  const topology = b.build()
  const group = topology.copartitionGroups.find((g) => g.node === 'j-this-join')
  t.deepEqual(
    group?.topics.map((topic) => topic.name),
    ['j-left-repartition', 'right'],
  )
})
