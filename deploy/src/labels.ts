/** The label every object of the platform carries. */
export const PART_OF = { 'app.kubernetes.io/part-of': 'oxagry' } as const

/** The labels a workload's pods, Service and monitors select it by. */
export function selectorLabels(name: string): Record<string, string> {
  return { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': name }
}

export function workloadLabels(name: string, component: string): Record<string, string> {
  return { ...selectorLabels(name), 'app.kubernetes.io/component': component, ...PART_OF }
}
