#!/usr/bin/env -S node --experimental-wasm-modules --liftoff-only
// Prisma's own schema engine and schema validator, run offline as WebAssembly, as a test oracle
// for pgkit: the C++ tests ask it what `prisma migrate diff`, `migrate deploy`, `migrate dev
// --create-only`, `migrate status`, `migrate resolve`, `db pull`, `format` and `validate` would
// do (tests/support/prisma_oracle.hpp). Each subcommand reads files and prints its answer on
// stdout; exit 0 on success, 1 with Prisma's error text on stderr otherwise, 2 on bad usage.
//
//   node --experimental-wasm-modules [--liftoff-only] prisma.mjs SUBCOMMAND [OPTIONS]
//
// (--liftoff-only halves the time of a one-question run: no optimizing compiles of Prisma's
// WebAssembly that the process would not live to use.)
//
//   diff  --from… --to…       the SQL script taking one schema to the other; each side is one of
//                             SCHEMA (a .prisma file or a folder of them), -empty, -url URL (a live
//                             database) or -migrations DIR (replayed on a shadow database):
//                             --from SCHEMA | --from-empty | --from-url URL | --from-migrations DIR,
//                             and the same with --to
//   apply-migrations --dir DIR                 `migrate deploy`: prints the names it applied
//   create-migration --schema S --dir DIR --name N   `migrate dev --create-only`: writes
//                             DIR/<timestamp>_N/migration.sql and migration_lock.toml, prints the name
//   introspect [--schema S]   `db pull`: the schema.prisma text of the live database
//   status --dir DIR [--dev]  `migrate status` as JSON (diagnoseMigrationHistory; --dev: devDiagnostic)
//   mark-applied --dir DIR --name N            `migrate resolve --applied N`
//   mark-rolled-back --name N                  `migrate resolve --rolled-back N`
//   format FILE               the formatted schema
//   validate FILE             the diagnostics as JSON ([] when clean); exit 1 when Prisma rejects it
//
// The live database is DATABASE_URL (--from-url/--to-url when given): the engine reaches it
// through @prisma/adapter-pg, and asks it even when diffing two schema files. Migrations replay
// on --shadow-url, or else on a throwaway database the adapter creates next to DATABASE_URL.
//
// Prisma 7 rejects `url`, `directUrl` and `shadowDatabaseUrl` in a datasource block (they moved
// to prisma.config.ts); those lines are blanked before the files reach Prisma, keeping line
// numbers, so schemas written for Prisma 5 and 6 (and pgkit's fixtures) are accepted as they are.

import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import {
  LOCKFILE, MINIMAL_DATASOURCE, NO_FILTER, UsageError, openEngine, readMigrations, readSchemas, readableValidationError,
  schemaWasm,
} from './engine.mjs';

// ---------------------------------------------------------------------------------------------
// Subcommands

const DIFF_SIDES = ['', '-empty', '-url', '-migrations'];

/** One side of a diff, from the --from… or --to… flags, as the engine's DiffTarget. */
function diffTarget(side, opts, otherSchemaFiles) {
  const given = DIFF_SIDES.filter((s) => opts[side + s] !== undefined);
  if (given.length !== 1) {
    throw new UsageError(`diff needs exactly one of ${DIFF_SIDES.map((s) => '--' + side + s).join(', ')}`);
  }
  const value = opts[side + given[0]];
  switch (given[0]) {
    case '': return { tag: 'schemaDatamodel', files: readSchemas(value) };
    case '-empty': return { tag: 'empty' };
    // The live database is the adapter's; the datasource block only says which schemas
    // (namespaces) to read, so take the other side's when it is a schema.
    case '-url': return { tag: 'schemaDatasource', configDir: process.cwd(),
                          files: otherSchemaFiles ?? [{ path: 'schema.prisma', content: MINIMAL_DATASOURCE }] };
    case '-migrations': return { tag: 'migrations', ...readMigrations(value) };
  }
}

