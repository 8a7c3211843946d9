-- Seed 002's admin user, idempotent: running the seed twice changes nothing.
INSERT INTO users (email, role)
VALUES ('admin@example.com', 'ADMIN')
ON CONFLICT (lower(email)) DO NOTHING;
