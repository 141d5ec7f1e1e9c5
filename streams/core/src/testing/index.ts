export * from './topology-test-driver.ts'
export * from './io-topics.ts'