async function diff(opts) {
  const fromUrl = opts['from-url'], toUrl = opts['to-url'];
  if (fromUrl && toUrl && fromUrl !== toUrl) {
    throw new UsageError('--from-url and --to-url name two databases; the engine reaches one, through its adapter');
  }
  const schemaFiles = (flag) => (opts[flag] ? readSchemas(opts[flag]) : undefined);
  const from = diffTarget('from', opts, schemaFiles('to'));
  const to = diffTarget('to', opts, schemaFiles('from'));
  const engine = await openEngine({ url: fromUrl ?? toUrl ?? process.env.DATABASE_URL, shadowUrl: opts['shadow-url'] });
  const { stdout } = await engine.run('diff', { from, to, script: true, exitCode: null, filters: NO_FILTER });
  process.stdout.write(stdout ?? '');
}

async function applyMigrations(opts) {
  const engine = await openEngine({ url: process.env.DATABASE_URL });
  const { appliedMigrationNames } = await engine.run('applyMigrations', {
    migrationsList: readMigrations(required(opts, 'dir')), filters: NO_FILTER });
  for (const name of appliedMigrationNames) console.log(name);
}

/**
 * `migrate dev --create-only`. The WebAssembly engine's own createMigration cannot reach a shadow
 * database ("PostgreSQL shadow DB must be provided through an external factory": it is not handed
 * the adapter, while diff is), so the script is the engine's diff from the migration history,
 * replayed on the shadow database, to the schema: the same engine call migrate dev makes, rendered
 * by the same renderer. The directory is named and written as Prisma's CLI does.
 */
