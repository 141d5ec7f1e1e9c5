import { kafkaCluster, nodePool } from './cluster/kafka.ts'
import { kafkaMetricsConfigMap } from './cluster/jmx-exporter.ts'
import { kafkaPodMonitor } from './cluster/monitoring.ts'
import {
  configMap,
  controller,
  horizontalPodAutoscaler,
  podDisruptionBudget,
  podMonitor,
  service,
} from './kubernetes/workload.ts'
import { kafkaUser } from './users.ts'
import { WORKLOADS, type Workload } from './workloads.ts'
import { prometheusRule } from './alerts/rule.ts'

/** One generated object and the file (under deploy/kubernetes/base/) it is written to. */
export interface ManifestFile {
  readonly path: string
  readonly object: Record<string, unknown>
}

function file(folder: string, object: Record<string, unknown>): ManifestFile {
  const kind = String(object.kind).toLowerCase()
  const name = String((object.metadata as { name: string }).name)
  return { path: `${folder}/${kind}-${name}.yaml`, object }
}

async function workloadFiles(workload: Workload): Promise<ManifestFile[]> {
  const folder = `apps/${workload.name}`
  const hpa = horizontalPodAutoscaler(workload)
  return [
    file(folder, await kafkaUser(workload)),
    file(folder, configMap(workload)),
    file(folder, controller(workload)),
    file(folder, service(workload)),
    file(folder, podDisruptionBudget(workload)),
    ...(hpa === undefined ? [] : [file(folder, hpa)]),
    file(folder, podMonitor(workload)),
  ]
}

/** Every object of the base: the cluster, then each workload with its KafkaUser, then monitoring. */
export async function baseManifests(workloads: readonly Workload[] = WORKLOADS): Promise<ManifestFile[]> {
  return [
    file('kafka', kafkaMetricsConfigMap()),
    file('kafka', kafkaCluster()),
    file('kafka', nodePool('controller', '20Gi')),
    file('kafka', nodePool('broker', '500Gi')),
    ...(await Promise.all(workloads.map(workloadFiles))).flat(),
    file('monitoring', kafkaPodMonitor()),
    file('monitoring', prometheusRule()),
  ]
}
