import { join } from 'node:path'
import { MongoClient } from 'mongodb'
import { cached, digestFiles } from '../cache.ts'
import { HOST, PACKAGE_DIR, PORTS, VERSIONS, type StackPaths } from '../config.ts'
import { DaemonService, type Launch } from '../daemon-service.ts'
import { run } from '../process.ts'

const SOURCES = join(PACKAGE_DIR, 'ferretdb')

/**
 * The MongoDB wire protocol from FerretDB v1 on SQLite, built from the Go module proxy into a small
 * main of ours (`tools/stack/ferretdb`), keyed in the cache on its sources.
 */
export class FerretDbService extends DaemonService {
  readonly name = 'ferretdb'
  readonly host = HOST
  readonly port = PORTS.mongodb

  binary(paths: StackPaths): string {
    const key = digestFiles(['go.mod', 'go.sum', 'main.go'].map((f) => join(SOURCES, f)))
    return join(paths.cache, `ferretdb-${VERSIONS.ferretdb}-${key}`, 'ferretdb')
  }

  async install(paths: StackPaths): Promise<void> {
    const binary = this.binary(paths)
    await cached(join(binary, '..'), () => {
      run(this.name, 'go', ['build', '-trimpath', '-o', binary, '.'], { cwd: SOURCES })
    })
  }

  protected async prepare(paths: StackPaths, dir: string): Promise<Launch> {
    return {
      command: this.binary(paths),
      args: ['-listen', this.addressOnly(), '-sqlite-dir', `${join(dir, 'data')}/`],
    }
  }

  private addressOnly(): string {
    return `${HOST}:${PORTS.mongodb}`
  }

  protected override address(): string {
    return `mongodb://${this.addressOnly()}/`
  }

  protected async healthy(): Promise<boolean> {
    const client = new MongoClient(this.address(), { serverSelectionTimeoutMS: 1000, connectTimeoutMS: 1000 })
    try {
      await client.connect()
      const reply = await client.db('admin').command({ ping: 1 })
      return reply.ok === 1
    } finally {
      await client.close()
    }
  }
}