async function createMigration(opts) {
  const files = readSchemas(required(opts, 'schema'));
  const migrationsList = readMigrations(required(opts, 'dir'));
  migrationsList.lockfile.content ??= LOCKFILE;  // the first migration writes it
  const engine = await openEngine({ url: process.env.DATABASE_URL, shadowUrl: opts['shadow-url'] });
  const { stdout } = await engine.run('diff', {
    from: { tag: 'migrations', ...migrationsList }, to: { tag: 'schemaDatamodel', files },
    script: true, exitCode: null, filters: NO_FILTER });
  const timestamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);  // UTC YYYYMMDDHHMMSS
  const name = `${timestamp}_${required(opts, 'name')}`;
  const dir = path.join(migrationsList.baseDir, name);
  if (fs.existsSync(dir)) throw new Error(`The migration directory already exists at ${dir}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'migration.sql'), upgradeImplicitManyToManyKeys(stdout ?? ''));
  fs.writeFileSync(path.join(migrationsList.baseDir, migrationsList.lockfile.path), LOCKFILE);
  console.log(name);
}

/**
 * What Prisma's CLI does to a PostgreSQL migration script before writing it: an implicit m:n
 * table moving from a unique index to a primary key takes the index over (PRIMARY KEY USING
 * INDEX) instead of building a second one and dropping the first.
 */
function upgradeImplicitManyToManyKeys(script) {
  return script.replace(
    /ALTER TABLE "([^"]+)" ADD CONSTRAINT "([^"]+)_pkey" PRIMARY KEY \([^)]+\);\s*\n(?:\s*--[^\n]*\n)?\s*DROP INDEX (?:IF EXISTS )?((?:"[^"]+"\.)?"[^"]+_unique");/g,
    (_, table, base, index) => `ALTER TABLE "${table}" ADD CONSTRAINT "${base}_pkey" PRIMARY KEY USING INDEX ${index};`);
}

async function introspect(opts) {
  const files = opts.schema ? readSchemas(opts.schema) : [{ path: 'schema.prisma', content: MINIMAL_DATASOURCE }];
  const engine = await openEngine({ url: process.env.DATABASE_URL, files });
  const result = await engine.run('introspect', {
    schema: { files }, baseDirectoryPath: process.cwd(), force: false, compositeTypeDepth: -1, namespaces: null });
  printFiles(result.schema.files);
  if (result.warnings) process.stderr.write(result.warnings + '\n');
}

async function status(opts) {
  const migrationsList = readMigrations(required(opts, 'dir'));
  const engine = await openEngine({ url: process.env.DATABASE_URL, shadowUrl: opts['shadow-url'] });
  const result = opts.dev
    ? await engine.run('devDiagnostic', { migrationsList, filters: NO_FILTER })
    : await engine.run('diagnoseMigrationHistory', { migrationsList, optInToShadowDatabase: false, filters: NO_FILTER });
  const migrations = migrationsList.migrationDirectories.map((d) => d.path);
  console.log(JSON.stringify({ migrations, ...result }, null, 2));
}

async function markApplied(opts) {
  const engine = await openEngine({ url: process.env.DATABASE_URL });
  await engine.run('markMigrationApplied', {
    migrationName: required(opts, 'name'), migrationsList: readMigrations(required(opts, 'dir')) });
}

async function markRolledBack(opts) {
  const engine = await openEngine({ url: process.env.DATABASE_URL });
  await engine.run('markMigrationRolledBack', { migrationName: required(opts, 'name') });
}

async function format(opts, [file]) {
  const wasm = await schemaWasm();
  const files = readSchemas(requiredPositional(file, 'format FILE'), { keepDatasourceUrls: true });
  const params = { textDocument: { uri: 'file:/dev/null' }, options: { tabSize: 2, insertSpaces: true } };
  const formatted = JSON.parse(wasm.format(JSON.stringify(files.map((f) => [f.path, f.content])), JSON.stringify(params)));
  printFiles(formatted.map(([p, content]) => ({ path: p, content })));
}

async function validate(opts, [file]) {
  const wasm = await schemaWasm();
  const schemas = readSchemas(requiredPositional(file, 'validate FILE')).map((f) => [f.path, f.content]);
  const diagnostics = wasm.lint(JSON.stringify(schemas));
  try {
    wasm.validate(JSON.stringify({ prismaSchema: schemas, noColor: true }));
  } catch (e) {
    throw new Error(readableValidationError(e));
  }
  console.log(diagnostics);
}

/** One file's content as is; several, each under a `// path` line. */
function printFiles(files) {
  if (files.length === 1) return process.stdout.write(files[0].content);
  for (const f of files) process.stdout.write(`// ${f.path}\n${f.content}\n`);
}

function required(opts, name) {
  if (opts[name] === undefined) throw new UsageError(`--${name} is required`);
  return opts[name];
}

function requiredPositional(value, usage) {
  if (value === undefined) throw new UsageError(`usage: ${usage}`);
  return value;
}

// ---------------------------------------------------------------------------------------------

const SUBCOMMANDS = {
  diff, 'apply-migrations': applyMigrations, 'create-migration': createMigration, introspect, status,
  'mark-applied': markApplied, 'mark-rolled-back': markRolledBack, format, validate,
};

const OPTIONS = Object.fromEntries([
  ...['from', 'to'].flatMap((side) => DIFF_SIDES.filter((s) => s !== '-empty').map((s) => side + s)),
  'shadow-url', 'dir', 'schema', 'name',
].map((name) => [name, { type: 'string' }]).concat(
  [['from-empty', { type: 'boolean' }], ['to-empty', { type: 'boolean' }], ['dev', { type: 'boolean' }]]));

async function main(argv) {
  const [command, ...rest] = argv;
  const run = SUBCOMMANDS[command];
  if (!run) throw new UsageError(`usage: prisma.mjs {${Object.keys(SUBCOMMANDS).join('|')}} [options]`);
  const { values, positionals } = parseArgs({ args: rest, options: OPTIONS, allowPositionals: true });
  // parseArgs leaves absent booleans undefined, which diffTarget relies on.
  await run(values, positionals);
}

let exitCode = 0;
try {
  await main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`${e?.message ?? e}\n`);
  exitCode = e instanceof UsageError || String(e?.code).startsWith('ERR_PARSE_ARGS') ? 2 : 1;
}
// Exit once stdout is flushed: the adapter's connection pools would keep the process alive.
process.stdout.write('', () => process.exit(exitCode));
