import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard'
import { apisDashboard } from './dashboards/apis.ts'
import { businessDashboard } from './dashboards/business.ts'
import { kafkaDashboard } from './dashboards/kafka.ts'
import { sinksDashboard } from './dashboards/sinks.ts'
import { streamsDashboard } from './dashboards/streams.ts'

/** Every dashboard, built: each is written to generated/<uid>.json. */
export function dashboards(): Dashboard[] {
  return [streamsDashboard(), sinksDashboard(), apisDashboard(), kafkaDashboard(), businessDashboard()].map(
    (d) => d.build(),
  )
}
