// The first module a stream thread's worker runs. Node 20 does not run the main thread's `--import`
// loaders in workers, and this package ships TypeScript sources: the loader the main thread runs them
// with (tsx) is registered here before the worker's TypeScript entry is imported.
import { workerData } from 'node:worker_threads'

if (workerData.entry.endsWith('.ts')) {
  const { register } = await import('tsx/esm/api')
  register()
}
await import(workerData.entry)
