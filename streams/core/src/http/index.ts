export { buildHealthServer } from './health-server.ts'
