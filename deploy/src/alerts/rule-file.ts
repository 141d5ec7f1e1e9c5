import { stringify } from 'yaml'
import { ALERT_GROUPS } from './groups.ts'

/** The alerts as a Prometheus rule file, for promtool (deploy/alerts/rules.yaml). */
export function ruleFileYaml(): string {
  return stringify({ groups: ALERT_GROUPS }, { lineWidth: 0 })
}
