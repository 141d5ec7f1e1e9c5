import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stringify } from 'yaml'
import type { ObjectValidator } from './crd-schemas.ts'

/** The Kubernetes release the built-in objects are validated against (kubernetes-validate's schemas). */
export const KUBERNETES_VERSION = '1.32.0'

export interface KubeObject {
  readonly apiVersion: string
  readonly kind: string
  readonly metadata: { readonly name: string; readonly namespace?: string }
}

export function objectKey(o: KubeObject): string {
  return `${o.apiVersion.includes('/') ? o.apiVersion : `core/${o.apiVersion}`}/${o.kind}`
}

/**
 * The problems of each object, by `kind/name`: custom resources against their vendored CRD, built-in
 * ones against Kubernetes' OpenAPI schemas (kubernetes-validate, strict), any other kind refused.
 */
export function validateObjects(
  objects: readonly KubeObject[],
  crds: ReadonlyMap<string, ObjectValidator>,
  kubernetesValidate: string,
): string[] {
  const problems: string[] = []
  const builtIn: KubeObject[] = []
  for (const o of objects) {
    const validator = crds.get(objectKey(o))
    if (validator !== undefined)
      problems.push(...validator(o).map((p) => `${o.kind}/${o.metadata.name}: ${p}`))
    else if (o.apiVersion.includes('.') && !o.apiVersion.endsWith('.k8s.io/v1'))
      problems.push(`${o.kind}/${o.metadata.name}: no schema for ${o.apiVersion} ${o.kind}`)
    else builtIn.push(o)
  }
  if (builtIn.length > 0) {
    const dir = mkdtempSync(join(tmpdir(), 'oxagry-validate-'))
    try {
      const file = join(dir, 'objects.yaml')
      writeFileSync(file, builtIn.map((o) => stringify(o, { version: '1.1' })).join('---\n'))
      const run = spawnSync(kubernetesValidate, ['--strict', '--no-warn', '-k', KUBERNETES_VERSION, file], {
        encoding: 'utf8',
      })
      const passed = (run.stdout.match(/ passed for resource /g) ?? []).length
      if (run.status !== 0 || passed !== builtIn.length)
        problems.push(`kubernetes-validate (${passed}/${builtIn.length} passed):\n${run.stdout}${run.stderr}`)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
  return problems
}
