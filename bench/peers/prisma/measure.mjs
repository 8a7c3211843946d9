// Prisma's schema engine (WebAssembly, @prisma/schema-engine-wasm) and schema validator
// (@prisma/prisma-schema-wasm), timed in one Node process for pgkit_schema_bench
// (bench/schema_vs_prisma.cpp). They are the test oracle's: its packages (tests/oracle, pinned
// there) opened by its engine.mjs, as tests/oracle/prisma.mjs opens them: @prisma/adapter-pg,
// shadow databases created and dropped on the server of DATABASE_URL.
//
//   node --experimental-wasm-modules measure.mjs MODE --schema FILE --dir DIR
//        [--iterations 10] [--warmup 2] [--dev-iterations 5] [--dev-warmup 1]
//
//   prepare    Prisma's `validate` of the schema, then the first migration as `migrate dev`
//              writes it (DIR/20250101000000_init/migration.sql: the engine's diff from the empty
//              migrations directory to the schema; and migration_lock.toml) and applied
//              (applyMigrations). DIR must exist and be empty.
//   run        Loads the WebAssembly once, then times each operation --iterations times after
//              --warmup untimed runs (milliseconds, in order):
//                validate   prisma-schema-wasm validate() of the schema text (what `prisma validate` runs)
//                diff       engine.diff from nothing to the schema, as SQL (`migrate diff --from-empty --to-schema`)
//                dev        what `migrate dev` asks the engine when nothing changed: a new engine on the
//                           database, devDiagnostic, diagnoseMigrationHistory, applyMigrations (none
//                           pending), and the diff from the migrations directory (replayed in a
//                           throwaway shadow database) to the schema; the schema and the directory
//                           read from disk each time, as the CLI reads them; also counted: the
//                           shadow databases it made (each one replays every migration)
//              --dev-iterations and --dev-warmup for dev (it takes seconds). Each list comes with
//              the mean CPU time of the Node process per iteration (process.cpuUsage: every thread).
//   dev-once   One `dev` as above from a cold process: what the Prisma CLI pays at the least
//              (it also loads its own JavaScript, and calls evaluateDataLoss and createMigration,
//              each replaying the migrations again).
//
// The database is DATABASE_URL (it holds a password, so never argv). Prints one line of JSON.
// Fails (exit 1, the reason on stderr) when a result is not the expected one: Prisma rejects
// the schema, devDiagnostic asks for a reset, a migration is pending, or the diff is not empty.

import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import {
  LOCKFILE, NO_FILTER, openEngine, readMigrations, readSchemas, readableValidationError, schemaWasm,
} from '../../../tests/oracle/engine.mjs';

const EMPTY_MIGRATION = '-- This is an empty migration.';

let validator;  // prisma-schema-wasm, loaded once per process (with the engine's packages)

async function loadModules() {
  validator = await schemaWasm();
}

// ---------------------------------------------------------------------------------------------
// The operations

function validate(files) {
  try {
    validator.validate(JSON.stringify({ prismaSchema: files.map((f) => [f.path, f.content]), noColor: true }));
  } catch (e) {
    throw new Error(`Prisma rejects the schema:\n${readableValidationError(e)}`);
  }
}

async function diffFromEmpty(engine, files) {
  const { stdout } = await engine.run('diff', {
    from: { tag: 'empty' }, to: { tag: 'schemaDatamodel', files }, script: true, exitCode: null, filters: NO_FILTER });
  return stdout ?? '';
}

/** `migrate dev` with nothing to do; the time of each engine call is added to parts. */
async function devNoChange(url, schemaFile, dir, parts) {
  const lap = (() => {
    let t = performance.now();
    return (name) => {
      const now = performance.now();
      (parts[name] ??= []).push(now - t);
      t = now;
    };
  })();
  const files = readSchemas(schemaFile);
  const migrationsList = readMigrations(dir);
  const engine = await openEngine({ url, files });
  lap('open');
  try {
    const { action } = await engine.run('devDiagnostic', { migrationsList, filters: NO_FILTER });
    if (action.tag !== 'createMigration') throw new Error(`devDiagnostic asks for a ${action.tag}: ${action.reason}`);
    lap('devDiagnostic');
    const history = await engine.run('diagnoseMigrationHistory', { migrationsList, optInToShadowDatabase: false, filters: NO_FILTER });
    if (history.history !== null || history.failedMigrationNames.length || history.editedMigrationNames.length) {
      throw new Error(`diagnoseMigrationHistory: ${JSON.stringify(history)}`);
    }
    lap('diagnoseMigrationHistory');
    const { appliedMigrationNames } = await engine.run('applyMigrations', { migrationsList, filters: NO_FILTER });
    if (appliedMigrationNames.length) throw new Error(`applyMigrations applied ${appliedMigrationNames.join(', ')}`);
    lap('applyMigrations');
    const { stdout } = await engine.run('diff', {
      from: { tag: 'migrations', ...migrationsList }, to: { tag: 'schemaDatamodel', files },
      script: true, exitCode: null, filters: NO_FILTER });
    if ((stdout ?? '').trim() !== EMPTY_MIGRATION) throw new Error(`the diff from the migrations to the schema is not empty:\n${stdout}`);
    lap('diff');
  } finally {
    await engine.close();
    lap('close');
    (parts.shadowDatabases ??= []).push(engine.shadowDatabases());
  }
}

