import { createHash } from 'node:crypto'
import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { NotificationChannel as ChannelName } from '@oxagry/avro'
import type { ChannelOutcome, NotificationChannel, OutgoingMessage, Rejected, Sent } from './channel.ts'
import { NOTIFICATIONS_ERROR_CODES, NotificationsError } from './errors.ts'

/** What the simulated provider sent (or refused), one entry per idempotency key, as its log keeps it. */
export interface SentEntry {
  readonly key: string
  readonly channel: ChannelName
  readonly address: string
  readonly subject: string
  readonly body: string
  readonly outcome: Sent | Rejected
}

export interface SimulatedChannelOptions {
  /** The JSON-lines log of what was sent, fsynced before a send is answered; none keeps it in memory. */
  readonly logPath?: string
  /** Addresses it refuses for good, as a provider refuses a number that takes no SMS. */
  readonly rejects?: (message: OutgoingMessage) => string | undefined
  /** Whether the provider is down for this call: answered unavailable, nothing sent. */
  readonly unavailable?: (message: OutgoingMessage) => boolean
  readonly now?: () => number
}

/**
 * A channel provider for development and tests: e-mail, SMS and push alike. It records every message
 * it sends, and a send with a key it already answered is answered the same without sending again: the
 * provider side of "sent once". With a log path the record survives restarts (a torn last line from a
 * crash mid-write is dropped on open).
 */
export class SimulatedChannel implements NotificationChannel {
  readonly name = 'simulated'
  private readonly entries = new Map<string, SentEntry>()
  private file: FileHandle | undefined

  private constructor(private readonly options: SimulatedChannelOptions) {}

  static async open(options: SimulatedChannelOptions = {}): Promise<SimulatedChannel> {
    const channel = new SimulatedChannel(options)
    if (options.logPath !== undefined) {
      await mkdir(dirname(options.logPath), { recursive: true })
      let text = ''
      try {
        text = await readFile(options.logPath, 'utf8')
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
          throw new NotificationsError(NOTIFICATIONS_ERROR_CODES.SENT_LOG, `reading ${options.logPath}`, {
            cause: error,
          })
      }
      const lines = text.split('\n')
      for (const [i, line] of lines.entries()) {
        if (line === '') continue
        try {
          const entry = JSON.parse(line) as SentEntry
          channel.entries.set(entry.key, entry)
        } catch (error) {
          if (i === lines.length - 1) break
          throw new NotificationsError(
            NOTIFICATIONS_ERROR_CODES.SENT_LOG,
            `${options.logPath}:${i + 1} does not parse`,
            { cause: error },
          )
        }
      }
      channel.file = await open(options.logPath, 'a')
      // A torn last line is cut off: the next entry starts on a line of its own.
      if (text !== '' && !text.endsWith('\n')) await channel.file.write('\n')
    }
    return channel
  }

  async send(message: OutgoingMessage): Promise<ChannelOutcome> {
    const known = this.entries.get(message.idempotencyKey)
    if (known !== undefined) return known.outcome
    if (this.options.unavailable?.(message) === true)
      return { status: 'unavailable', message: `the ${message.channel} provider is unavailable` }
    const at = (this.options.now ?? Date.now)()
    const reason = this.options.rejects?.(message)
    const reference = `sim-${message.channel.toLowerCase()}-${createHash('sha256').update(message.idempotencyKey).digest('hex').slice(0, 12)}`
    const outcome: Sent | Rejected =
      reason === undefined ? { status: 'sent', reference, at } : { status: 'rejected', reason, at }
    const entry: SentEntry = {
      key: message.idempotencyKey,
      channel: message.channel,
      address: message.address,
      subject: message.subject,
      body: message.body,
      outcome,
    }
    if (this.file !== undefined) {
      try {
        await this.file.write(`${JSON.stringify(entry)}\n`)
        await this.file.sync()
      } catch (error) {
        throw new NotificationsError(NOTIFICATIONS_ERROR_CODES.SENT_LOG, 'writing the sent log', {
          cause: error,
        })
      }
    }
    this.entries.set(entry.key, entry)
    return outcome
  }

  /** Everything sent or refused, in the order it happened. */
  sent(): SentEntry[] {
    return [...this.entries.values()]
  }

  async close(): Promise<void> {
    await this.file?.close()
    this.file = undefined
  }
}
