import type { MachinePing } from '@oxagry/avro'
import { Serdes, type Serde } from '@oxagry/kafka'
import { StreamsBuilder, TimeWindows, WindowedSerdes, type Topology } from '@oxagry/streams'
import type { Scenario } from '../results.ts'
import { keep, reshape, WINDOW_GRACE_MS, WINDOW_SIZE_MS } from './pings.ts'

/**
 * The two scenarios on @oxagry/streams; bench/streams-java builds the same on Kafka Streams.
 * stateless: filter + mapValues over Avro pings; windowed: a count per machine in 60 s tumbling windows.
 */
export function oxagryTopology(
  scenario: Scenario,
  input: string,
  output: string,
  avro: Serde<MachinePing>,
): Topology {
  const S = Serdes.String()
  const builder = new StreamsBuilder()
  const pings = builder.stream<string, MachinePing>(input, { keySerde: S, valueSerde: avro })
  switch (scenario) {
    case 'stateless':
      pings
        .filter((_key, ping) => keep(ping))
        .mapValues((ping) => reshape(ping))
        .to(output, { keySerde: S, valueSerde: avro })
      break
    case 'windowed':
      pings
        .groupByKey()
        .windowedBy(TimeWindows.ofSizeAndGrace(WINDOW_SIZE_MS, WINDOW_GRACE_MS))
        .count({ storeName: 'counts' })
        .toStream()
        .to(output, {
          keySerde: WindowedSerdes.timeWindowed(S, WINDOW_SIZE_MS),
          valueSerde: Serdes.Long() as Serde<number | null>,
        })
      break
  }
  return builder.build()
}
