import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { jmxExporterConfig } from '@oxagry/deploy/jmx-exporter'
import { connectClusterAdmin, KafkaJsBackend } from '@oxagry/kafka'
import { cached } from '../cache.ts'
import { HOST, PACKAGE_DIR, PORTS, VERSIONS, type StackPaths } from '../config.ts'
import { DaemonService, type Launch } from '../daemon-service.ts'
import { STACK_ERROR_CODES, StackError } from '../errors.ts'
import { portOpen } from '../health.ts'
import { run } from '../process.ts'
import type { ServiceStatus } from '../service.ts'
import type { SecureKafkaListener } from '../secure-listener.ts'
import { ensureKafkaTls, kafkaTlsFiles } from './kafka-tls.ts'

/** The loopback ports of one broker: the stack's by default; another broker beside it takes others. */
export interface KafkaPorts {
  /** PLAINTEXT, no authentication: its principal (`User:ANONYMOUS`) is a super user. */
  readonly plain: number
  readonly controller: number
  /** SASL_SSL with SCRAM-SHA-512: users and their ACLs decide. */
  readonly secure: number
  /** The JMX exporter agent's `/metrics`, with the cluster's rules (what Strimzi's brokers export). */
  readonly metrics: number
}

export const DEFAULT_KAFKA_PORTS: KafkaPorts = {
  plain: PORTS.kafka,
  controller: PORTS.kafkaController,
  secure: PORTS.kafkaSecure,
  metrics: PORTS.kafkaMetrics,
}

/**
 * Apache Kafka in KRaft mode, one node acting as broker and controller, from Maven Central jars. Two
 * client listeners: PLAINTEXT for every client and test of the project (a super user, so ACLs never
 * stand in its way), and SASL_SSL (SCRAM-SHA-512 over TLS with a CA made at first start) where KRaft's
 * StandardAuthorizer holds each user to its ACLs, as Strimzi's cluster does.
 */
export class KafkaService extends DaemonService {
  readonly name = 'kafka'
  readonly host = HOST
  readonly port: number

  constructor(readonly ports: KafkaPorts = DEFAULT_KAFKA_PORTS) {
    super()
    this.port = ports.plain
  }

  /** The secured listener of the broker this stack state runs. */
  secureListener(paths: StackPaths): SecureKafkaListener {
    return {
      brokers: `${this.host}:${this.ports.secure}`,
      caFile: kafkaTlsFiles(this.dir(paths)).caCert,
      mechanism: 'scram-sha-512',
    }
  }

  libs(paths: StackPaths): string {
    return join(paths.cache, `kafka-${VERSIONS.kafka}`, 'libs')
  }

  /** The JMX exporter's Java agent, a cache entry of its own (Kafka's entry predates it). */
  jmxAgent(paths: StackPaths): string {
    const version = VERSIONS.jmxExporter
    return join(paths.cache, `jmx-exporter-${version}`, `jmx_prometheus_javaagent-${version}.jar`)
  }

  /** Where the broker's metrics are scraped. */
  metricsUrl(): string {
    return `http://${this.host}:${this.ports.metrics}/metrics`
  }

  async install(paths: StackPaths): Promise<void> {
    await cached(join(paths.cache, `kafka-${VERSIONS.kafka}`), (dir) => {
      run(this.name, 'mvn', [
        '-q',
        '-B',
        '-f',
        join(PACKAGE_DIR, 'kafka', 'pom.xml'),
        `-Dkafka.version=${VERSIONS.kafka}`,
        'dependency:copy-dependencies',
        `-DoutputDirectory=${join(dir, 'libs')}`,
        '-DincludeScope=runtime',
      ])
    })
    await cached(dirname(this.jmxAgent(paths)), (dir) => {
      run(this.name, 'mvn', [
        '-q',
        '-B',
        'dependency:copy',
        `-Dartifact=io.prometheus.jmx:jmx_prometheus_javaagent:${VERSIONS.jmxExporter}`,
        `-DoutputDirectory=${dir}`,
      ])
    })
  }

  protected async prepare(paths: StackPaths, dir: string): Promise<Launch> {
    const dataDir = join(dir, 'data')
    const config = join(dir, 'server.properties')
    const log4j = join(dir, 'log4j2.properties')
    const tls = ensureKafkaTls(dir, this.host)
    writeFileSync(config, serverProperties(dataDir, this.ports, tls.keystore))
    writeFileSync(log4j, log4jProperties(join(dir, 'server.log')))
    const metricsConfig = join(dir, 'jmx-exporter.yml')
    writeFileSync(metricsConfig, jmxExporterConfig())
    const classpath = `${this.libs(paths)}/*`
    if (!existsSync(join(dataDir, 'meta.properties'))) {
      mkdirSync(dataDir, { recursive: true })
      run(this.name, 'java', [
        `-Dlog4j2.configurationFile=${log4j}`,
        '-cp',
        classpath,
        'kafka.tools.StorageTool',
        'format',
        '--cluster-id',
        clusterId(),
        '--config',
        config,
        '--ignore-formatted',
      ])
    }
    return {
      command: 'java',
      args: [
        '-Xms256m',
        '-Xmx1g',
        '-XX:+UseG1GC',
        '-Djava.awt.headless=true',
        `-Dlog4j2.configurationFile=${log4j}`,
        // The broker's metrics as the cluster's brokers export them (Strimzi's metricsConfig), so the
        // dashboards and alerts can be checked against a real broker.
        `-javaagent:${this.jmxAgent(paths)}=${this.host}:${this.ports.metrics}:${metricsConfig}`,
        '-cp',
        classpath,
        'kafka.Kafka',
        config,
      ],
    }
  }

