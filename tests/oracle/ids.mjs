#!/usr/bin/env node
// The id libraries Prisma Client 7.10.1 bundles, as a test oracle for pgkit's ids
// (include/pgkit/client/ids.hpp; tests/integration/client_ids_pgtest.cpp): @bugsnag/cuid 3.2.1,
// @paralleldrive/cuid2 3.3.0, uuid 14.0.0, nanoid 5.1.16 and ulid 3.0.0, pinned in package.json.
// Each request is answered by the package itself through the injection points of
// docs/design/prisma-client-ids.md §8: random draws, bytes and clock come from the request.
//
//   node ids.mjs [REQUESTS]      REQUESTS: a file of JSON requests, one per line (default stdin)
//
// One JSON answer per line, in order: {"id": …} (plus what the request kind adds) or {"error":
// the package's error code}. Bytes travel as hex. Exit 2 on a malformed request.
//
//   {"kind":"cuid1","ms":N,"random":[r1,r2]}  the package's own cuid() (its counter: the number of
//                  cuid1 requests before this one) with new Date() = ms, Math.random() = r1, r2;
//                  adds its fingerprint and the pid and hostname it was made from
//   {"kind":"cuid1_fingerprint","pid":N,"hostname":S}  lib/fingerprint.mjs loaded afresh with
//                  process.pid and os.hostname() stubbed: {"fingerprint": …}
//   {"kind":"cuid2","ms":N,"random":[…],"counter":N,"fingerprint":S}  init({random, counter,
//                  fingerprint, length: 24})() with Date.now() = ms; adds "draws": randoms used
//   {"kind":"cuid2_fingerprint","globals":[…],"random":[…]}  createFingerprint({globalObj, random})
//   {"kind":"uuid4","bytes":H}                 v4({random})
//   {"kind":"uuid7","ms":N,"seq":N,"bytes":H}  v7({msecs, seq, random})
//   {"kind":"uuid7_update","msecs":N,"seq":N,"now":N,"bytes":H}  updateV7State({msecs, seq}, now,
//                  bytes), then v7 of the new state: adds the new "msecs" and "seq" (as uint32)
//   {"kind":"uuid7_live","now":N,"bytes":H}    v7() itself with Date.now() = now and the bytes as
//                  crypto's: its module state carries over from one such request to the next
//   {"kind":"ulid","ms":N,"bytes":H}           ulid(ms, () => byte / 0xff) with Date.now() = ms
//                  (ulid reads a seed of 0 as "now": the stub makes that 0 too)
//   {"kind":"nanoid","size":N,"bytes":H}       nanoid(size) from a fresh module (a fresh pool) whose
//                  crypto.getRandomValues yields the bytes, then zeros
//   {"kind":"nanoid_stream","size":N,"count":K,"bytes":H}  K calls of nanoid(size) on one fresh
//                  module, its pool refilled from the bytes in turn (then zeros): {"ids": […]}

import { webcrypto } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';

// crypto.getRandomValues yields the next request's bytes while `feed` is set, before any
// package is loaded (nanoid and uuid call it on node:crypto's webcrypto, which is globalThis.crypto).
let feed = null;
const realGetRandomValues = webcrypto.getRandomValues.bind(webcrypto);
webcrypto.getRandomValues = (array) => {
  if (!feed) return realGetRandomValues(array);
  const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  for (let i = 0; i < bytes.length; i++) bytes[i] = feed();
  return array;
};
const byteFeed = (hex) => {
  const bytes = Buffer.from(hex, 'hex');
  let next = 0;
  return () => (next < bytes.length ? bytes[next++] : 0);
};

// new Date() and Date.now() give a request's time while it runs.
const RealDate = Date;
let fixedNow = null;
class StubDate extends RealDate {
  constructor(...args) {
    if (args.length === 0 && fixedNow !== null) super(fixedNow);
    else super(...args);
  }
  static now() { return fixedNow ?? RealDate.now(); }
}
globalThis.Date = StubDate;

const realRandom = Math.random;
const draws = (values) => {
  const answer = { count: 0 };
  answer.next = () => {
    if (answer.count >= values.length) throw new Error(`more than the ${values.length} random draws given`);
    return values[answer.count++];
  };
  return answer;
};

