import type { Geofence, Machine } from '@oxagry/avro'
import type { BookingView } from '@oxagry/commerce-api'
import type { LiveBooking, MachinePosition } from '@oxagry/fleet-api'

/** The map's name of a booking's state: awaiting payment, or how far the machine got on the day. */
export function liveBookingState(booking: Pick<BookingView, 'state' | 'progress'>): string {
  if (booking.state !== 'CONFIRMED') return booking.state.toLowerCase()
  return (booking.progress ?? 'BOOKED').toLowerCase().replace('_', '-')
}

/**
 * What the live feed adds to a position: the machine's type (from the fleet registry) and its booking
 * of the moment with its field's name (from the geofences). Both tables are followed whole.
 */
export class MachineFacts {
  private readonly types = new Map<string, string>()
  private readonly fieldNames = new Map<string, string>()
  private readonly fields = new Set<string>()

  machine(machine: Machine): void {
    this.types.set(machine.machineId, machine.machineType)
  }

  geofence(geofence: Geofence): void {
    this.fieldNames.set(geofence.geofenceId, geofence.name)
    if (geofence.kind === 'FIELD' && geofence.active) this.fields.add(geofence.geofenceId)
    else this.fields.delete(geofence.geofenceId)
  }

  /** The active fields: what the simulated farmers book machines for. */
  fieldIds(): readonly string[] {
    return [...this.fields]
  }

  annotate(position: MachinePosition, booking: BookingView | undefined): MachinePosition {
    const machineType = this.types.get(position.machineId)
    if (machineType === undefined && booking === undefined) return position
    const fieldName = booking === undefined ? undefined : this.fieldNames.get(booking.fieldId)
    const live: LiveBooking | undefined =
      booking === undefined
        ? undefined
        : {
            bookingId: booking.bookingId,
            state: liveBookingState(booking),
            fieldId: booking.fieldId,
            ...(fieldName === undefined ? {} : { fieldName }),
            startsAt: booking.startsAt,
            endsAt: booking.endsAt,
            late: booking.lateAt !== null,
          }
    return {
      ...position,
      ...(machineType === undefined ? {} : { machineType }),
      ...(live === undefined ? {} : { booking: live }),
    }
  }
}
