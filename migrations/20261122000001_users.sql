-- Users (seed 002's User model, seed 003's audit timestamps and soft delete).
-- Identifiers are uuid (gen_random_uuid(), built into PostgreSQL 13+): unguessable in URLs,
-- and keyset pagination orders by (created_at, id).
-- migrate:up
CREATE TYPE user_role AS ENUM ('USER', 'ADMIN');

CREATE TABLE users (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email         text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
  role          user_role NOT NULL DEFAULT 'USER',
  is_active     boolean NOT NULL DEFAULT true,
  last_login_at timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  deleted_at    timestamptz
);
-- Unique case-insensitively: Admin@Example.com and admin@example.com are one account.
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));
CREATE INDEX idx_users_role ON users (role);
CREATE INDEX idx_users_deleted_at ON users (deleted_at);
CREATE INDEX idx_users_created_at_id ON users (created_at, id);

-- updated_at is kept by the database, so no code path can forget it.
CREATE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END
$$;
CREATE TRIGGER users_set_updated_at BEFORE UPDATE ON users
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Timestamps in API responses: ISO 8601 in UTC with milliseconds, as JavaScript's
-- Date.toISOString() writes them, whatever the session's TimeZone.
CREATE FUNCTION iso_time(t timestamptz) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

-- migrate:down
DROP FUNCTION iso_time(timestamptz);
DROP TABLE users;
DROP FUNCTION set_updated_at();
DROP TYPE user_role;
