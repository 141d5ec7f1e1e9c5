import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { REPO_DIR } from '../config.ts'

/** The parts of a Compose service the tests read (the Compose Specification's names). */
export interface ComposeService {
  readonly image?: string
  readonly build?: { readonly context: string; readonly dockerfile: string }
  readonly user?: string
  readonly working_dir?: string
  readonly entrypoint?: readonly string[]
  readonly command?: readonly string[]
  readonly ports?: readonly string[]
  readonly expose?: readonly string[]
  readonly environment?: Readonly<Record<string, string>>
  readonly volumes?: readonly string[]
  readonly depends_on?: Readonly<Record<string, { readonly condition: string }>> | readonly string[]
}

export interface ComposeFile {
  readonly services: Readonly<Record<string, ComposeService>>
  readonly volumes?: Readonly<Record<string, unknown>>
}

export const COMPOSE_FILE = join(REPO_DIR, 'compose.yml')

/** compose.yml as Docker Compose reads it: YAML merge keys (`<<: *oxagry-image`) resolved. */
export function readCompose(path: string = COMPOSE_FILE): ComposeFile {
  return parse(readFileSync(path, 'utf8'), { merge: true }) as ComposeFile
}

/** The services that run the platform's image (built from deploy/Dockerfile). */
export function imageServices(compose: ComposeFile): [string, ComposeService][] {
  return Object.entries(compose.services).filter(([, s]) => s.build?.dockerfile === 'deploy/Dockerfile')
}

/**
 * The words a service runs in its working directory: its command, or the command an `sh -c` entry point
 * runs, up to an output redirection.
 */
export function commandWords(service: ComposeService): string[] {
  const command = [...(service.command ?? [])]
  const entry = service.entrypoint ?? []
  if (entry.length === 2 && entry[0] === '/bin/sh' && entry[1] === '-c') {
    const words = (command[0] ?? '').split(/\s+/).filter((w) => w !== '')
    const redirect = words.findIndex((w) => w.startsWith('>'))
    return redirect < 0 ? words : words.slice(0, redirect)
  }
  return [...entry, ...command]
}

/** A bind mount's source in the repository and its target, or undefined for a named volume. */
export function bindMount(volume: string): { source: string; target: string } | undefined {
  if (!volume.startsWith('./')) return undefined
  const [source = '', target = ''] = volume.split(':')
  return { source: join(REPO_DIR, source), target }
}

/** A named volume's name and target, or undefined for a bind mount. */
export function namedVolume(volume: string): { name: string; target: string } | undefined {
  if (volume.startsWith('./') || volume.startsWith('/')) return undefined
  const [name = '', target = ''] = volume.split(':')
  return { name, target }
}

/** The ports a service listens on inside the Compose network: `expose`, and the targets of `ports`. */
export function containerPorts(service: ComposeService): number[] {
  const published = (service.ports ?? []).map((p) => Number(p.split(':').at(-1)))
  return [...new Set([...(service.expose ?? []).map(Number), ...published])]
}
