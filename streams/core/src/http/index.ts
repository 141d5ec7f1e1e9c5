export { buildHealthServer, buildPartsHealthServer, type HealthPart } from './health-server.ts'
export {
  interactiveQueries,
  FORWARDED_HEADER,
  type InteractiveQueriesOptions,
  type QueryableStore,
} from './interactive-queries.ts'
