import { PART_OF } from '../labels.ts'
import { ALERT_GROUPS } from './groups.ts'

/** The alerts as prometheus-operator's PrometheusRule (the same groups promtool checks and tests). */
export function prometheusRule(): Record<string, unknown> {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'oxagry-alerts', labels: { ...PART_OF } },
    spec: { groups: ALERT_GROUPS },
  }
}
