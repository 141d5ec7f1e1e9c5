import {
  AggregatorRegistry,
  type Metric,
  type MetricObjectWithValues,
  type MetricValue,
  type Registry,
  type RegistryContentType,
} from 'prom-client'

type MetricsJson = MetricObjectWithValues<MetricValue<string>>[]

/**
 * Makes the instance's registry show its stream threads' series (`numStreamThreads` above 1): each
 * metric of `names` the registry holds is replaced by a view that answers with its own series merged,
 * by prom-client's AggregatorRegistry (made for a cluster's workers), with the threads' series of the
 * same name, each labelled with its `thread`. Everything else about the metric (inc, set, labels) goes
 * to the original, so the main thread and other instances sharing the registry keep writing to it. One
 * scrape asks each thread once. Returns what puts the originals back.
 */
export function mergeThreadMetrics(
  registry: Registry,
  names: readonly string[],
  threads: () => Promise<MetricsJson[]>,
): () => void {
  let scrape: Promise<Registry<RegistryContentType>> | undefined
  const merged = (): Promise<Registry<RegistryContentType>> => {
    if (scrape !== undefined) return scrape
    const next = threads()
      .then(async (lists) => {
        const own = await Promise.all(
          names.flatMap((name) => {
            const metric = originals.get(name)
            return metric === undefined
              ? []
              : [metric.get() as Promise<MetricObjectWithValues<MetricValue<string>>>]
          }),
        )
        return AggregatorRegistry.aggregate([own, ...lists])
      })
      .finally(() => {
        scrape = undefined
      })
    scrape = next
    return next
  }
  const originals = new Map<string, Metric>()
  for (const name of names) {
    const original = registry.getSingleMetric(name)
    if (original === undefined) continue
    originals.set(name, original)
    const view = new Proxy(original, {
      get(target, property, receiver) {
        if (property !== 'get') return Reflect.get(target, property, receiver) as unknown
        return async () => {
          const all = await merged()
          return (await all.getSingleMetric(name)?.get()) ?? (await target.get())
        }
      },
    })
    registry.removeSingleMetric(name)
    registry.registerMetric(view)
  }
  return () => {
    for (const [name, original] of originals) {
      registry.removeSingleMetric(name)
      registry.registerMetric(original)
    }
  }
}
