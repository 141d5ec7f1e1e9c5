export * from './config.ts'
export * from './platform.ts'
export * from './names.ts'
export * from './api-auth.ts'
