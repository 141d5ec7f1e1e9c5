import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const SCRIPT = fileURLToPath(new URL('../../scripts/validation-tools.sh', import.meta.url))

/** kustomize's and kubernetes-validate's paths, installed (pinned, cached) on first use. */
export function validationTools(): { kustomize: string; kubernetesValidate: string } {
  const out = execFileSync('bash', [SCRIPT], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
  const tool = (name: string): string => {
    const line = out.split('\n').find((l) => l.startsWith(`${name} `))
    if (line === undefined) throw new Error(`${SCRIPT} did not print the path of ${name}:\n${out}`)
    return line.slice(name.length + 1)
  }
  return { kustomize: tool('kustomize'), kubernetesValidate: tool('kubernetes-validate') }
}
