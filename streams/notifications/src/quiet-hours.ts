import type { QuietHours } from '@oxagry/avro'

const MINUTE = 60_000
const DAY_MINUTES = 1440

/** Whether the zone is one the runtime's time-zone database knows. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: zone })
    return true
  } catch {
    return false
  }
}

/** Minutes after local midnight at an instant, in a zone. */
export function localMinute(at: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at)
  const hour = Number(parts.find((p) => p.type === 'hour')?.value ?? 0)
  const minute = Number(parts.find((p) => p.type === 'minute')?.value ?? 0)
  return hour * 60 + minute
}

function inSpan(minute: number, start: number, end: number): boolean {
  if (start === end) return false
  return start < end ? minute >= start && minute < end : minute >= start || minute < end
}

/**
 * When the quiet hours around `now` end, or undefined when `now` is outside them (or the zone is
 * unknown, or the span is empty: nothing is held). The end is the next instant whose local time is
 * `endMinute`, at the start of that minute; across a daylight-saving change the offset is corrected once.
 * Quiet hours with minutes out of range or an unknown zone hold nothing.
 */
export function quietUntil(now: number, quiet: QuietHours): number | undefined {
  const { startMinute, endMinute, timeZone } = quiet
  // Settings the account service should not have written hold nothing rather than hold for ever.
  if (quietHoursProblems(quiet).length > 0) return undefined
  const minute = localMinute(now, timeZone)
  if (!inSpan(minute, startMinute, endMinute)) return undefined
  const startOfMinute = now - (now % MINUTE)
  let end = startOfMinute + ((endMinute - minute + DAY_MINUTES) % DAY_MINUTES || DAY_MINUTES) * MINUTE
  // A clock change in between moves local time by its shift: correct by the difference once.
  const drift = (localMinute(end, timeZone) - endMinute + DAY_MINUTES) % DAY_MINUTES
  if (drift !== 0) end -= (drift > DAY_MINUTES / 2 ? drift - DAY_MINUTES : drift) * MINUTE
  return end > now ? end : undefined
}

/** Checks a quiet-hours record, naming what is wrong; empty when it is usable. */
export function quietHoursProblems(quiet: QuietHours): string[] {
  const problems: string[] = []
  for (const key of ['startMinute', 'endMinute'] as const)
    if (!Number.isInteger(quiet[key]) || quiet[key] < 0 || quiet[key] >= DAY_MINUTES)
      problems.push(`quietHours.${key} must be 0 to 1439, got ${quiet[key]}`)
  if (!isTimeZone(quiet.timeZone))
    problems.push(`quietHours.timeZone ${JSON.stringify(quiet.timeZone)} is no IANA zone`)
  return problems
}
