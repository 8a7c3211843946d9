-- Magic links and sessions (seed 002's MagicLink and Session, seed 003's refresh tokens).
-- Tokens are stored only as SHA-256 hashes (hex): a copy of the database signs nobody in.
-- migrate:up
CREATE TABLE magic_links (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  token_hash text NOT NULL UNIQUE CHECK (length(token_hash) = 64),
  email      text NOT NULL,
  user_id    uuid REFERENCES users (id) ON DELETE CASCADE,
  expires_at timestamptz NOT NULL,
  used_at    timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_magic_links_expires_at ON magic_links (expires_at);
CREATE INDEX idx_magic_links_user_id ON magic_links (user_id);

-- One row per issued token pair. Refreshing rotates: the row is marked rotated_at and a new
-- row issued, so a rotated refresh token presented again is recognised as reuse.
CREATE TABLE sessions (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id            uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  access_token_hash  text NOT NULL UNIQUE CHECK (length(access_token_hash) = 64),
  refresh_token_hash text NOT NULL UNIQUE CHECK (length(refresh_token_hash) = 64),
  device_id          text,
  access_expires_at  timestamptz NOT NULL,
  expires_at         timestamptz NOT NULL,
  rotated_at         timestamptz,
  revoked_at         timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_sessions_user_id ON sessions (user_id);
CREATE INDEX idx_sessions_device_id ON sessions (device_id);
CREATE INDEX idx_sessions_expires_at ON sessions (expires_at);
CREATE TRIGGER sessions_set_updated_at BEFORE UPDATE ON sessions
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- migrate:down
DROP TABLE sessions;
DROP TABLE magic_links;
