// porsager's postgres (npm `postgres`, "postgres.js"): max P connections, C loops of a tagged
// template point select, which it prepares by default (prepare: true). See measure.js.
'use strict';
const postgres = require('postgres');
const { measure, main } = require('./measure');

main('postgres.js', async (o) => {
  const sql = postgres(o.url, { max: o.pool, prepare: true, onnotice: () => {} });
  await measure('postgres.js', o,
    (aid) => sql`SELECT abalance FROM pgbench_accounts WHERE aid = ${aid}`,
    () => sql.end({ timeout: 5 }));
});
