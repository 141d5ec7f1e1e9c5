import test from 'ava'
import { MongoClient } from 'mongodb'
import { SINK_ERROR_CODES } from '@oxagry/sink'
import { MongoMachineReadModel } from './read-model.ts'
import { MongoStockReadModel } from './stock-store.ts'

test('a command size below one is refused at construction, naming the option', (t) => {
  // No connection is made: the client is only handed to the model.
  const db = new MongoClient('mongodb://127.0.0.1:1/').db('unused')
  for (const size of [0, -1, 1.5]) {
    const error = t.throws(() => new MongoMachineReadModel({ db, maxUpsertsPerCommand: size }))
    t.is((error as { code?: string }).code, SINK_ERROR_CODES.INVALID_OPTIONS)
    t.regex(error.message, /maxUpsertsPerCommand/)
  }
  t.notThrows(() => new MongoMachineReadModel({ db, maxUpsertsPerCommand: 500 }))
})

test('the stock store refuses a command size below one too', (t) => {
  const db = new MongoClient('mongodb://127.0.0.1:1/').db('unused')
  const error = t.throws(() => new MongoStockReadModel({ db, maxUpsertsPerCommand: 0 }))
  t.is((error as { code?: string }).code, SINK_ERROR_CODES.INVALID_OPTIONS)
})
