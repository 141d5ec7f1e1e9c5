import { Serdes, type TopicDescriptor } from '@oxagry/kafka'
import { StreamsBuilder, type Topology } from '@oxagry/streams'
import { resolveOrdersOptions, type OrdersOptions } from './options.ts'
import { orderProcessor, type OrdersCounters } from './processor.ts'
import { ORDER_STORE, ORDERS_STORES } from './stores.ts'
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
  const t = options.descriptors
  const builder = new StreamsBuilder({ defaultKeySerde: S })
  builder.globalTable(t.products, {}, { storeName: ORDERS_STORES.products })
  builder.addStateStore(ORDER_STORE)
  const source = <V>(topic: TopicDescriptor<string, V>, kind: OrderInput['kind']) =>
    builder
      .stream<string, V | null>(topic)
      .mapValues((v) => (v === null ? null : ({ kind, value: v } as OrderInput)))
  const inputs = source(t.orderEvents, 'event')
    .merge(source(t.orderCommands, 'command'))
    .merge(source(t.orderValidations, 'validation'))
    .merge(source(t.paymentEvents, 'payment'))

  const outputs = inputs.process(orderProcessor(options, counters), ORDER_STORE)
  const of = <K extends OrderOutput['kind']>(kind: K) =>
    outputs
      .filter((_k, v): v is Extract<OrderOutput, { kind: K }> => v.kind === kind)
      .mapValues((v) => v.value as Extract<OrderOutput, { kind: K }>['value'])
  of('event').to(t.orderEvents)
  of('status').to(t.orderStatus)
  of('stock').to(t.stockCommands)
  of('payment').to(t.paymentCommands)
  return builder.build()
}
