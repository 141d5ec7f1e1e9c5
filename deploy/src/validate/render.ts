import { execFileSync } from 'node:child_process'
import { parseAllDocuments } from 'yaml'
import type { KubeObject } from './validate.ts'

/** `kustomize build <dir>`, parsed: the objects `kubectl apply -k <dir>` would send. */
export function kustomizeBuild(kustomize: string, dir: string): KubeObject[] {
  const out = execFileSync(kustomize, ['build', dir], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  return parseAllDocuments(out)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null)
}