const { default: cuid, fingerprint: cuidFingerprint } = await import('@bugsnag/cuid');
// The package's index exports init but not createFingerprint; its src/index.js has both.
const { init, createFingerprint } = await import(new URL('./src/index.js', import.meta.resolve('@paralleldrive/cuid2')));
const { v4, v7 } = await import('uuid');
const { updateV7State } = await import(new URL('./v7.js', import.meta.resolve('uuid')));
const { ulid } = await import('ulid');
const fingerprintModule = import.meta.resolve('@bugsnag/cuid/lib/fingerprint');
const nanoidModule = import.meta.resolve('nanoid');
const realPid = process.pid;
const realHostname = os.hostname;
let fresh = 0;  // a query string per import: a module instance of its own

const handlers = {
  cuid1({ ms, random }) {
    const r = draws(random);
    Math.random = r.next;
    try {
      return { id: cuid(), fingerprint: cuidFingerprint(), pid: realPid, hostname: realHostname() };
    } finally {
      Math.random = realRandom;
    }
  },
  async cuid1_fingerprint({ pid, hostname }) {
    Object.defineProperty(process, 'pid', { value: pid, configurable: true, writable: true });
    os.hostname = () => hostname;
    try {
      const { default: fingerprint } = await import(`${fingerprintModule}?fresh=${++fresh}`);
      return { fingerprint: fingerprint() };
    } finally {
      Object.defineProperty(process, 'pid', { value: realPid, configurable: true, writable: true });
      os.hostname = realHostname;
    }
  },
  cuid2({ random, counter, fingerprint }) {
    const r = draws(random);
    const id = init({ random: r.next, counter: () => counter, fingerprint, length: 24 })();
    return { id, draws: r.count };
  },
  cuid2_fingerprint({ globals, random }) {
    const r = draws(random);
    const globalObj = Object.fromEntries(globals.map((name) => [name, true]));
    return { fingerprint: createFingerprint({ globalObj, random: r.next }), draws: r.count };
  },
  uuid4: ({ bytes }) => ({ id: v4({ random: Uint8Array.from(Buffer.from(bytes, 'hex')) }) }),
  uuid7: ({ ms, seq, bytes }) => ({ id: v7({ msecs: ms, seq, random: Uint8Array.from(Buffer.from(bytes, 'hex')) }) }),
  uuid7_update({ msecs, seq, now, bytes }) {
    const random = Uint8Array.from(Buffer.from(bytes, 'hex'));
    const state = updateV7State({ msecs, seq }, now, random);
    return { id: v7({ msecs: state.msecs, seq: state.seq, random }), msecs: state.msecs, seq: state.seq >>> 0 };
  },
  uuid7_live: () => ({ id: v7() }),  // its bytes come through crypto.getRandomValues
  ulid({ ms, bytes }) {
    const next = byteFeed(bytes);
    return { id: ulid(ms, () => next() / 0xff) };
  },
  async nanoid({ size, bytes }) {
    const { nanoid } = await import(`${nanoidModule}?fresh=${++fresh}`);
    return { id: nanoid(size) };
  },
  async nanoid_stream({ size, count }) {
    const { nanoid } = await import(`${nanoidModule}?fresh=${++fresh}`);
    return { ids: Array.from({ length: count }, () => nanoid(size)) };
  },
};

const source = process.argv[2] ? fs.readFileSync(process.argv[2], 'utf8') : fs.readFileSync(0, 'utf8');
const out = [];
for (const [index, line] of source.split('\n').entries()) {
  if (line.trim() === '') continue;
  const request = JSON.parse(line);
  const handler = handlers[request.kind];
  if (!handler) {
    process.stderr.write(`ids.mjs: line ${index + 1}: unknown kind ${JSON.stringify(request.kind)}\n`);
    process.exit(2);
  }
  fixedNow = request.ms ?? request.now ?? null;
  feed = request.bytes !== undefined ? byteFeed(request.bytes) : null;
  try {
    out.push(JSON.stringify(await handler(request)));
  } catch (e) {
    out.push(JSON.stringify({ error: String(e.code ?? e.message) }));
  } finally {
    fixedNow = null;
    feed = null;
  }
}
process.stdout.write(out.join('\n') + '\n');
