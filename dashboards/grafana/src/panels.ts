import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus'
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat'
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries'
import {
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  VariableRefresh,
} from '@grafana/grafana-foundation-sdk/dashboard'

/** Every panel queries the Prometheus the dashboard's `datasource` variable picks. */
export const DATASOURCE = { type: 'prometheus', uid: '${datasource}' } as const

export interface Query {
  readonly expr: string
  readonly legend: string
}

export const q = (expr: string, legend: string): Query => ({ expr, legend })

/** The `datasource` variable: any Prometheus data source of the Grafana instance. */
export function datasourceVariable(): DatasourceVariableBuilder {
  return new DatasourceVariableBuilder('datasource').label('Prometheus').type('prometheus')
}

/** A multi-value variable over a label's values (applications, sinks, pods). */
export function labelVariable(name: string, metric: string, label: string): QueryVariableBuilder {
  return new QueryVariableBuilder(name)
    .label(name)
    .datasource(DATASOURCE)
    .query(`label_values(${metric}, ${label})`)
    .multi(true)
    .includeAll(true)
    .allValue('.*')
    .refresh(VariableRefresh.OnTimeRangeChanged)
}

function targets(queries: readonly Query[]): DataqueryBuilder[] {
  return queries.map((x, i) =>
    new DataqueryBuilder()
      .expr(x.expr)
      .legendFormat(x.legend)
      .refId(String.fromCharCode(65 + i)),
  )
}

/** A time series panel: half the width unless told otherwise. */
export function timeseries(
  title: string,
  unit: string,
  queries: readonly Query[],
  width = 12,
): TimeseriesPanel {
  let panel = new TimeseriesPanel().title(title).unit(unit).datasource(DATASOURCE).height(8).span(width)
  for (const t of targets(queries)) panel = panel.withTarget(t)
  return panel
}

/** A single figure. */
export function stat(title: string, unit: string, queries: readonly Query[], width = 6): StatPanel {
  let panel = new StatPanel().title(title).unit(unit).datasource(DATASOURCE).height(4).span(width)
  for (const t of targets(queries)) panel = panel.withTarget(t)
  return panel
}
