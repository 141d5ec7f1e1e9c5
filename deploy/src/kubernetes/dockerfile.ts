import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const DOCKERFILE = fileURLToPath(new URL('../../Dockerfile', import.meta.url))

export interface DockerfileFacts {
  /** Sources of COPY instructions from the build context (not `--from` a stage). */
  readonly copySources: readonly string[]
  /** The last WORKDIR and CMD: what the image runs when nothing else is said. */
  readonly workdir: string
  readonly cmd: readonly string[]
  readonly user: string
  readonly stages: readonly string[]
}

/** What a Dockerfile copies and runs, read from its instructions (continuation lines joined). */
export function readDockerfile(path: string = DOCKERFILE): DockerfileFacts {
  const lines = readFileSync(path, 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
  const copySources: string[] = []
  const stages: string[] = []
  let workdir = '/'
  let cmd: string[] = []
  let user = 'root'
  for (const line of lines) {
    const [instruction = '', ...rest] = line.split(/\s+/)
    const args = rest.join(' ')
    switch (instruction.toUpperCase()) {
      case 'FROM':
        stages.push(args)
        break
      case 'COPY': {
        const words = rest.filter((w) => !w.startsWith('--'))
        if (!rest.some((w) => w.startsWith('--from='))) copySources.push(...words.slice(0, -1))
        break
      }
      case 'WORKDIR':
        workdir = args
        break
      case 'CMD':
        cmd = JSON.parse(args) as string[]
        break
      case 'USER':
        user = args
        break
    }
  }
  return { copySources, workdir, cmd, user, stages }
}
