import { CLUSTER_CA } from '../cluster/kafka.ts'
import { selectorLabels, workloadLabels } from '../labels.ts'
import type { Workload } from '../workloads.ts'
import { configMapData, configMapName, containerEnv, KAFKA_CA_DIR } from './env.ts'

/** The image every workload runs (deploy/Dockerfile); an overlay sets its registry and tag. */
export const IMAGE = 'oxagry'
/** Where the image keeps the repository (the Dockerfile's WORKDIR). */
export const APP_DIR = '/app'
export const RUN_AS = 10001

function metadata(workload: Workload, name = workload.name): Record<string, unknown> {
  return { name, labels: workloadLabels(workload.name, workload.kind) }
}

export function configMap(workload: Workload): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: metadata(workload, configMapName(workload)),
    data: configMapData(workload),
  }
}

function probe(path: string, failureThreshold: number): Record<string, unknown> {
  return {
    httpGet: { path, port: 'http' },
    periodSeconds: 10,
    timeoutSeconds: 3,
    failureThreshold,
  }
}

function podTemplate(workload: Workload): Record<string, unknown> {
  const volumeMounts: Record<string, unknown>[] = [
    { name: 'kafka-ca', mountPath: KAFKA_CA_DIR, readOnly: true },
    { name: 'tmp', mountPath: '/tmp' },
  ]
  if (workload.state !== undefined) volumeMounts.push({ name: 'state', mountPath: workload.state.mountPath })
  return {
    metadata: { labels: workloadLabels(workload.name, workload.kind) },
    spec: {
      securityContext: {
        runAsNonRoot: true,
        runAsUser: RUN_AS,
        runAsGroup: RUN_AS,
        fsGroup: RUN_AS,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      // Stores are flushed and transactions closed on SIGTERM (shutdownOnSignals); give them time.
      terminationGracePeriodSeconds: 60,
      containers: [
        {
          name: workload.name,
          image: IMAGE,
          workingDir: `${APP_DIR}/${workload.packageDir}`,
          args: [...workload.command],
          ports: [{ name: 'http', containerPort: workload.port, protocol: 'TCP' }],
          envFrom: [{ configMapRef: { name: configMapName(workload) } }],
          env: containerEnv(workload),
          resources: workload.resources,
          // Restoring stores can take a while after a move: the startup probe covers it.
          startupProbe: probe(workload.paths.live, 30),
          livenessProbe: probe(workload.paths.live, 3),
          readinessProbe: probe(workload.paths.ready, 3),
          securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
          },
          volumeMounts,
        },
      ],
      volumes: [
        {
          name: 'kafka-ca',
          secret: { secretName: CLUSTER_CA.secret, items: [{ key: CLUSTER_CA.key, path: 'ca.crt' }] },
        },
        { name: 'tmp', emptyDir: {} },
      ],
    },
  }
}

/** A Deployment, or a StatefulSet with one volume per pod when the workload keeps stores. */
export function controller(workload: Workload): Record<string, unknown> {
  const common = {
    replicas: workload.replicas,
    selector: { matchLabels: selectorLabels(workload.name) },
    template: podTemplate(workload),
  }
  if (workload.state === undefined) {
    return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: metadata(workload), spec: common }
  }
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: metadata(workload),
    spec: {
      ...common,
      serviceName: workload.name,
      podManagementPolicy: 'Parallel',
      volumeClaimTemplates: [
        {
          metadata: { name: 'state' },
          spec: {
            accessModes: ['ReadWriteOnce'],
            resources: { requests: { storage: workload.state.size } },
          },
        },
      ],
    },
  }
}

export function service(workload: Workload): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(workload),
    spec: {
      selector: selectorLabels(workload.name),
      ports: [{ name: 'http', port: workload.port, targetPort: 'http', protocol: 'TCP' }],
    },
  }
}

/** At most one pod down at a time in voluntary disruptions (node drains, upgrades). */
export function podDisruptionBudget(workload: Workload): Record<string, unknown> {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: metadata(workload),
    spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(workload.name) } },
  }
}

export function horizontalPodAutoscaler(workload: Workload): Record<string, unknown> | undefined {
  const scale = workload.autoscale
  if (scale === undefined) return undefined
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: metadata(workload),
    spec: {
      scaleTargetRef: {
        apiVersion: 'apps/v1',
        kind: workload.state === undefined ? 'Deployment' : 'StatefulSet',
        name: workload.name,
      },
      minReplicas: scale.min,
      maxReplicas: scale.max,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: scale.cpuPercent } },
        },
      ],
    },
  }
}

/** Prometheus (prometheus-operator) scrapes the workload's pods, with the `ops` token where asked. */
export function podMonitor(workload: Workload): Record<string, unknown> {
  const token = workload.metricsToken
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PodMonitor',
    metadata: metadata(workload),
    spec: {
      selector: { matchLabels: selectorLabels(workload.name) },
      podMetricsEndpoints: [
        {
          port: 'http',
          path: workload.paths.metrics,
          interval: '15s',
          ...(token === undefined
            ? {}
            : { authorization: { type: 'Bearer', credentials: { name: token.secret, key: token.key } } }),
        },
      ],
    },
  }
}
