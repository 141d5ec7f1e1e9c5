import type { NotificationChannel as ChannelName } from '@oxagry/avro'

/** One message as a channel provider takes it; the idempotency key is the notification id. */
export interface OutgoingMessage {
  readonly idempotencyKey: string
  readonly channel: ChannelName
  /** The e-mail address, phone number or push token. */
  readonly address: string
  /** The e-mail subject or push title (an SMS has none). */
  readonly subject: string
  readonly body: string
}

/** The provider took the message (or had taken it before, under the same key). */
export interface Sent {
  readonly status: 'sent'
  /** The provider's id of the message. */
  readonly reference: string
  readonly at: number
}

/** The provider refused the message for good (an address it cannot reach): asking again changes nothing. */
export interface Rejected {
  readonly status: 'rejected'
  readonly reason: string
  readonly at: number
}

/** The provider could not be asked or failed for now: nothing was sent, try again later. */
export interface Unavailable {
  readonly status: 'unavailable'
  readonly message: string
}

export type ChannelOutcome = Sent | Rejected | Unavailable

/**
 * A channel provider behind the worker (an e-mail service, an SMS gateway, a push service): each send
 * is idempotent per key, so the worker may send again after a crash or a timeout without the recipient
 * getting the message twice. A real adapter passes the key as the provider's idempotency key.
 */
export interface NotificationChannel {
  readonly name: string
  send(message: OutgoingMessage): Promise<ChannelOutcome>
  close?(): Promise<void>
}
