import {
  nameUuid,
  type CustomerId,
  type Notification,
  type NotificationChannel,
  type NotificationPreference,
} from '@oxagry/avro'
import type { Intent } from './intents.ts'
import { quietUntil } from './quiet-hours.ts'
import { render } from './templates.ts'

/** The channels a notification can go on, in the order they are rendered. */
export const CHANNELS = ['EMAIL', 'SMS', 'PUSH'] as const satisfies readonly NotificationChannel[]
export type Channel = (typeof CHANNELS)[number]

/**
 * The notification id, which is also the provider's idempotency key: the source event, the recipient
 * and the channel, so the same event rendered again (a replay, a retried producer) has the same id.
 */
export function notificationIdOf(sourceEventId: string, recipientId: string, channel: Channel): string {
  return nameUuid(`notification:${sourceEventId}:${recipientId}:${channel}`)
}

/** The address of each channel the recipient wants and gave one for; a channel turned off is absent. */
export function channelsOf(preference: NotificationPreference): { channel: Channel; address: string }[] {
  const addressOf: Record<Channel, string | null> = {
    EMAIL: preference.email,
    SMS: preference.phone,
    PUSH: preference.pushDevice,
  }
  return CHANNELS.flatMap((channel) => {
    const address = addressOf[channel]
    return preference.channels.includes(channel) && address !== null && address !== ''
      ? [{ channel, address }]
      : []
  })
}

/** One notification to send now, or to hold until the recipient's quiet hours end. */
export type RenderedNotification =
  | { readonly kind: 'send'; readonly notification: Notification }
  | { readonly kind: 'hold'; readonly notification: Notification; readonly until: number }

/**
 * Renders an intent on each channel the recipient's preferences turn on. E-mail goes at once (it waits
 * in an inbox anyway); SMS and push inside the quiet hours are held until they end (`heldUntil` says
 * so on the notification).
 */
export function renderIntent(
  intent: Intent,
  preference: NotificationPreference,
  now: number,
): RenderedNotification[] {
  const quiet = preference.quietHours
  const until = quiet === null ? undefined : quietUntil(now, quiet)
  return channelsOf(preference).map(({ channel, address }) => {
    const text = render(intent.data, channel, quiet?.timeZone)
    const held = channel !== 'EMAIL' && until !== undefined
    const notification: Notification = {
      notificationId: notificationIdOf(intent.sourceEventId, intent.recipientId, channel),
      recipientId: intent.recipientId,
      customerId: intent.customerId as CustomerId | null,
      channel,
      address,
      template: intent.data.template,
      subject: text.subject,
      body: text.body,
      reference: intent.reference,
      sourceEventId: intent.sourceEventId,
      occurredAt: intent.occurredAt,
      createdAt: now,
      heldUntil: held ? until : null,
    }
    return held ? { kind: 'hold', notification, until } : { kind: 'send', notification }
  })
}
