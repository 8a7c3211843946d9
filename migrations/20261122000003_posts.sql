-- Posts (seed 002's example model).
-- migrate:up
CREATE TABLE posts (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  title      text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  content    text NOT NULL DEFAULT '',
  published  boolean NOT NULL DEFAULT false,
  author_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_posts_author_id ON posts (author_id);
CREATE INDEX idx_posts_published_created_at ON posts (published, created_at);
CREATE TRIGGER posts_set_updated_at BEFORE UPDATE ON posts
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- migrate:down
DROP TABLE posts;
