import { STREAMS_ERROR_CODES, StreamsError } from '../errors.ts'
import { storeGetter, type Processor, type ProcessorContext } from '../processor/api.ts'
import type { RecordMetadata, StreamRecord } from '../record.ts'
import type { StateStore } from '../state/store.ts'
import type { GlobalStoreSpec } from '../topology/topology.ts'
import type { Clock } from './task.ts'

/** Keeps one global store up to date from every partition of its topic. */
export class GlobalStoreTask {
  private readonly processor: Processor<unknown, unknown, unknown, unknown>
  private current: RecordMetadata | undefined

  constructor(
    readonly spec: GlobalStoreSpec,
    readonly store: StateStore,
    applicationId: string,
    clock: Clock,
  ) {
    this.processor = spec.supplier()
    const context: ProcessorContext = {
      applicationId,
      taskId: `global-${spec.store.name}`,
      forward() {},
      schedule() {
        throw new StreamsError(
          STREAMS_ERROR_CODES.TOPOLOGY,
          `global store processor ${spec.processorName} cannot schedule punctuations`,
        )
      },
      getStateStore: storeGetter((name) => {
        if (name !== spec.store.name) {
          throw new StreamsError(
            STREAMS_ERROR_CODES.UNKNOWN_STORE,
            `global processor ${spec.processorName} has no store ${name}`,
          )
        }
        return store
      }),
      recordMetadata: () => this.current,
      currentStreamTimeMs: () => -1,
      currentSystemTimeMs: () => clock.now(),
      commit: () => {},
      recordDropped: () => {},
    }
    this.processor.init?.(context)
  }

  process(record: StreamRecord<unknown, unknown>, metadata: RecordMetadata): void {
    this.current = metadata
    try {
      this.processor.process(record)
    } finally {
      this.current = undefined
    }
  }

  close(): void {
    this.processor.close?.()
    this.store.close()
  }
}
