// node-postgres (npm `pg`): a Pool of P connections, C loops of a named (= prepared once per
// connection) point select. See measure.js for the loop and the output line.
'use strict';
const { Pool } = require('pg');
const { measure, main } = require('./measure');

const SQL = 'SELECT abalance FROM pgbench_accounts WHERE aid = $1';

main('node-postgres', async (o) => {
  const pool = new Pool({ connectionString: o.url, max: o.pool });
  pool.on('error', (e) => { console.error(`node-postgres: idle client error: ${e.message}`); });
  await measure('node-postgres', o,
    (aid) => pool.query({ name: 'sel', text: SQL, values: [aid] }),
    () => pool.end());
});
