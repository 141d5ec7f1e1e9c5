import type { Product } from '@oxagry/avro'
import { Serdes, type Serde } from '@oxagry/kafka'
import { Stores, StreamsBuilder, type KStream, type Topology } from '@oxagry/streams'
import type { OrderRecord } from './order.ts'
import { resolveOrdersOptions, type OrdersOptions } from './options.ts'
import { orderProcessor, type OrdersCounters } from './processor.ts'
import { ORDERS_STORES } from './stores.ts'
import type { OrderInput, OrderOutput } from './transitions.ts'

const S = Serdes.String()

const NO_COUNTERS: OrdersCounters = { placed: () => {}, decided: () => {}, ignored: () => {} }

/**
 * The orders topology: order events, commands, check answers and payment steps (all keyed by order
 * id, co-partitioned) merged into one processor that owns each order; its outputs split to the
 * order events, the status table, and the stock and payment commands. The product catalogue is a
 * global table, so the DETAILS check needs no repartition.
 */
export function buildOrdersTopology(input: OrdersOptions, counters: OrdersCounters = NO_COUNTERS): Topology {
  const options = resolveOrdersOptions(input)
  const { topics, serdes } = options
  const builder = new StreamsBuilder({ defaultKeySerde: S })
  builder.globalTable<string, Product>(
    topics.products,
    { keySerde: S, valueSerde: serdes.product },
    { storeName: ORDERS_STORES.products },
  )
  builder.addStateStore(
    Stores.persistentKeyValueStore<string, OrderRecord>(ORDERS_STORES.orders, {
      keySerde: S,
      valueSerde: Serdes.Json<OrderRecord>(),
    }),
  )
  const source = <V>(topic: string, serde: Serde<V>, kind: OrderInput['kind']) =>
    builder
      .stream<string, V | null>(topic, { keySerde: S, valueSerde: serde as never })
      .mapValues((v) => (v === null ? null : ({ kind, value: v } as OrderInput)))
  const inputs: KStream<string, OrderInput | null> = source(topics.orderEvents, serdes.orderEvent, 'event')
    .merge(source(topics.orderCommands, serdes.orderCommand, 'command'))
    .merge(source(topics.orderValidations, serdes.orderValidation, 'validation'))
    .merge(source(topics.paymentEvents, serdes.paymentEvent, 'payment'))

  const outputs = inputs.process(orderProcessor(options, counters), ORDERS_STORES.orders)
  const of = <K extends OrderOutput['kind']>(kind: K) =>
    outputs
      .filter((_k, v) => v.kind === kind)
      .mapValues((v) => (v as Extract<OrderOutput, { kind: K }>).value)
  of('event').to(topics.orderEvents, { keySerde: S, valueSerde: serdes.orderEvent })
  of('status').to(topics.orderStatus, { keySerde: S, valueSerde: serdes.orderStatus as never })
  of('stock').to(topics.stockCommands, { keySerde: S, valueSerde: serdes.stockCommand })
  of('payment').to(topics.paymentCommands, { keySerde: S, valueSerde: serdes.paymentCommand })
  return builder.build()
}
