/**
 * The live feed's gauges, as apis/fleet/src/app.ts registers them (it exports no constant for them; the
 * dashboards' test checks the fleet API's registry holds every name used here).
 */
export const WS_METRICS = {
  clients: 'oxagry_api_ws_clients',
  lagging: 'oxagry_api_ws_lagging_clients',
  maxBuffered: 'oxagry_api_ws_max_buffered_bytes',
} as const