// ---------------------------------------------------------------------------------------------
// Modes

async function prepare(o) {
  await loadModules();
  const files = readSchemas(o.schema);
  validate(files);
  const engine = await openEngine({ url: o.url, files });
  try {
    // As `migrate dev` computes a first migration: from the (empty) migrations directory,
    // replayed in a shadow database, to the schema.
    const migrationsList = readMigrations(o.dir);
    migrationsList.lockfile.content ??= LOCKFILE;  // the first migration writes it
    const { stdout } = await engine.run('diff', {
      from: { tag: 'migrations', ...migrationsList }, to: { tag: 'schemaDatamodel', files },
      script: true, exitCode: null, filters: NO_FILTER });
    const script = stdout ?? '';
    const name = '20250101000000_init';
    fs.mkdirSync(path.join(o.dir, name), { recursive: true });
    fs.writeFileSync(path.join(o.dir, name, 'migration.sql'), script);
    fs.writeFileSync(path.join(o.dir, 'migration_lock.toml'), LOCKFILE);
    const { appliedMigrationNames } = await engine.run('applyMigrations', { migrationsList: readMigrations(o.dir), filters: NO_FILTER });
    return { validated: true, migration: name, applied: appliedMigrationNames };
  } finally {
    await engine.close();
  }
}

/** fn timed `iterations` times after `warmup` untimed runs: [wall ms of each, mean CPU ms]. */
async function time(iterations, warmup, fn) {
  for (let i = 0; i < warmup; i++) await fn();
  const ms = [];
  const cpu = process.cpuUsage();
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  const used = process.cpuUsage(cpu);
  return [ms, (used.user + used.system) / 1e3 / Math.max(iterations, 1)];
}

async function run(o) {
  const t0 = performance.now();
  await loadModules();
  const files = readSchemas(o.schema);
  validate(files);  // the first call also compiles the validator's WebAssembly
  const engine = await openEngine({ url: o.url, files });
  const load_ms = performance.now() - t0;
  const out = { node: process.version, process_start_to_loaded_ms: performance.now(), load_ms };
  try {
    [out.validate_ms, out.validate_cpu_ms] = await time(o.iterations, o.warmup, () => validate(files));
    let script = '';
    [out.diff_ms, out.diff_cpu_ms] = await time(o.iterations, o.warmup, async () => { script = await diffFromEmpty(engine, files); });
    out.diff_script_bytes = Buffer.byteLength(script);
  } finally {
    await engine.close();
  }
  const parts = {};
  [out.dev_ms, out.dev_cpu_ms] = await time(o.devIterations, o.devWarmup, () => devNoChange(o.url, o.schema, o.dir, parts));
  // The warm-up runs' parts are dropped: the last devIterations of each are the timed ones.
  out.dev_parts_ms = Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, v.slice(-o.devIterations)]));
  out.process_ms = performance.now();
  return out;
}

async function devOnce(o) {
  await loadModules();
  const loaded = performance.now();
  const parts = {};
  await devNoChange(o.url, o.schema, o.dir, parts);
  return { node: process.version, loaded_ms: loaded, dev_parts_ms: parts, process_ms: performance.now() };
}

const MODES = { prepare, run, 'dev-once': devOnce };

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      schema: { type: 'string' }, dir: { type: 'string' },
      iterations: { type: 'string', default: '10' }, 'dev-iterations': { type: 'string', default: '5' },
      warmup: { type: 'string', default: '2' }, 'dev-warmup': { type: 'string', default: '1' },
    },
  });
  const mode = MODES[positionals[0]];
  const number = (name) => {
    const v = Number(values[name]);
    if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} must be a whole number, got ${values[name]}`);
    return v;
  };
  if (!mode || !values.schema || !values.dir) {
    throw new Error(`usage: measure.mjs {${Object.keys(MODES).join('|')}} --schema FILE --dir DIR ` +
                    '[--iterations K] [--dev-iterations K] [--warmup W] [--dev-warmup W]');
  }
  if (!process.env.DATABASE_URL) throw new Error('DATABASE_URL is not set');
  return mode({ url: process.env.DATABASE_URL, schema: values.schema, dir: values.dir,
                iterations: number('iterations'), devIterations: number('dev-iterations'), warmup: number('warmup'),
                devWarmup: number('dev-warmup') });
}

let exitCode = 0;
try {
  console.log(JSON.stringify(await main()));
} catch (e) {
  process.stderr.write(`${e?.message ?? e}\n`);
  exitCode = 1;
}
// Exit once stdout is flushed: pools left by a failed call would keep the process alive.
process.stdout.write('', () => process.exit(exitCode));