  /**
   * Warms the group coordinator: the first consumer group on a fresh broker makes it create
   * `__consumer_offsets` (50 partitions) and load them, which took the first tests' joins past their
   * bounds. Best effort: a broker that is slow here is still a broker.
   */
  protected override async configure(): Promise<void> {
    await this.requireSecureListener()
    const backend = new KafkaJsBackend({ brokers: [this.address()], clientId: 'stack-warmup' })
    const topic = 'oxagry-stack-warmup'
    try {
      const admin = await backend.admin()
      await admin.createTopics([{ name: topic, partitions: 1, config: {} }]).finally(() => admin.close())
      const group = backend.consumer({ groupId: topic, clientId: 'stack-warmup', readCommitted: false })
      await group.committed([{ topic, partition: 0 }])
    } catch (error) {
      console.warn(`kafka: warming the group coordinator failed (${(error as Error).message}); going on`)
    } finally {
      await backend.close()
    }
  }

  /**
   * The broker opens its listeners together, so a healthy broker without the SASL_SSL one was started by
   * a stack from before it existed: say so rather than leave its tests to fail on a closed port.
   */
  private async requireSecureListener(): Promise<void> {
    const deadline = Date.now() + 10_000
    while (!(await portOpen(this.host, this.ports.secure))) {
      if (Date.now() > deadline)
        throw new StackError(
          STACK_ERROR_CODES.UNHEALTHY,
          this.name,
          `the running broker has no SASL_SSL listener on ${this.host}:${this.ports.secure} (it was started before the stack had one): npm run stack:down && npm run stack:up`,
        )
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
  }

  protected async healthy(): Promise<boolean> {
    const admin = await connectClusterAdmin(
      { brokers: [this.address()] },
      { clientId: 'stack-health', retries: 0, connectionTimeoutMs: 1000 },
    )
    try {
      return (await admin.brokerCount()) > 0
    } finally {
      await admin.close()
    }
  }

  override async status(paths: StackPaths): Promise<ServiceStatus> {
    const status = await super.status(paths)
    const secure = this.secureListener(paths)
    return { ...status, detail: `SASL_SSL ${secure.brokers} (SCRAM-SHA-512, CA ${secure.caFile})` }
  }
}

/**
 * A KRaft cluster id: 16 random bytes in URL-safe base64, as `kafka-storage random-uuid` prints. Like
 * Kafka's Uuid.randomUuid(), never one starting with '-': the storage tool's argument parser reads it as
 * an option (one fresh stack in 64 failed to format).
 */
export function clusterId(random: () => Buffer = () => randomBytes(16)): string {
  for (;;) {
    const id = random().toString('base64url')
    if (!id.startsWith('-')) return id
  }
}

export function serverProperties(dataDir: string, ports: KafkaPorts, keystore: string): string {
  return `# Written by tools/stack on every start.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@${HOST}:${ports.controller}
listeners=PLAINTEXT://${HOST}:${ports.plain},CONTROLLER://${HOST}:${ports.controller},SASL_SSL://${HOST}:${ports.secure}
advertised.listeners=PLAINTEXT://${HOST}:${ports.plain},SASL_SSL://${HOST}:${ports.secure}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL
# The secured listener: SCRAM-SHA-512 users (made through the Admin API, AlterUserScramCredentials) over
# TLS with the stack's CA (tls/ca.crt beside this file), as a Strimzi KafkaUser reaches its cluster.
sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.ssl.keystore.type=PEM
listener.name.sasl_ssl.ssl.keystore.location=${keystore}
# KRaft's authorizer, as Strimzi's simple authorization. The plaintext and controller listeners
# authenticate no one: their principal, User:ANONYMOUS, is a super user, so every existing client and test
# keeps working and the admin API there creates the secured listener's users and ACLs. Anyone else gets
# what ACLs allow and nothing more (allow.everyone.if.no.acl.found stays false).
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:ANONYMOUS
log.dirs=${dataDir}
num.partitions=1
default.replication.factor=1
# One node: internal topics must not ask for replicas it cannot have, or transactions never work.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# Tests join and leave groups constantly; no point waiting for more members.
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.retention.hours=24
`
}

function log4jProperties(file: string): string {
  return `status = warn
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = ${file}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.state.name = state.change.logger
logger.state.level = WARN
`
}
