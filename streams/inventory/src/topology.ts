import type { OrderValidation, Product } from '@oxagry/avro'
import { Serdes } from '@oxagry/kafka'
import { Stores, StreamsBuilder, type Topology } from '@oxagry/streams'
import { foldAnswer, NO_ANSWERS, type LineAnswer, type OrderAnswers } from './answers.ts'
import type { ExpiryEntry } from './expiry.ts'
import { resolveInventoryOptions, type InventoryOptions } from './options.ts'
import {
  INVENTORY_STORES,
  NO_INVENTORY_COUNTERS,
  stockProcessor,
  type InventoryCounters,
  type InventoryOutput,
} from './processor.ts'
import { commandTimestampExtractor, receivedCommandSerde, type ReceivedCommand } from './received.ts'
import type { Reservation, StockState } from './stock.ts'

export { INVENTORY_STORES } from './processor.ts'

/** The repartition topic of the line answers, keyed by order id: `<applicationId>-<name>-repartition`. */
export const ANSWERS_REPARTITION = 'inventory-line-answers'

const S = Serdes.String()

/**
 * The inventory topology: stock commands change the stock per product and warehouse (persistent
 * stores, so a restart restores only the changelog's tail), writing stock events, levels and dead
 * letters; the line answers go through a repartition by order id into one INVENTORY validation per
 * order. Serdes are injected, so the test driver runs it with an in-memory registry.
 */
export function buildInventoryTopology(
  input: InventoryOptions,
  counters: InventoryCounters = NO_INVENTORY_COUNTERS,
): Topology {
  const options = resolveInventoryOptions(input)
  const { topics, serdes } = options
  const builder = new StreamsBuilder({ defaultKeySerde: S })

  builder.globalTable<string, Product>(
    topics.products,
    { keySerde: S, valueSerde: serdes.product },
    { storeName: INVENTORY_STORES.products },
  )
  builder.addStateStore(
    Stores.persistentKeyValueStore<string, StockState>(INVENTORY_STORES.stock, {
      keySerde: S,
      valueSerde: Serdes.Json(),
    }),
  )
  builder.addStateStore(
    Stores.persistentKeyValueStore<string, Reservation>(INVENTORY_STORES.reservations, {
      keySerde: S,
      valueSerde: Serdes.Json(),
    }),
  )
  builder.addStateStore(
    Stores.persistentKeyValueStore<string, ExpiryEntry>(INVENTORY_STORES.expiry, {
      keySerde: S,
      valueSerde: Serdes.Json(),
    }),
  )

  const outputs = builder
    .stream<string, ReceivedCommand | null>(topics.commands, {
      keySerde: S,
      valueSerde: receivedCommandSerde(serdes.command),
      timestampExtractor: commandTimestampExtractor,
    })
    .process(
      stockProcessor(options, counters),
      INVENTORY_STORES.stock,
      INVENTORY_STORES.reservations,
      INVENTORY_STORES.expiry,
    )

  const only = <T>(pick: (o: InventoryOutput) => T | undefined) =>
    outputs.flatMapValues((o) => {
      const v = pick(o)
      return v === undefined ? [] : [v]
    })

  only((o) => (o.kind === 'event' ? o.event : undefined)).to(topics.events, {
    keySerde: S,
    valueSerde: serdes.event,
  })
  only((o) => (o.kind === 'level' ? o.level : undefined)).to(topics.levels, {
    keySerde: S,
    valueSerde: serdes.level,
  })
  only((o) => (o.kind === 'dead' ? o.deadLetter : undefined)).to(topics.deadLetters, {
    keySerde: S,
    valueSerde: serdes.deadLetter,
  })

  // The processor keyed each answer by its order id already; the repartition brings an order's
  // answers from every stock key's task to the one task that folds them.
  only((o) => (o.kind === 'answer' ? o.answer : undefined))
    .repartition({ name: ANSWERS_REPARTITION, keySerde: S, valueSerde: Serdes.Json<LineAnswer>() })
    .groupByKey({ keySerde: S, valueSerde: Serdes.Json<LineAnswer>() })
    .aggregate<OrderAnswers>(
      () => NO_ANSWERS,
      (_orderId, line, answers) => foldAnswer(answers, line),
      {
        storeName: INVENTORY_STORES.answers,
        keySerde: S,
        valueSerde: Serdes.Json(),
      },
    )
    .toStream()
    .flatMapValues((answers): OrderValidation[] =>
      answers !== null && answers.fresh && answers.validation !== null ? [answers.validation] : [],
    )
    .to(topics.validations, { keySerde: S, valueSerde: serdes.validation })

  return builder.build()
}
