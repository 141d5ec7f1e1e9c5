// The machines as one canvas over the map: one path per status colour (a triangle pointing along the
// heading, a dot when there is none), drawn at most once per animation frame when something changed.
// Leaflet's own markers cost a DOM node or a path each; at 2,000 machines updating every second one
// batched canvas keeps a frame's drawing to a few milliseconds in software rendering.
import { STATUS_COLORS, STATUSES, bookingStateOf, emptyFilter, machineTypeOf, statusOf } from './machines.js'

const L = window.L
const SIZE = 7
const HIT_RADIUS = 10

export class MachineLayer {
  constructor(map, perf) {
    this.map = map
    this.perf = perf
    /**
     * machineId → { m, status, type, booking, shown, x0, y0 }: what the filter reads, derived once per
     * position, and the position projected at zoom 0, scaled at draw time.
     */
    this.entries = new Map()
    this.filter = emptyFilter()
    this.selected = null
    this.visible = 0
    this.dirty = true
    map.createPane('machines').style.zIndex = '450'
    this.canvas = L.DomUtil.create('canvas', 'leaflet-zoom-hide', map.getPane('machines'))
    this.canvas.style.pointerEvents = 'none'
    this.ctx = this.canvas.getContext('2d')
    map.on('move zoomend resize viewreset', () => this.draw())
    const frame = () => {
      if (this.dirty) this.perf.measure('draw', () => this.draw())
      requestAnimationFrame(frame)
    }
    requestAnimationFrame(frame)
  }

  /** Every machine: a snapshot replaces what was there. */
  replaceAll(positions) {
    this.entries.clear()
    this.upsert(positions)
  }

  upsert(positions) {
    for (const m of positions) {
      const p = this.map.project([m.latitude, m.longitude], 0)
      const e = {
        m,
        status: statusOf(m),
        type: machineTypeOf(m),
        booking: bookingStateOf(m),
        x0: p.x,
        y0: p.y,
      }
      e.shown = this.passes(e)
      this.entries.set(m.machineId, e)
    }
    this.dirty = true
  }

  get(machineId) {
    return this.entries.get(machineId)?.m
  }

  setFilter(filter) {
    this.filter = filter
    for (const e of this.entries.values()) e.shown = this.passes(e)
    this.dirty = true
  }

  /** The filter's rule (machines.js matches) over the entry's derived values. */
  passes(e) {
    return (
      !this.filter.statuses.has(e.status) &&
      !this.filter.types.has(e.type) &&
      !this.filter.bookings.has(e.booking)
    )
  }

  /** How many machines pass the filter. */
  shownCount() {
    let n = 0
    for (const e of this.entries.values()) if (e.shown) n++
    return n
  }

  select(machineId) {
    this.selected = machineId
    this.dirty = true
  }

  /** Where a machine is drawn, in container pixels; undefined when it is unknown, filtered out or off screen. */
  pointOf(machineId) {
    const e = this.entries.get(machineId)
    if (e === undefined || !e.shown) return undefined
    const p = this.toContainer(e)
    const size = this.map.getSize()
    return p.x >= 0 && p.y >= 0 && p.x <= size.x && p.y <= size.y ? p : undefined
  }

  /** The visible machine nearest to a container point, within a marker's reach. */
  hitTest(point) {
    let best
    let bestDistance = HIT_RADIUS * HIT_RADIUS
    for (const [id, e] of this.entries) {
      if (!e.shown) continue
      const p = this.toContainer(e)
      const d = (p.x - point.x) ** 2 + (p.y - point.y) ** 2
      if (d <= bestDistance) {
        best = id
        bestDistance = d
      }
    }
    return best
  }

  toContainer(e) {
    const scale = 2 ** this.map.getZoom()
    const origin = this.map.getPixelOrigin()
    const pane = this.map.containerPointToLayerPoint([0, 0])
    return { x: e.x0 * scale - origin.x - pane.x, y: e.y0 * scale - origin.y - pane.y }
  }

  draw() {
    this.dirty = false
    const size = this.map.getSize()
    const ratio = window.devicePixelRatio || 1
    if (this.canvas.width !== size.x * ratio || this.canvas.height !== size.y * ratio) {
      this.canvas.width = size.x * ratio
      this.canvas.height = size.y * ratio
      this.canvas.style.width = `${size.x}px`
      this.canvas.style.height = `${size.y}px`
    }
    const topLeft = this.map.containerPointToLayerPoint([0, 0])
    L.DomUtil.setPosition(this.canvas, topLeft)
    const ctx = this.ctx
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0)
    ctx.clearRect(0, 0, size.x, size.y)
    const scale = 2 ** this.map.getZoom()
    const origin = this.map.getPixelOrigin()
    const dx = -origin.x - topLeft.x
    const dy = -origin.y - topLeft.y
    let visible = 0
    for (const status of STATUSES) {
      ctx.beginPath()
      for (const e of this.entries.values()) {
        if (e.status !== status || !e.shown) continue
        const x = e.x0 * scale + dx
        const y = e.y0 * scale + dy
        if (x < -SIZE || y < -SIZE || x > size.x + SIZE || y > size.y + SIZE) continue
        visible++
        shape(ctx, x, y, e.m.headingDegrees, SIZE)
      }
      // Filled without an outline: stroking 2,000 anti-aliased outlines doubled the draw in software.
      ctx.fillStyle = STATUS_COLORS[status]
      ctx.fill()
    }
    const selected = this.selected === null ? undefined : this.entries.get(this.selected)
    if (selected !== undefined && selected.shown) {
      const x = selected.x0 * scale + dx
      const y = selected.y0 * scale + dy
      ctx.beginPath()
      shape(ctx, x, y, selected.m.headingDegrees, SIZE * 1.6)
      ctx.fillStyle = STATUS_COLORS[selected.status]
      ctx.fill()
      ctx.lineWidth = 2.5
      ctx.strokeStyle = '#d50000'
      ctx.stroke()
    }
    this.visible = visible
  }
}

/** A triangle pointing along the heading (degrees clockwise from north), or a dot without one. */
function shape(ctx, x, y, heading, size) {
  if (heading === null || heading === undefined) {
    ctx.moveTo(x + size * 0.6, y)
    ctx.arc(x, y, size * 0.6, 0, Math.PI * 2)
    return
  }
  const a = (heading * Math.PI) / 180
  const sin = Math.sin(a)
  const cos = Math.cos(a)
  // Nose ahead, two corners behind: the unit triangle rotated by the heading (screen y points down).
  ctx.moveTo(x + size * sin, y - size * cos)
  ctx.lineTo(x - size * 0.7 * sin + size * 0.6 * cos, y + size * 0.7 * cos + size * 0.6 * sin)
  ctx.lineTo(x - size * 0.7 * sin - size * 0.6 * cos, y + size * 0.7 * cos - size * 0.6 * sin)
  ctx.closePath()
}
