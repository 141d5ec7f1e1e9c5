import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ScenarioResult } from './drivers.ts'
import { CONFORMANCE_ERROR_CODES, ConformanceError } from './errors.ts'
import type { Scenario } from './scenarios.ts'

const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..')
const JAVA_DIR = join(PACKAGE_DIR, 'java')
const MAIN_CLASS = 'dev.oxagry.conformance.Main'

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
  )
}

/** The build is keyed on the pom and the Java sources: any change builds again, nothing else does. */
export function sourceHash(): string {
  const hash = createHash('sha256')
  for (const file of [join(JAVA_DIR, 'pom.xml'), ...files(join(JAVA_DIR, 'src')).sort()]) {
    hash.update(relative(JAVA_DIR, file))
    hash.update(readFileSync(file))
  }
  return hash.digest('hex').slice(0, 16)
}

/** Where built classes and jars are kept: the workspace's node_modules/.cache, like other tools' caches. */
export function cacheDir(): string {
  return join(PACKAGE_DIR, '..', '..', 'node_modules', '.cache', 'oxagry-streams-conformance', sourceHash())
}

function run(command: string, args: readonly string[], code: keyof typeof CONFORMANCE_ERROR_CODES): string {
  // As tools/stack does, mvn and java are found on the PATH.
  const result = spawnSync(command, [...args], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 })
  if (result.error !== undefined) {
    throw new ConformanceError(
      CONFORMANCE_ERROR_CODES.TOOL_MISSING,
      `${command} could not run (JDK 17 and Maven must be on the PATH): ${result.error.message}`,
      { cause: result.error },
    )
  }
  if (result.status !== 0) {
    const output = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-30).join('\n')
    throw new ConformanceError(
      CONFORMANCE_ERROR_CODES[code],
      `${command} ${args.join(' ')} exited with ${result.status}\n${output}`,
    )
  }
  return result.stdout
}

/**
 * Builds the Java side once per source change: `mvn compile` and the runtime jars copied beside the
 * classes, into a fresh directory renamed into place, so a failed or concurrent build leaves no half.
 */
export function buildJava(): string {
  const dir = cacheDir()
  if (existsSync(join(dir, 'classes')) && existsSync(join(dir, 'libs'))) return dir
  mkdirSync(dirname(dir), { recursive: true })
  const staging = mkdtempSync(`${dir}-building-`)
  try {
    run(
      'mvn',
      [
        '-q',
        '-B',
        '-Dstyle.color=never',
        '-f',
        join(JAVA_DIR, 'pom.xml'),
        'compile',
        'dependency:copy-dependencies',
        `-DoutputDirectory=${join(staging, 'libs')}`,
        '-DincludeScope=runtime',
      ],
      'JAVA_BUILD_FAILED',
    )
    cpSync(join(JAVA_DIR, 'target', 'classes'), join(staging, 'classes'), { recursive: true })
    if (!existsSync(dir)) renameSync(staging, dir)
  } finally {
    rmSync(staging, { recursive: true, force: true })
  }
  return dir
}

/** Runs every scenario through Kafka Streams' TopologyTestDriver in one JVM. */
export function runKafka(scenarios: readonly Scenario[]): ScenarioResult[] {
  const dir = buildJava()
  const work = mkdtempSync(join(tmpdir(), 'oxagry-conformance-'))
  try {
    const input = join(work, 'scenarios.json')
    writeFileSync(input, JSON.stringify(scenarios))
    const stdout = run(
      'java',
      [
        '-XX:+UseSerialGC',
        '-XX:TieredStopAtLevel=1',
        '-Xshare:auto',
        '-cp',
        `${join(dir, 'classes')}:${join(dir, 'libs', '*')}`,
        MAIN_CLASS,
        input,
      ],
      'JAVA_RUN_FAILED',
    )
    return JSON.parse(stdout) as ScenarioResult[]
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
