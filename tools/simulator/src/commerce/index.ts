export * from './catalogue.ts'
export * from './market.ts'
export * from './sink.ts'
