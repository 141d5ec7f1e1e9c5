import test from 'ava'
import { GroupMembers } from './group-members.ts'

test('the member of a group is the one its consumer last reported; another group is apart', (t) => {
  const members = new GroupMembers<string>()
  const first = members.reporter('g')
  t.is(members.get('g'), undefined)
  first('m-1')
  first('m-1, generation 2')
  members.reporter('h')('other')
  t.is(members.get('g'), 'm-1, generation 2')
  t.is(members.get('h'), 'other')
  first(undefined)
  t.is(members.get('g'), undefined, 'stopped')
})

test('a consumer that stops after its replacement joined leaves the replacement in place', (t) => {
  const members = new GroupMembers<string>()
  const old = members.reporter('g')
  const replacement = members.reporter('g')
  old('old')
  replacement('new')
  old(undefined)
  t.is(members.get('g'), 'new')
  replacement(undefined)
  t.is(members.get('g'), undefined)
})
