import test from 'ava'
import { servicesRequired } from '@oxagry/testkit'
import { tmpfsSupport } from './disk.ts'
import { PLANS } from './options.ts'
import { missingPrerequisites } from './private-stack.ts'
import { renderReport, verdictOf } from './report.ts'
import { failuresOf } from './result.ts'
import { runSuite } from './suite.ts'

// The short form of the fault suite, on a private stack of its own (ports 19400-19407), so it never
// stops a service someone else is using. It needs what the local stack needs, not the stack itself.
const missing = missingPrerequisites()
const noDisk = tmpfsSupport()
const title = `the short fault suite: broker, registry and each store down, ${PLANS.short.kills} SIGKILLs under exactly-once${
  noDisk === undefined ? ', a full state disk' : ` [disk full skipped: ${noDisk.code}, ${noDisk.reason}]`
}: nothing lost or duplicated, health truthful, ready again`

if (missing !== undefined && !servicesRequired()) test.skip(`${title} [skipped: ${missing}]`, () => {})
else
  test(title, async (t) => {
    t.timeout(900_000)
    if (missing !== undefined) return t.fail(`required: ${missing}`)
    const suite = await runSuite(PLANS.short, { portBase: 19_400, report: (line) => t.log(line) })
    t.log(renderReport(suite))
    t.log(`short form took ${(suite.durationMs / 1000).toFixed(1)} s`)
    const ran = suite.faults.filter((f) => verdictOf(f) !== 'SKIPPED').map((f) => f.name)
    t.is(ran.length, suite.faults.length - (noDisk === undefined ? 0 : 1), `ran: ${ran.join('; ')}`)
    t.deepEqual(
      Object.fromEntries(suite.faults.map((f) => [f.name, failuresOf(f)])),
      Object.fromEntries(suite.faults.map((f) => [f.name, []])),
    )
  })
