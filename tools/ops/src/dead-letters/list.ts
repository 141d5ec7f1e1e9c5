import type { BrokerRecord } from '@oxagry/kafka'
import type { DeadLetterFilter } from '../filter.ts'
import { describeFilter, matches } from '../filter.ts'
import type { DeadLetterDecoder, DecodedDeadLetter } from './envelope.ts'
import { positionOf } from './envelope.ts'

/** Counts of a dead-letter topic by application, stage and error code, and the most recent ones. */
export interface DeadLetterSummary {
  readonly topic: string
  readonly filter: DeadLetterFilter
  /** Matching dead letters. */
  readonly total: number
  readonly groups: readonly { application: string; stage: string; errorCode: string; count: number }[]
  /** Matching dead letters that are failures of replayed records. */
  readonly replayed: number
  /** Records that are not readable envelopes: counted, with the first one's position and reason. */
  readonly undecodable: { readonly count: number; readonly first?: string }
  /** The most recent matching ones (by failure time), newest first. */
  readonly recent: readonly DecodedDeadLetter[]
}

/** Accumulates a summary record by record, keeping only the counts and the `limit` most recent. */
export class DeadLetterSummarizer {
  private readonly counts = new Map<
    string,
    { application: string; stage: string; errorCode: string; count: number }
  >()
  private total = 0
  private replayed = 0
  private undecodable = 0
  private firstUndecodable: string | undefined
  private recent: DecodedDeadLetter[] = []

  constructor(
    private readonly topic: string,
    private readonly filter: DeadLetterFilter,
    private readonly limit: number,
    private readonly decode: DeadLetterDecoder,
  ) {}

  async add(records: readonly BrokerRecord[]): Promise<void> {
    for (const record of records) {
      let d: DecodedDeadLetter
      try {
        d = await this.decode(record)
      } catch (error) {
        this.undecodable++
        this.firstUndecodable ??= (error as Error).message
        continue
      }
      if (!matches(this.filter, d)) continue
      this.total++
      if (d.replayed) this.replayed++
      const key = `${d.application}\u0000${d.stage}\u0000${d.errorCode}`
      const group = this.counts.get(key) ?? {
        application: d.application,
        stage: d.stage,
        errorCode: d.errorCode,
        count: 0,
      }
      group.count++
      this.counts.set(key, group)
      if (this.limit > 0) {
        this.recent.push(d)
        if (this.recent.length > this.limit * 2) this.trim()
      }
    }
  }

  private trim(): void {
    this.recent.sort(
      (a, b) => b.envelope.failedAt - a.envelope.failedAt || positionOf(b).localeCompare(positionOf(a)),
    )
    this.recent = this.recent.slice(0, this.limit)
  }

  summary(): DeadLetterSummary {
    this.trim()
    return {
      topic: this.topic,
      filter: this.filter,
      total: this.total,
      groups: [...this.counts.values()].sort(
        (a, b) =>
          b.count - a.count ||
          a.application.localeCompare(b.application) ||
          a.stage.localeCompare(b.stage) ||
          a.errorCode.localeCompare(b.errorCode),
      ),
      replayed: this.replayed,
      undecodable: {
        count: this.undecodable,
        ...(this.firstUndecodable === undefined ? {} : { first: this.firstUndecodable }),
      },
      recent: this.recent,
    }
  }
}

function oneLine(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ')
  return line.length > max ? `${line.slice(0, max - 1)}…` : line
}

/** The summary as `dead-letters list` prints it. */
export function formatSummary(s: DeadLetterSummary): string[] {
  const lines = [`${s.topic}: ${s.total} dead letter(s) matching ${describeFilter(s.filter)}`]
  if (s.groups.length > 0) {
    const width = (pick: (g: (typeof s.groups)[number]) => string, title: string): number =>
      Math.max(title.length, ...s.groups.map((g) => pick(g).length))
    const wa = width((g) => g.application, 'application')
    const ws = width((g) => g.stage, 'stage')
    const wc = width((g) => String(g.count), 'count')
    lines.push(`  ${'count'.padStart(wc)}  ${'application'.padEnd(wa)}  ${'stage'.padEnd(ws)}  error code`)
    for (const g of s.groups)
      lines.push(
        `  ${String(g.count).padStart(wc)}  ${g.application.padEnd(wa)}  ${g.stage.padEnd(ws)}  ${g.errorCode}`,
      )
  }
  if (s.replayed > 0)
    lines.push(`${s.replayed} of them are failures of replayed records (filter replayed=true)`)
  if (s.undecodable.count > 0)
    lines.push(
      `${s.undecodable.count} record(s) are not dead-letter envelopes; the first: ${s.undecodable.first ?? ''}`,
    )
  if (s.recent.length > 0) {
    lines.push(`most recent ${s.recent.length}:`)
    for (const d of s.recent)
      lines.push(
        `  ${d.partition}:${d.offset}  ${new Date(d.envelope.failedAt).toISOString()}  ${d.application} ${d.stage} ` +
          `${d.errorCode}  from ${d.sourceTopic}:${d.envelope.sourcePartition}:${d.envelope.sourceOffset}` +
          `${d.replayed ? ' (replayed)' : ''}  ${oneLine(d.envelope.errorMessage, 100)}`,
      )
  }
  return lines
}
