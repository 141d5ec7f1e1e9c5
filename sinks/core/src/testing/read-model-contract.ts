import type { ExecutionContext } from 'ava'
import { SINK_ERROR_CODES, SinkError } from '../errors.ts'
import type { MachineReadModel, MachineState } from '../read-model.ts'
import { position } from './samples.ts'

type Register = (title: string, body: (t: ExecutionContext) => Promise<void>) => void

const T0 = Date.UTC(2025, 5, 1, 8, 0, 0)

/**
 * The behaviour every MachineReadModel must have. `open` returns an empty, ready model of its own per
 * test (a fresh table or collection), so the suite may run concurrently.
 */
export function machineReadModelContract(
  name: string,
  test: Register,
  open: () => Promise<MachineReadModel>,
  options: {
    /**
     * Whether concurrent guarded upserts of one machine are atomic (PostgreSQL, MongoDB). FerretDB v1
     * evaluates the filter and writes in separate steps, so there concurrent writers of one machine may
     * lose an update; the sinks never write one machine concurrently (one partition owner per key,
     * flushes in sequence), and for such a store the test only asks for no errors and a written state.
     */
    readonly atomicConcurrentUpserts?: boolean
  } = {},
): void {
  const check = (title: string, body: (t: ExecutionContext, model: MachineReadModel) => Promise<void>) =>
    test(`${name}: ${title}`, async (t) => {
      const model = await open()
      try {
        await body(t, model)
      } finally {
        await model.close()
      }
    })

  check('stores the latest state and reads it back with its status', async (t, model) => {
    const p = position('MF-1', T0, { headingDegrees: null, fuelLevelPercent: null, geofenceIds: [] })
    t.deepEqual(await model.upsertPositions([p]), { applied: 1, stale: 0 })
    const got = await model.get('MF-1')
    t.deepEqual(got, {
      machineId: p.machineId,
      status: 'MOVING',
      eventTime: T0,
      latitude: p.latitude,
      longitude: p.longitude,
      speedKmh: p.speedKmh,
      headingDegrees: null,
      accuracyMeters: p.accuracyMeters,
      engineState: 'RUNNING',
      fuelLevelPercent: null,
      lastPingId: p.lastPingId,
      lastSequence: p.lastSequence,
      geofenceIds: [],
    } satisfies MachineState)
    t.is(await model.get('MF-unknown'), undefined)
  })

  check('an older event never overwrites a newer one', async (t, model) => {
    await model.upsertPositions([position('MF-1', T0 + 1000, { latitude: 10 })])
    t.deepEqual(await model.upsertPositions([position('MF-1', T0, { latitude: 20 })]), {
      applied: 0,
      stale: 1,
    })
    t.is((await model.get('MF-1'))?.latitude, 10)
    await model.upsertPositions([position('MF-1', T0 + 2000, { latitude: 30, geofenceIds: [] })])
    t.is((await model.get('MF-1'))?.latitude, 30)
    t.deepEqual((await model.get('MF-1'))?.geofenceIds, [])
  })

  check('the same eventTime is decided by the sequence; a replay changes nothing', async (t, model) => {
    const first = position('MF-2', T0, { lastSequence: 5, latitude: 1 })
    await model.upsertPositions([first])
    t.deepEqual(await model.upsertPositions([position('MF-2', T0, { lastSequence: 4, latitude: 2 })]), {
      applied: 0,
      stale: 1,
    })
    t.deepEqual(await model.upsertPositions([first]), { applied: 0, stale: 1 })
    t.deepEqual(await model.upsertPositions([position('MF-2', T0, { lastSequence: 6, latitude: 3 })]), {
      applied: 1,
      stale: 0,
    })
    t.is((await model.get('MF-2'))?.latitude, 3)
  })

  check('within one call the newest position per machine wins, in any order', async (t, model) => {
    const result = await model.upsertPositions([
      position('MF-3', T0 + 2000, { latitude: 2 }),
      position('MF-4', T0, { latitude: 40 }),
      position('MF-3', T0 + 5000, { latitude: 5 }),
      position('MF-3', T0 + 1000, { latitude: 1 }),
    ])
    t.deepEqual(result, { applied: 2, stale: 2 })
    t.is((await model.get('MF-3'))?.latitude, 5)
    t.is((await model.get('MF-4'))?.latitude, 40)
  })

  check('a batch of 250 machines, then newer positions of all of them, lands whole', async (t, model) => {
    // A sink batch holds the positions of a whole fleet; FerretDB v1 hangs on 100 upserts of existing
    // documents in one command, so a model must cut them.
    const ids = Array.from({ length: 250 }, (_, i) => `MF-fleet-${String(i).padStart(3, '0')}`)
    t.deepEqual(await model.upsertPositions(ids.map((id) => position(id, T0, { latitude: 1 }))), {
      applied: 250,
      stale: 0,
    })
    const newer = ids.map((id) => position(id, T0 + 5000, { latitude: 2 }))
    t.deepEqual(await model.upsertPositions([...newer, position(ids[0]!, T0 - 1, { latitude: 3 })]), {
      applied: 250,
      stale: 1,
    })
    const last = await model.get(ids.at(-1)!)
    t.is(last?.latitude, 2)
    t.is((await model.get(ids[0]!))?.latitude, 2)
  })

  check('concurrent upserts of a new machine settle on the newest, without errors', async (t, model) => {
    const times = Array.from({ length: 8 }, (_, i) => T0 + i * 1000)
    await Promise.all(
      times.map((time) => model.upsertPositions([position('MF-race', time, { latitude: time / 1e12 })])),
    )
    const got = await model.get('MF-race')
    if (options.atomicConcurrentUpserts === false) {
      t.true(times.includes(got?.eventTime ?? -1))
      t.is(got?.latitude, (got?.eventTime ?? 0) / 1e12)
      // Written one after another, the newest still wins.
      await model.upsertPositions([position('MF-race', T0 + 8000, { latitude: 8 })])
      t.is((await model.get('MF-race'))?.latitude, 8)
      return
    }
    t.is(got?.eventTime, T0 + 7000)
    t.is(got?.latitude, (T0 + 7000) / 1e12)
  })

  check('lists by machineId with keyset pagination', async (t, model) => {
    const ids = Array.from({ length: 25 }, (_, i) => `MF-${String(i).padStart(3, '0')}`)
    await model.upsertPositions([...ids].reverse().map((id) => position(id, T0)))
    const seen: string[] = []
    let cursor: string | undefined
    let pages = 0
    do {
      const page = await model.list({ limit: 10, ...(cursor === undefined ? {} : { cursor }) })
      seen.push(...page.items.map((m) => m.machineId))
      cursor = page.nextCursor
      pages++
    } while (cursor !== undefined && pages < 10)
    t.deepEqual(seen, ids)
    t.is(pages, 3)
    const exact = await model.list({ limit: 25 })
    t.is(exact.items.length, 25)
    t.is(exact.nextCursor, undefined)
  })

  check(
    'filters by status and by a latitude/longitude box, bounds included, with pagination',
    async (t, model) => {
      await model.upsertPositions([
        position('A-in-moving', T0, { latitude: 52, longitude: 5, speedKmh: 20 }),
        position('B-in-idle', T0, { latitude: 52.5, longitude: 5.5, speedKmh: 0, engineState: 'IDLE' }),
        position('C-edge-off', T0, { latitude: 53, longitude: 6, speedKmh: 0, engineState: 'OFF' }),
        position('D-out-lat', T0, { latitude: 53.01, longitude: 5.5, speedKmh: 20 }),
        position('E-out-lon', T0, { latitude: 52.5, longitude: 4.99, speedKmh: 20 }),
        position('F-in-moving', T0, { latitude: 52.2, longitude: 5.9, speedKmh: 3 }),
      ])
      const bbox = { minLat: 52, minLon: 5, maxLat: 53, maxLon: 6 }
      const ids = async (query: Parameters<MachineReadModel['list']>[0]) =>
        (await model.list(query)).items.map((m) => m.machineId)
      t.deepEqual(await ids({ bbox }), ['A-in-moving', 'B-in-idle', 'C-edge-off', 'F-in-moving'])
      t.deepEqual(await ids({ status: 'MOVING' }), ['A-in-moving', 'D-out-lat', 'E-out-lon', 'F-in-moving'])
      t.deepEqual(await ids({ status: 'MOVING', bbox }), ['A-in-moving', 'F-in-moving'])
      t.deepEqual(await ids({ status: 'OFF' }), ['C-edge-off'])
      const first = await model.list({ bbox, limit: 3 })
      t.deepEqual(
        first.items.map((m) => m.machineId),
        ['A-in-moving', 'B-in-idle', 'C-edge-off'],
      )
      t.truthy(first.nextCursor)
      const second = await model.list({ bbox, limit: 3, cursor: first.nextCursor! })
      t.deepEqual(
        second.items.map((m) => m.machineId),
        ['F-in-moving'],
      )
      t.is(second.nextCursor, undefined)
    },
  )

  check('rejects a bad limit, box or cursor with a typed error', async (t, model) => {
    for (const [query, path] of [
      [{ limit: 0 }, '/query/limit'],
      [{ limit: 5000 }, '/query/limit'],
      [{ limit: Infinity }, '/query/limit'],
      [{ cursor: 'not-a-cursor' }, '/query/cursor'],
      [{ cursor: Buffer.from('{"after":123}').toString('base64url') }, '/query/cursor'],
      [{ bbox: { minLat: 2, minLon: 0, maxLat: 1, maxLon: 1 } }, '/query/bbox'],
      [{ bbox: { minLat: -Infinity, minLon: 0, maxLat: 1, maxLon: 1 } }, '/query/bbox'],
    ] as const) {
      const error = await t.throwsAsync(() => model.list(query), { instanceOf: SinkError })
      t.is(error?.code, SINK_ERROR_CODES.INVALID_QUERY)
      // The argument is named, so an API answers 400 naming its own parameter.
      t.is(error?.context.path, path, JSON.stringify(query))
    }
  })

  check('ensureIndexes is idempotent', async (t, model) => {
    await model.ensureIndexes()
    await model.ensureIndexes()
    await model.upsertPositions([position('MF-9', T0)])
    t.is((await model.get('MF-9'))?.machineId as string | undefined, 'MF-9')
  })
}
