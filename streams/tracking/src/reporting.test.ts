import test from 'ava'
import { Registry } from 'prom-client'
import { MACHINES_REPORTING, machinesReportingGauge } from './reporting.ts'

test('one gauge per registry collects every tracking instance: machines reporting per application', async (t) => {
  const registry = new Registry()
  const sources = machinesReportingGauge(registry)
  t.is(machinesReportingGauge(registry), sources, 'a second instance joins the same gauge')
  const north = () => ({ application: 'tracking-north', machines: 3 })
  sources.add(north)
  sources.add(() => ({ application: 'tracking-south', machines: 5 }))
  sources.add(() => undefined) // an instance not running says nothing
  let text = await registry.metrics()
  t.regex(text, new RegExp(`${MACHINES_REPORTING}\\{application="tracking-north"\\} 3\\n`))
  t.regex(text, new RegExp(`${MACHINES_REPORTING}\\{application="tracking-south"\\} 5\\n`))
  sources.delete(north)
  text = await registry.metrics()
  t.notRegex(text, /tracking-north/, 'a closed instance leaves the gauge')
})
