import test from 'ava'
import { platformNames } from './names.ts'

test('without a prefix the platform uses the catalogue names and the oxagry groups and database', (t) => {
  const names = platformNames()
  t.is(names.topics.pings, 'fleet.machine-pings.v1')
  t.is(names.topics.accepted, 'fleet.accepted-pings.v1')
  t.is(names.group('tracking'), 'oxagry-tracking')
  t.is(names.mongoDatabase, 'oxagry')
})

test('a prefix goes before every topic, group and the database (as a database name allows)', (t) => {
  const names = platformNames('it-1a2b')
  t.is(names.topics.deadLetters, 'it-1a2b.fleet.dead-letters.v1')
  t.is(names.group('sink-read-model'), 'it-1a2b-sink-read-model')
  t.is(names.mongoDatabase, 'oxagry_it_1a2b')
})
