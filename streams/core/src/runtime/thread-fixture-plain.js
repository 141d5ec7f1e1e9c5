// A `threadModule` in plain JavaScript, as an application compiled to JavaScript gives one: each
// worker imports it with nothing but the loader its bootstrap registered. Every worker builds its own
// in-process broker (a memory backend under another name), so the threads run without a real one.
import { MemoryBackend, Serdes } from '@oxagry/kafka'
import { StreamsBuilder } from '@oxagry/streams'
import { pino } from 'pino'

export function buildStreamThread() {
  const backend = new MemoryBackend()
  Object.defineProperty(backend, 'name', { value: 'in-process' })
  for (const name of ['in', 'out']) backend.broker.createTopic({ name, partitions: 2, config: {} })
  const b = new StreamsBuilder({ defaultKeySerde: Serdes.String(), defaultValueSerde: Serdes.String() })
  b.stream('in')
    .groupByKey()
    .count({ storeName: 'counts' })
    .toStream()
    .to('out', { valueSerde: Serdes.Long() })
  return { topology: b.build(), config: { backend, logger: pino({ level: 'silent' }) } }
}
