import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import test from 'ava'
import { parse } from 'yaml'
import { REPO_DIR } from '../config.ts'
import { bindMount, containerPorts, readCompose } from './compose-file.ts'

const compose = readCompose()
const grafana = compose.services.grafana ?? {}
const mounts = (grafana.volumes ?? []).flatMap((v) => bindMount(v) ?? [])
/** Grafana reads its provisioning here (its image's GF_PATHS_PROVISIONING). */
const PROVISIONING = '/etc/grafana/provisioning'

/** The repository path behind a path in the Grafana container, through the bind mounts. */
function inRepository(path: string): string | undefined {
  const mount = mounts.find((m) => path === m.target || path.startsWith(`${m.target}/`))
  return mount === undefined ? undefined : join(mount.source, path.slice(mount.target.length))
}

const provisioning = inRepository(PROVISIONING)
const yamlFiles = (kind: string): string[] => {
  const dir = join(provisioning ?? '/nonexistent', kind)
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /\.ya?ml$/.test(f))
        .map((f) => join(dir, f))
    : []
}

test("Grafana's provisioning is the repository's", (t) => {
  t.is(provisioning, join(REPO_DIR, 'dashboards', 'grafana', 'provisioning'))
  t.true(yamlFiles('dashboards').length > 0)
  t.true(yamlFiles('datasources').length > 0)
})

test('the dashboards provider points at the generated dashboards, every one of them', (t) => {
  const generated = join(REPO_DIR, 'dashboards', 'grafana', 'generated')
  const expected = readdirSync(generated).filter((f) => f.endsWith('.json'))
  t.true(expected.length > 0)
  for (const file of yamlFiles('dashboards')) {
    const { providers } = parse(readFileSync(file, 'utf8')) as {
      providers: { name: string; options: { path: string } }[]
    }
    for (const provider of providers) {
      const dir = inRepository(provider.options.path)
      t.is(dir, generated, `provider ${provider.name} reads ${provider.options.path}`)
      t.true(dir !== undefined && statSync(dir).isDirectory())
      t.deepEqual(
        readdirSync(dir ?? generated).filter((f) => f.endsWith('.json')),
        expected,
      )
    }
  }
})

test("the Prometheus data source is compose's Prometheus, on a port it listens on", (t) => {
  for (const file of yamlFiles('datasources')) {
    const { datasources } = parse(readFileSync(file, 'utf8')) as {
      datasources: { type: string; url: string }[]
    }
    for (const source of datasources.filter((d) => d.type === 'prometheus')) {
      // Grafana expands $VAR and ${VAR} in provisioning files from its environment.
      const url = source.url.replace(/\$\{?(\w+)\}?/g, (_, name: string) => grafana.environment?.[name] ?? '')
      const { hostname, port } = new URL(url)
      const service = compose.services[hostname]
      t.truthy(service, `${source.url} is ${url}: ${hostname} is a service`)
      t.true(containerPorts(service ?? {}).includes(Number(port)), `${hostname} listens on ${port}`)
      t.is(hostname, 'prometheus')
    }
  }
})
