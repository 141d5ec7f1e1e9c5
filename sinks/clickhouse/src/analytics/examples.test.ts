import { readFile } from 'node:fs/promises'
import test from 'ava'
import { ANALYST_EXAMPLES } from './examples.ts'

const README = new URL('../../README.md', import.meta.url)

test('the guide has at least ten examples, each with a unique id and a fully ordered answer', (t) => {
  t.true(ANALYST_EXAMPLES.length >= 10)
  t.is(new Set(ANALYST_EXAMPLES.map((e) => e.id)).size, ANALYST_EXAMPLES.length)
  for (const example of ANALYST_EXAMPLES) {
    const sql = example.sql.toUpperCase()
    // One-row answers need no ORDER BY; every other example orders its rows so answers compare row by row.
    t.true(sql.includes('ORDER BY') || !sql.includes('GROUP BY'), `${example.id} orders its rows`)
  }
})

test('the README shows every example word for word, and no other query under Example queries', async (t) => {
  const readme = await readFile(README, 'utf8')
  const section = readme.slice(
    readme.indexOf('### Example queries'),
    readme.indexOf('\n## ', readme.indexOf('### Example queries')),
  )
  for (const example of ANALYST_EXAMPLES)
    t.true(
      section.includes(`### ${example.title}\n\n\`\`\`sql\n${example.sql}\n\`\`\``),
      `${example.id} is in the README as in src/analytics/examples.ts`,
    )
  const blocks = [...section.matchAll(/```sql\n([\s\S]*?)\n```/g)].map((m) => m[1])
  t.deepEqual(
    blocks,
    ANALYST_EXAMPLES.map((e) => e.sql),
  )
})
