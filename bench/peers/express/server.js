// The Express + node-postgres server that pgkit_server_bench (bench/server_vs_express.cpp)
// measures pgkit-server against. It serves the same three routes, with the same SQL and the same
// JSON, written the way the seeds' Node backends write them: Express 4, one node-postgres Pool,
// async handlers that call pool.query with the values apart from the SQL text.
//
//   DATABASE_URL=postgresql://… PORT=3000 [PG_POOL_MAX=32] node server.js
//
// One process, as the seeds run it: no `cluster` module. Node runs JavaScript on one thread, so
// this server uses one core for its own work however many the machine has; that is the stack
// the issue compares against, not a tuned deployment of it.
//
// Two Express defaults are turned off: the ETag header (a SHA-1 of every body, which pgkit-server
// does not compute) and X-Powered-By. Both would only cost Express time; with them off the
// comparison is of the database and HTTP paths alone.
'use strict';
const crypto = require('crypto');
const express = require('express');
const { Pool } = require('pg');

const PORT = Number.parseInt(process.env.PORT ?? '3000', 10);
const POOL_MAX = Number.parseInt(process.env.PG_POOL_MAX ?? '32', 10);
if (!process.env.DATABASE_URL) {
  console.error('express peer: DATABASE_URL is not set');
  process.exit(2);
}

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: POOL_MAX });
pool.on('error', (e) => { console.error(`express peer: idle client error: ${e.message}`); });
// pgkit-server's health reports failed connection attempts; node-postgres counts none, so the
// health probe counts the failures that did not come from the server (no SQLSTATE severity).
let connectErrors = 0;

const CURRENT_USER_SQL =
  'SELECT u.id, u.email, u.role, u.is_active, u.last_login_at, u.created_at, u.updated_at ' +
  'FROM sessions s JOIN users u ON u.id = s.user_id ' +
  'WHERE s.access_token_hash = $1 AND s.access_expires_at > now() AND s.revoked_at IS NULL ' +
  'AND s.rotated_at IS NULL AND u.deleted_at IS NULL AND u.is_active';
const POSTS_SQL =
  'SELECT id, title, content, published, author_id, created_at, updated_at FROM posts ' +
  'WHERE published ORDER BY created_at DESC, id DESC LIMIT $1';
const POSTS_AFTER_SQL =
  'SELECT id, title, content, published, author_id, created_at, updated_at FROM posts ' +
  'WHERE published AND (created_at, id) < (SELECT created_at, id FROM posts WHERE id = $2) ' +
  'ORDER BY created_at DESC, id DESC LIMIT $1';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

class HttpError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// Express 4 does not catch a rejected promise: hand it to the error middleware.
const route = (handler) => (req, res, next) => handler(req, res).catch(next);

const app = express();
app.disable('etag');
app.disable('x-powered-by');

app.get('/api/health', route(async (req, res) => {
  const timestamp = new Date().toISOString();
  try {
    await pool.query('SELECT 1');
  } catch (e) {
    if (!e.severity) connectErrors += 1;
    res.status(503).json({ status: 'degraded', timestamp, services: { postgres: 'disconnected' } });
    return;
  }
  res.json({
    status: 'ok',
    timestamp,
    services: { postgres: 'connected' },
    pool: {
      total: pool.totalCount,
      idle: pool.idleCount,
      inUse: pool.totalCount - pool.idleCount,
      waiting: pool.waitingCount,
      min: pool.options.min ?? 0,
      max: POOL_MAX,
      connectErrors,
    },
  });
}));

app.get('/api/users/me', route(async (req, res) => {
  const header = req.get('authorization') ?? '';
  const match = /^Bearer ([^\s]+)$/.exec(header);
  if (!match) throw new HttpError(401, 'unauthorized', 'missing bearer token');
  const hash = crypto.createHash('sha256').update(match[1]).digest('hex');
  const { rows } = await pool.query(CURRENT_USER_SQL, [hash]);
  if (rows.length === 0) throw new HttpError(401, 'unauthorized', 'invalid or expired token');
  const u = rows[0];
  res.json({
    user: {
      id: u.id,
      email: u.email,
      role: u.role,
      isActive: u.is_active,
      lastLoginAt: u.last_login_at,
      createdAt: u.created_at,
      updatedAt: u.updated_at,
    },
  });
}));

app.get('/api/posts', route(async (req, res) => {
  let limit = 20;
  if (req.query.limit !== undefined) {
    limit = /^[0-9]+$/.test(String(req.query.limit)) ? Number(req.query.limit) : NaN;
    if (!(limit >= 1 && limit <= 100)) throw new HttpError(400, 'validation_error', 'limit must be an integer from 1 to 100');
  }
  const cursor = req.query.cursor;
  if (cursor !== undefined && !UUID.test(String(cursor))) throw new HttpError(400, 'validation_error', 'cursor must be a post id');
  // One row more than asked for says whether there is a next page.
  const { rows } = cursor === undefined
    ? await pool.query(POSTS_SQL, [limit + 1])
    : await pool.query(POSTS_AFTER_SQL, [limit + 1, cursor]);
  const page = rows.slice(0, limit);
  res.json({
    posts: page.map((p) => ({
      id: p.id,
      title: p.title,
      content: p.content,
      published: p.published,
      authorId: p.author_id,
      createdAt: p.created_at,
      updatedAt: p.updated_at,
    })),
    nextCursor: rows.length > limit ? page[page.length - 1].id : null,
  });
}));

app.use((req, res) => {
  res.status(404).json({ error: { code: 'not_found', message: 'no such route' } });
});

// eslint-disable-next-line no-unused-vars
app.use((err, req, res, next) => {
  if (err instanceof HttpError) {
    res.status(err.status).json({ error: { code: err.code, message: err.message } });
    return;
  }
  console.error(`express peer: ${req.method} ${req.path}: ${err.message}`);
  res.status(500).json({ error: { code: 'internal', message: 'internal error' } });
});

const server = app.listen(PORT, '127.0.0.1', () => {
  console.error(`express peer: listening on 127.0.0.1:${PORT}, pool max ${POOL_MAX}`);
});

// SIGTERM (the benchmark stopping it): stop accepting, let the pool close, exit.
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections?.();
  pool.end().finally(() => process.exit(0));
});
