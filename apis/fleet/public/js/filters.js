// The filter panel: status, machine type and booking checkboxes. Types and booking states come from
// the machines seen (data-driven); the booking group stays hidden while no machine has a booking.
import { el } from './dom.js'
import { bookingStateOf, emptyFilter, machineTypeOf, NO_BOOKING, STATUSES } from './machines.js'

export class FilterPanel {
  constructor(onChange) {
    this.filter = emptyFilter()
    this.onChange = onChange
    this.groups = {
      statuses: document.getElementById('filter-status'),
      types: document.getElementById('filter-type'),
      bookings: document.getElementById('filter-booking'),
    }
    this.known = { statuses: new Set(), types: new Set(), bookings: new Set() }
    for (const status of STATUSES) this.addBox('statuses', status)
  }

  /** Adds a checkbox for each type and booking state not seen before. */
  learn(machines) {
    for (const m of machines) {
      const type = machineTypeOf(m)
      if (!this.known.types.has(type)) this.addBox('types', type)
      const booking = bookingStateOf(m)
      if (booking !== NO_BOOKING && !this.known.bookings.has(booking)) {
        if (this.known.bookings.size === 0) this.addBox('bookings', NO_BOOKING)
        this.addBox('bookings', booking)
        this.groups.bookings.hidden = false
      }
    }
  }

  addBox(group, value) {
    this.known[group].add(value)
    const box = el('input', { type: 'checkbox', checked: !this.filter[group].has(value), value })
    box.dataset.filter = group
    box.addEventListener('change', () => {
      if (box.checked) this.filter[group].delete(value)
      else this.filter[group].add(value)
      this.onChange(this.filter)
    })
    this.groups[group].append(el('label', {}, [box, ` ${value}`]))
  }
}
