import { DashboardBuilder, RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard'
import { DOMAINS, TOPIC_LIST, TOPICS } from '@oxagry/topics'
import { datasourceVariable, q, stat, timeseries } from '../panels.ts'
import { KAFKA_METRICS as K } from '@oxagry/deploy/kafka-metrics'

const RATE = '[$__rate_interval]'

/**
 * Events/s written to a topic: the brokers' per-topic messages-in (the JMX exporter), summed over the
 * brokers leading its partitions.
 */
const eventsPerSecond = (topic: string): string => `sum(rate(${K.messagesIn}{topic="${topic}"}${RATE}))`

/**
 * The business in events: what the fleet reports and the share refused, the commerce applications'
 * own counters (orders placed and decided, money moved, stock-outs), the notifications sent and failed,
 * then every domain's topics of the
 * catalogue (a topic added there gets its series here).
 */
export function businessDashboard(): DashboardBuilder {
  let dashboard = new DashboardBuilder('Oxagry / Business')
    .uid('oxagry-business')
    .tags(['oxagry', 'business'])
    .refresh('1m')
    .time({ from: 'now-24h', to: 'now' })
    .withVariable(datasourceVariable())
    .withRow(new RowBuilder('Fleet'))
    .withPanel(stat('Pings/s', 'ops', [q(eventsPerSecond(TOPICS.machinePings.name), 'pings/s')]))
    .withPanel(
      stat('Pings refused', 'percentunit', [
        q(
          `(${eventsPerSecond(TOPICS.machinePings.name)} - ${eventsPerSecond(TOPICS.acceptedPings.name)}) / ${eventsPerSecond(TOPICS.machinePings.name)}`,
          'refused',
        ),
      ]),
    )
    .withPanel(
      stat('Trips and idle periods/h', 'none', [
        q(`${eventsPerSecond(TOPICS.machineSessions.name)} * 3600`, 'sessions/h'),
      ]),
    )
    .withPanel(
      stat('Geofence transitions/h', 'none', [
        q(`${eventsPerSecond(TOPICS.geofenceTransitions.name)} * 3600`, 'transitions/h'),
      ]),
    )
    .withPanel(stat('Machines reporting', 'none', [q('sum(oxagry_fleet_machines_reporting)', 'machines')]))
    .withRow(new RowBuilder('Commerce'))
    .withPanel(
      stat('Orders placed/h', 'none', [q(`sum(rate(oxagry_orders_placed_total${RATE})) * 3600`, 'orders/h')]),
    )
    .withPanel(
      timeseries('Orders decided/h by outcome', 'none', [
        q(`sum by (outcome) (rate(oxagry_orders_decided_total${RATE})) * 3600`, '{{outcome}}'),
      ]),
    )
    .withPanel(
      timeseries('Orders cancelled/h by reason', 'none', [
        q(
          `sum by (reason) (rate(oxagry_orders_decided_total{outcome="CANCELLED"}${RATE})) * 3600`,
          '{{reason}}',
        ),
      ]),
    )
    .withPanel(
      timeseries('Money moved/h by step and currency (minor units)', 'none', [
        q(
          `sum by (step, currency) (rate(oxagry_payment_gateway_amount_minor_total${RATE})) * 3600`,
          '{{step}} {{currency}}',
        ),
      ]),
    )
    .withPanel(
      timeseries('Stock-outs/h (reservations refused) and low-stock alerts/h', 'none', [
        q(`sum(rate(oxagry_inventory_reservations_total{result="refused"}${RATE})) * 3600`, 'refused'),
        q(`sum(rate(oxagry_inventory_low_stock_total${RATE})) * 3600`, 'low stock'),
      ]),
    )
    .withRow(new RowBuilder('Notifications'))
    .withPanel(
      timeseries('Notifications/h by result (sent, failed, unreadable)', 'none', [
        q(
          `sum by (result) (rate(oxagry_notification_channel_notifications_total${RATE})) * 3600`,
          '{{result}}',
        ),
      ]),
    )
    .withPanel(
      timeseries('Provider calls/h by channel and outcome', 'none', [
        q(
          `sum by (channel, outcome) (rate(oxagry_notification_channel_sends_total${RATE})) * 3600`,
          '{{channel}} {{outcome}}',
        ),
      ]),
    )
  for (const domain of DOMAINS) {
    const topics = TOPIC_LIST.filter((t) => t.name.startsWith(`${domain}.`))
    dashboard = dashboard.withPanel(
      timeseries(
        `${domain}: events/s by topic`,
        'ops',
        topics.map((t) => q(eventsPerSecond(t.name), t.name)),
      ),
    )
  }
  return dashboard
}
