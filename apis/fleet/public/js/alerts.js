// Alerts derived from consecutive positions of a machine: it left a field or yard, its fuel fell low,
// its booking turned late (once the feed carries bookings). No DOM here: the unit tests import it.

export const LOW_FUEL_PERCENT = 15
export const ALERT_KINDS = ['geofence-exit', 'low-fuel', 'late']

/**
 * The alerts the step from `previous` to `next` raises; none for a machine seen for the first time (a
 * snapshot says where machines are, not what they just did).
 */
export function alertsFor(previous, next, geofenceNames) {
  if (previous === undefined) return []
  const alerts = []
  const at = next.eventTime
  const now = new Set(next.geofenceIds)
  for (const id of previous.geofenceIds)
    if (!now.has(id))
      alerts.push({
        kind: 'geofence-exit',
        machineId: next.machineId,
        at,
        text: `left ${geofenceNames.get(id) ?? id}`,
      })
  if (
    typeof previous.fuelLevelPercent === 'number' &&
    typeof next.fuelLevelPercent === 'number' &&
    previous.fuelLevelPercent >= LOW_FUEL_PERCENT &&
    next.fuelLevelPercent < LOW_FUEL_PERCENT
  )
    alerts.push({
      kind: 'low-fuel',
      machineId: next.machineId,
      at,
      text: `fuel at ${next.fuelLevelPercent}%`,
    })
  if (next.booking?.late === true && previous.booking?.late !== true)
    alerts.push({
      kind: 'late',
      machineId: next.machineId,
      at,
      text: `late for ${next.booking.fieldName ?? 'its booking'}`,
    })
  return alerts
}

/** The newest alerts first, at most `limit` of them. */
export class AlertLog {
  constructor(limit = 100) {
    this.limit = limit
    this.entries = []
    this.total = 0
  }

  add(alerts) {
    if (alerts.length === 0) return false
    this.total += alerts.length
    this.entries = [...alerts].reverse().concat(this.entries).slice(0, this.limit)
    return true
  }
}
