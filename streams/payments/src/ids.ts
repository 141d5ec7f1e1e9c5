import { nameUuid } from '@oxagry/avro'

/** The id of a check's answer for an order: the same after a crash or a replay (COMMERCE.md). */
export function validationIdOf(orderId: string, check: 'PAYMENT' | 'FRAUD'): string {
  return nameUuid(`validation:${orderId}:${check}`)
}

/** The step of a command an event records: a redelivered command yields the same event ids. */
export type CommandStep = 'requested' | 'outcome'

export function paymentEventIdOf(commandId: string, step: CommandStep): string {
  return nameUuid(`payment-event:${commandId}:${step}`)
}
