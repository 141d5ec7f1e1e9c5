import anyTest, { type ExecutionContext, type TestFn } from 'ava'
import { canConnect, endpointOf, serviceUrl, servicesRequired, type ServiceName } from './services.ts'

export interface ServiceCheck {
  readonly name: ServiceName
  readonly url: string
  readonly available: boolean
  readonly reason?: string
}

/** Probes a service once: reachable over TCP, or in-process (chdb) and loadable. */
export async function checkService(name: ServiceName): Promise<ServiceCheck> {
  const url = serviceUrl(name)
  const endpoint = endpointOf(name, url)
  if (endpoint === undefined) {
    try {
      await import('chdb/connection')
      return { name, url, available: true }
    } catch (error) {
      return { name, url, available: false, reason: `chdb cannot be loaded: ${(error as Error).message}` }
    }
  }
  const available = await canConnect(endpoint)
  return available
    ? { name, url, available }
    : { name, url, available, reason: `${name} not reachable at ${endpoint.host}:${endpoint.port}` }
}

type Body<Context> = (t: ExecutionContext<Context>) => void | Promise<void>

/** The subset of ava's API an integration suite uses; hooks are no-ops while its services are missing. */
export interface IntegrationTest<Context> {
  (title: string, body: Body<Context>): void
  serial: (title: string, body: Body<Context>) => void
  before: (body: Body<Context>) => void
  after: (body: Body<Context>) => void
}

/**
 * The test function for a suite that needs these services.
 * All reachable: ava's own. One missing: under CI=true or REQUIRE_SERVICES=1 every test fails with the
 * reason; otherwise every test is registered as skipped with the reason in its title, never silently.
 */
export async function integrationTest<Context = unknown>(
  ...names: ServiceName[]
): Promise<IntegrationTest<Context>> {
  const test = anyTest as TestFn<Context>
  const missing = (await Promise.all(names.map(checkService))).filter((c) => !c.available)
  if (missing.length === 0) {
    const run = ((title: string, body: Body<Context>) => test(title, body)) as IntegrationTest<Context>
    run.serial = (title, body) => test.serial(title, body)
    run.before = (body) => test.before(body)
    run.after = (body) => test.after.always(body)
    return run
  }
  const reason = missing.map((m) => m.reason).join('; ')
  const register = servicesRequired()
    ? (title: string) =>
        test(title, (t) => {
          t.fail(`required service missing: ${reason}`)
        })
    : (title: string) => test.skip(`${title} [skipped: ${reason}]`, () => {})
  if (!servicesRequired())
    process.emitWarning(`integration tests skipped: ${reason}; start them with npm run stack:up`)
  const run = ((title: string) => register(title)) as unknown as IntegrationTest<Context>
  run.serial = (title) => register(title)
  run.before = () => {}
  run.after = () => {}
  return run
}
