// The loop both Node.js peers share: C concurrent async loops, each awaiting one point select
// at a time, 1 s of warm-up, then `seconds` counted. Prints one line:
//   <name> clients=C pool=P seconds=S queries=N total=T tps=X
// (queries: counted after warm-up; total: every query the process ran, for CPU per query).
//
// The connection URL comes from PGKIT_BENCH_URL (it holds the password, so never argv).
'use strict';

const WARMUP_MS = 1000;

function options() {
  const o = { clients: 8, pool: 8, seconds: 10, scale: 10 };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    const value = Number(argv[i + 1]);
    if (!(key in o) || !Number.isInteger(value) || value < 1) {
      throw new Error(`bad argument ${argv[i]} ${argv[i + 1]} (want --clients/--pool/--seconds/--scale N)`);
    }
    o[key] = value;
  }
  const url = process.env.PGKIT_BENCH_URL;
  if (!url) throw new Error('PGKIT_BENCH_URL is not set');
  return { ...o, url };
}

// once(aid) runs one query; close() ends the client's pool.
async function measure(name, o, once, close) {
  const maxAid = 100000 * o.scale;
  let total = 0;
  let running = true;
  let failure = null;
  async function loop() {
    while (running) {
      await once(1 + Math.floor(Math.random() * maxAid));
      total++;
    }
  }
  const loops = [];
  for (let i = 0; i < o.clients; i++) {
    loops.push(loop().catch((e) => { failure = failure || e; running = false; }));
  }
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  await sleep(WARMUP_MS);
  const before = total;
  const t0 = process.hrtime.bigint();
  await sleep(o.seconds * 1000);
  const counted = total - before;
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  running = false;
  await Promise.all(loops);
  await close();
  if (failure) throw failure;
  console.log(`${name} clients=${o.clients} pool=${o.pool} seconds=${elapsed.toFixed(3)} ` +
              `queries=${counted} total=${total} tps=${(counted / elapsed).toFixed(1)}`);
}

function main(name, run) {
  let o;
  try {
    o = options();
  } catch (e) {
    console.error(`${name}: ${e.message}`);
    process.exit(2);
  }
  run(o).catch((e) => {
    console.error(`${name}: ${e && e.stack ? e.stack : e}`);
    process.exit(1);
  });
}

module.exports = { measure, main };
