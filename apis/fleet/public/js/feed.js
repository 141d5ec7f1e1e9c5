// The live feed over WebSocket: subscribes to the map's viewport (a bounding box), and again, at most
// a few times a second, as the viewport moves (the server allows 10 messages a second); reconnects.

const RESUBSCRIBE_MS = 300

export class LiveFeed {
  constructor({ token, onSnapshot, onUpdate, onState }) {
    this.token = token
    this.handlers = { onSnapshot, onUpdate, onState }
    this.bbox = null
    this.socket = null
    this.timer = undefined
  }

  connect() {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/machines`
    const ws = this.token === null ? new WebSocket(url) : new WebSocket(url, ['oxagry.bearer', this.token])
    this.socket = ws
    ws.addEventListener('open', () => {
      this.handlers.onState('live')
      this.send()
    })
    ws.addEventListener('message', (event) => {
      const message = JSON.parse(event.data)
      if (message.type === 'snapshot') this.handlers.onSnapshot(message.machines)
      else if (message.type === 'update') this.handlers.onUpdate(message.machines)
      else if (message.type === 'error') this.handlers.onState('error', message.message)
    })
    ws.addEventListener('close', () => {
      this.handlers.onState('closed')
      this.socket = null
      setTimeout(() => this.connect(), 1000)
    })
  }

  /** Follows the viewport: the box is sent once the viewport has rested RESUBSCRIBE_MS. */
  follow(bbox) {
    this.bbox = bbox
    clearTimeout(this.timer)
    this.timer = setTimeout(() => this.send(), RESUBSCRIBE_MS)
  }

  send() {
    if (this.socket === null || this.socket.readyState !== WebSocket.OPEN) return
    this.socket.send(
      JSON.stringify(this.bbox === null ? { type: 'subscribe' } : { type: 'subscribe', bbox: this.bbox }),
    )
  }
}

/** The viewport, padded by a quarter so machines just outside it are there when panning, clamped. */
export function viewportBox(bounds) {
  const padded = bounds.pad(0.25)
  const clamp = (v, limit) => Math.max(-limit, Math.min(limit, v))
  return {
    minLat: clamp(padded.getSouth(), 90),
    maxLat: clamp(padded.getNorth(), 90),
    minLon: clamp(padded.getWest(), 180),
    maxLon: clamp(padded.getEast(), 180),
  }
}
