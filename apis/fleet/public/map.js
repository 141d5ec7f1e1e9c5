// The live map: geofences from the REST API, machines from the WebSocket feed, drawn on a canvas in
// an equirectangular projection fitted to the fields. Everything it loads comes from this server.
const canvas = document.getElementById('map')
const ctx = canvas.getContext('2d')
const statusEl = document.getElementById('status')
const countEl = document.getElementById('count')
const machines = new Map()
let geofences = []
let bounds = null
let updates = 0

// With authentication on, open the map as /map/#token=<JWT with fleet:read>: the token stays in this
// tab (sessionStorage), leaves the address bar, and goes as a bearer header and a WebSocket subprotocol.
const token =
  new URLSearchParams(location.hash.slice(1)).get('token') ?? sessionStorage.getItem('oxagry.token')
if (token !== null) {
  sessionStorage.setItem('oxagry.token', token)
  history.replaceState(null, '', location.pathname)
}

function fit() {
  const points = [
    ...geofences.flatMap((g) => g.boundary),
    ...[...machines.values()].map((m) => ({ latitude: m.latitude, longitude: m.longitude })),
  ]
  if (points.length === 0) return null
  const lats = points.map((p) => p.latitude)
  const lons = points.map((p) => p.longitude)
  const pad = 0.002
  return {
    minLat: Math.min(...lats) - pad,
    maxLat: Math.max(...lats) + pad,
    minLon: Math.min(...lons) - pad,
    maxLon: Math.max(...lons) + pad,
  }
}

function project(lat, lon) {
  const { width, height } = canvas
  const b = bounds
  const cos = Math.cos((((b.minLat + b.maxLat) / 2) * Math.PI) / 180)
  const spanX = (b.maxLon - b.minLon) * cos
  const spanY = b.maxLat - b.minLat
  const scale = Math.min(width / spanX, height / spanY)
  const x = (lon - b.minLon) * cos * scale + (width - spanX * scale) / 2
  const y = height - ((lat - b.minLat) * scale + (height - spanY * scale) / 2)
  return [x, y]
}

const COLORS = { moving: '#1565c0', idle: '#f9a825', off: '#757575', unknown: '#9e9e9e' }

// The read model's rule: moving at 1 km/h or more, else by engine state.
function statusOf(m) {
  if (m.speedKmh >= 1) return 'moving'
  if (m.engineState === 'OFF') return 'off'
  if (m.engineState === 'IDLE' || m.engineState === 'RUNNING') return 'idle'
  return 'unknown'
}

function draw() {
  canvas.width = canvas.clientWidth * devicePixelRatio
  canvas.height = canvas.clientHeight * devicePixelRatio
  ctx.fillStyle = '#f4f1e8'
  ctx.fillRect(0, 0, canvas.width, canvas.height)
  if (bounds === null) bounds = fit()
  if (bounds === null) return
  for (const g of geofences) {
    ctx.beginPath()
    g.boundary.forEach((p, i) => {
      const [x, y] = project(p.latitude, p.longitude)
      if (i === 0) ctx.moveTo(x, y)
      else ctx.lineTo(x, y)
    })
    ctx.closePath()
    const yard = g.kind === 'YARD'
    ctx.fillStyle = yard ? 'rgba(141,110,99,0.35)' : 'rgba(104,159,56,0.35)'
    ctx.strokeStyle = yard ? '#6d4c41' : '#558b2f'
    ctx.fill()
    ctx.stroke()
  }
  const r = 4 * devicePixelRatio
  for (const m of machines.values()) {
    const [x, y] = project(m.latitude, m.longitude)
    ctx.beginPath()
    ctx.arc(x, y, r, 0, Math.PI * 2)
    ctx.fillStyle = COLORS[statusOf(m)]
    ctx.fill()
  }
}

function connect() {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/machines`
  const ws = token === null ? new WebSocket(url) : new WebSocket(url, ['oxagry.bearer', token])
  ws.addEventListener('open', () => {
    statusEl.textContent = 'live'
    statusEl.dataset.state = 'live'
    ws.send(JSON.stringify({ type: 'subscribe' }))
  })
  ws.addEventListener('message', (event) => {
    const message = JSON.parse(event.data)
    if (message.type === 'snapshot' || message.type === 'update') {
      for (const m of message.machines) machines.set(m.machineId, m)
      updates += message.type === 'update' ? message.machines.length : 0
      countEl.textContent = `${machines.size} machines`
      document.body.dataset.machines = String(machines.size)
      document.body.dataset.updates = String(updates)
    }
  })
  ws.addEventListener('close', () => {
    statusEl.textContent = 'reconnecting…'
    statusEl.dataset.state = 'closed'
    setTimeout(connect, 1000)
  })
}

async function start() {
  const response = await fetch(
    '/api/v1/geofences',
    token === null ? {} : { headers: { authorization: `Bearer ${token}` } },
  )
  geofences = (await response.json()).geofences
  bounds = null
  connect()
  const frame = () => {
    draw()
    requestAnimationFrame(frame)
  }
  requestAnimationFrame(frame)
}

window.fleetMap = {
  machines,
  get updates() {
    return updates
  },
}
start()
