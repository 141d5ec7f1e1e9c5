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

/** The id of the gateway's note that a command was left pending: a redelivered command writes the same. */
export function pendingNoteIdOf(commandId: string): string {
  return `pending:${commandId}`
}
