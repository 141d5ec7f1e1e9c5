import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const JAVA_PROJECT = fileURLToPath(new URL('../../streams-java', import.meta.url))
export const JAVA_MAIN = 'dev.oxagry.bench.StreamsBench'

const JAR = join(JAVA_PROJECT, 'target', 'streams-bench.jar')

/** Builds the Kafka Streams side with Maven when its jar is missing; returns the classpath. */
export function javaClasspath(log: (line: string) => void): string {
  if (!existsSync(JAR)) {
    log('building bench/streams-java (mvn -q -B package)...')
    execFileSync('mvn', ['-q', '-B', 'package'], { cwd: JAVA_PROJECT, stdio: 'inherit' })
  }
  return [JAR, join(JAVA_PROJECT, 'target', 'lib', '*')].join(delimiter)
}
