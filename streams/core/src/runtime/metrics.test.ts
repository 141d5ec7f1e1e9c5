import test from 'ava'
import { Registry } from 'prom-client'
import { STREAMS_METRICS, StreamsMetrics } from './metrics.ts'

test('several applications share one registry: one set of metrics, a series per application, every store counted', async (t) => {
  const registry = new Registry()
  const a = new StreamsMetrics(registry, () => [
    { application: 'orders', store: 'orders-store', task: '0_0', entries: 3 },
  ])
  const b = new StreamsMetrics(registry, () => [
    { application: 'inventory', store: 'stock-store', task: '0_1', entries: 5 },
  ])
  a.recordsProcessed.inc({ application: 'orders', subtopology: '0' }, 2)
  b.recordsProcessed.inc({ application: 'inventory', subtopology: '0' }, 7)
  const text = await registry.metrics()
  t.regex(text, new RegExp(`${STREAMS_METRICS.recordsProcessed}\\{application="orders",subtopology="0"\\} 2`))
  t.regex(
    text,
    new RegExp(`${STREAMS_METRICS.recordsProcessed}\\{application="inventory",subtopology="0"\\} 7`),
  )
  t.regex(text, /oxagry_streams_store_entries\{application="orders",store="orders-store",task="0_0"\} 3/)
  t.regex(text, /oxagry_streams_store_entries\{application="inventory",store="stock-store",task="0_1"\} 5/)
  t.is(text.split(`# TYPE ${STREAMS_METRICS.recordsProcessed} counter`).length, 2, 'declared once')

  a.close()
  const after = await registry.metrics()
  t.notRegex(after, /store="orders-store"/, "a closed instance's stores leave the gauge")
  t.regex(after, /store="stock-store"/)
  t.regex(after, /application="orders",subtopology="0"\} 2/, 'its counters stay')
})
