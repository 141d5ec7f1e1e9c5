import type { BookingEvent } from '@oxagry/avro'

/** What the booking events say happened, and every way they break the booking rules. */
export interface BookingAudit {
  readonly requested: number
  readonly assigned: number
  readonly rejected: number
  readonly cancelled: number
  /** Bookings requested whose request has no answer (assigned or rejected) yet. */
  readonly unanswered: readonly string[]
  /** Broken rules, one message each; empty when the events are sound. */
  readonly violations: readonly string[]
}

interface Held {
  readonly machineId: string
  readonly startsAt: number
  readonly endsAt: number
}

const stepOf = (e: BookingEvent): string => (Object.keys(e.payload)[0] as string).split('.').pop() as string

/**
 * Replays booking events and checks the booking rules:
 * - no machine is held by two bookings for overlapping days (the no-double-booking rule);
 * - each booking is requested once and answered once (assigned or rejected), and no event is written
 *   twice (a duplicate event id is a step replayed outside its transaction).
 * Holds are checked at each assignment against the holds still standing, so the events of one machine
 * type must come in the order they were written: one partition read in offset order gives that (every
 * event of a type is written by the one task that owns the type).
 */
export function auditBookings(events: readonly BookingEvent[]): BookingAudit {
  const violations: string[] = []
  const seen = new Set<string>()
  const spans = new Map<string, { startsAt: number; endsAt: number }>()
  const answered = new Set<string>()
  const held = new Map<string, Held>()
  let assigned = 0
  let rejected = 0
  let cancelled = 0
  for (const e of events) {
    if (seen.has(e.eventId))
      violations.push(`event ${e.eventId} (${stepOf(e)} of ${e.bookingId}) written twice`)
    seen.add(e.eventId)
    const p = Object.values(e.payload)[0] as { machineId?: string | null; startsAt?: number; endsAt?: number }
    switch (stepOf(e)) {
      case 'BookingRequested':
        if (spans.has(e.bookingId)) violations.push(`booking ${e.bookingId} requested twice`)
        spans.set(e.bookingId, { startsAt: p.startsAt as number, endsAt: p.endsAt as number })
        break
      case 'MachineAssigned': {
        const span = spans.get(e.bookingId)
        if (span === undefined) {
          violations.push(`booking ${e.bookingId} assigned before it was requested`)
          break
        }
        if (answered.has(e.bookingId)) violations.push(`booking ${e.bookingId} answered twice`)
        answered.add(e.bookingId)
        for (const [other, h] of held)
          if (h.machineId === p.machineId && h.startsAt < span.endsAt && span.startsAt < h.endsAt)
            violations.push(
              `${p.machineId} assigned to ${e.bookingId} while held by ${other} for overlapping days`,
            )
        held.set(e.bookingId, { machineId: p.machineId as string, ...span })
        assigned++
        break
      }
      case 'BookingRejected':
        // A rejection answers a request, or ends an assigned booking whose order was cancelled.
        if (!answered.has(e.bookingId)) answered.add(e.bookingId)
        else if (!held.has(e.bookingId)) violations.push(`booking ${e.bookingId} rejected twice`)
        held.delete(e.bookingId)
        rejected++
        break
      case 'BookingCancelled':
        held.delete(e.bookingId)
        cancelled++
        break
      default:
        break
    }
  }
  const unanswered = [...spans.keys()].filter((id) => !answered.has(id))
  return { requested: spans.size, assigned, rejected, cancelled, unanswered, violations }
}
