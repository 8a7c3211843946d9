#!/usr/bin/env bash
# The pgkit program as a user runs it: exit codes (0 ok, 1 failed, 2 bad usage or config),
# what it prints, and that no password ever reaches the terminal.
set -uo pipefail
PGKIT=$(realpath "${1:?usage: cli_test.sh path/to/pgkit}")
WORK=$(mktemp -d /tmp/pgkit-cli-XXXXXX)
chmod 755 "$WORK"
export PGKIT_CACHE_DIR="$WORK/cache"  # the shadow cache: this run's, not the user's
cd "$WORK"
passed=0 failed=0
SECRET='Sup3rS3cretPa55'

check() {  # check NAME EXPECTED_EXIT PATTERN -- command…
  local name=$1 want=$2 pattern=$3
  shift 4
  local out rc
  out=$("$@" 2>&1); rc=$?
  if [ "$rc" -ne "$want" ]; then
    echo "FAIL $name: exit $rc, wanted $want"; echo "$out" | sed 's/^/    /'; failed=$((failed + 1)); return
  fi
  if [ -n "$pattern" ] && ! grep -qE "$pattern" <<<"$out"; then
    echo "FAIL $name: output lacks /$pattern/"; echo "$out" | sed 's/^/    /'; failed=$((failed + 1)); return
  fi
  if grep -q "$SECRET" <<<"$out"; then
    echo "FAIL $name: the password was printed"; failed=$((failed + 1)); return
  fi
  echo "ok   $name"; passed=$((passed + 1))
}

clean_env() { env -u DATABASE_URL -u DB_CONNECTION_STRING -u DB_HOST -u POSTGRES_HOST -u PGHOST -u PGDATABASE "$@"; }

check "help" 0 "doctor" -- "$PGKIT" --help
check "no subcommand is bad usage" 2 "" -- "$PGKIT"
check "unknown option is bad usage" 2 "" -- "$PGKIT" doctor --bogus
check "config masks the password" 0 "postgresql://app:\*\*\*@db.example.com:5432/app" -- \
  clean_env DATABASE_URL="postgresql://app:$SECRET@db.example.com:5432/app?schema=public&connection_limit=7" "$PGKIT" config
check "config shows prisma's connection_limit as pool max" 0 "max=7" -- \
  clean_env DATABASE_URL="postgresql://app:$SECRET@db.example.com:5432/app?connection_limit=7" "$PGKIT" config
check "config reports a bad port" 2 "port" -- \
  clean_env DATABASE_URL="postgresql://app:$SECRET@db.example.com:99999/app" "$PGKIT" config
check "config reports every problem at once" 2 "DB_POOL_MIN" -- \
  clean_env DATABASE_URL="postgresql://app:$SECRET@db.example.com:5432/app?sslmode=sometimes" DB_POOL_MIN=50 DB_POOL_MAX=5 "$PGKIT" config
printf 'DB_HOST=db.internal\nDB_USER=svc\nDB_PASSWORD=%s\nDB_NAME=orders\n' "$SECRET" > dotenv
check "config reads a .env file" 0 "postgresql://svc:\*\*\*@db.internal" -- clean_env "$PGKIT" config --env-file dotenv
check "config with nothing configured says what to set" 2 "DATABASE_URL" -- clean_env "$PGKIT" config
check "doctor without a server exits 1 with advice" 1 "pg_isready" -- \
  clean_env DATABASE_URL="postgresql://app:$SECRET@127.0.0.1:1/app?connect_timeout=2" "$PGKIT" doctor

# A local development server, started, diagnosed, reused and stopped.
check "dev starts a local server" 0 "local PostgreSQL running" -- "$PGKIT" dev --dir "$WORK/state"
URL=$("$PGKIT" dev --dir "$WORK/state" --print-url)
check "dev reuses the running server" 0 "^postgresql://pgkit:" -- "$PGKIT" dev --dir "$WORK/state" --print-url
check "doctor reports version and limits" 0 "max_connections" -- clean_env DATABASE_URL="$URL" "$PGKIT" doctor
check "doctor --json" 0 '"ok":true.*"server_version":"PostgreSQL 15' -- clean_env DATABASE_URL="$URL" "$PGKIT" doctor --json
# Migrations through the program: create, up, status, dump-schema, verify, down.
mkdir -p mig
check "migrate create writes a timestamped file" 0 "created mig/[0-9]{14}_add_notes.sql" -- "$PGKIT" migrate create add_notes --dir mig
file=$(ls mig/*_add_notes.sql)
printf -- '-- migrate:up\nCREATE TABLE notes(id int PRIMARY KEY);\n-- migrate:down\nDROP TABLE notes;\n' > "$file"
check "migrate up applies it" 0 "applied 1 migration" -- clean_env DATABASE_URL="$URL" "$PGKIT" migrate up --dir mig
check "migrate status --json" 0 '"state":"applied"' -- clean_env DATABASE_URL="$URL" "$PGKIT" migrate status --dir mig --json
check "migrate dump-schema" 0 "wrote schema.sql" -- clean_env DATABASE_URL="$URL" "$PGKIT" migrate dump-schema --dir mig --out schema.sql
check "migrate verify passes" 0 "schema matches" -- clean_env DATABASE_URL="$URL" "$PGKIT" migrate verify --dir mig
sed -i 's/PRIMARY KEY);/PRIMARY KEY); -- edited/' "$file"
check "migrate verify exits 1 on drift" 1 "checksum" -- clean_env DATABASE_URL="$URL" "$PGKIT" migrate verify --dir mig
check "migrate up refuses drift" 1 "edited since" -- clean_env DATABASE_URL="$URL" "$PGKIT" migrate up --dir mig
check "migrate down --allow…: down rolls back" 0 "rolled back 1" -- clean_env DATABASE_URL="$URL" "$PGKIT" migrate down --dir mig
check "migrate with a bad table name is refused" 1 "not a usable tracking table" -- \
  clean_env DATABASE_URL="$URL" "$PGKIT" migrate status --dir mig --table 'x; DROP TABLE y'
check "doctor reports migrations and findings" 0 "migrations: +0 applied" -- clean_env DATABASE_URL="$URL" "$PGKIT" doctor --dir mig
check "doctor judges the pool size as configured" 0 "DB_POOL_MAX=80 × 3 instance" -- \
  clean_env DATABASE_URL="$URL" DB_POOL_MAX=80 "$PGKIT" doctor --instances 3
check "backup writes a dump" 0 "wrote backups/postgres-" -- clean_env DATABASE_URL="$URL" "$PGKIT" backup --keep 2

# The schema-first workflow, in a schema of its own (Prisma's ?schema=): validate, format,
# migrate dev, status, diff, deploy, db pull; bad input changes nothing.
mkdir -p proj/prisma && cd proj
APP="$URL?schema=app"
printf 'datasource db {\n  provider = "postgresql"\n  url = env("DATABASE_URL")\n}\n\nmodel User {\n  id Int @id @default(autoincrement())\n  email String @unique\n}\n' > prisma/schema.prisma
check "schema validate" 0 "is valid" -- "$PGKIT" schema validate
check "schema format --check finds an unformatted file" 1 "is not formatted" -- "$PGKIT" schema format --check
check "schema format" 0 "Formatted prisma/schema.prisma" -- "$PGKIT" schema format
check "schema format --check passes once formatted" 0 "" -- "$PGKIT" schema format --check
cp prisma/schema.prisma good.prisma
printf 'model Post {\n  id Int @id\n  title Strin\n}\n' >> prisma/schema.prisma
check "schema validate names file:line:column" 1 "prisma/schema.prisma:12:[0-9]+: error" -- "$PGKIT" schema validate
check "migrate dev with a bad schema changes nothing" 1 "Strin" -- clean_env DATABASE_URL="$APP" "$PGKIT" migrate dev --name init
check "generate with a bad schema writes nothing" 1 "schema.prisma:12:[0-9]+: error" -- "$PGKIT" generate --out gen
check "…no client folder" 1 "" -- test -e gen
check "…and writes no migration" 1 "" -- test -e prisma/migrations
cp good.prisma prisma/schema.prisma
check "generate writes the typed client" 0 "client .app. \(1 model, 0 enums\) in gen: 6 files written" -- \
  "$PGKIT" generate --out gen --namespace app
check "…with the model's struct" 0 "std::string email\{\};" -- cat gen/app/user.hpp
check "generate again rewrites nothing" 0 "0 files written, 6 unchanged" -- "$PGKIT" generate --out gen --namespace app
check "generate refuses a namespace C++ cannot take" 1 "not a C\+\+ namespace name" -- \
  "$PGKIT" generate --out gen --namespace my-app
check "migrate dev writes and applies the first migration" 0 "Applied migration .[0-9]{14}_init" -- \
  clean_env DATABASE_URL="$APP" "$PGKIT" migrate dev --name init
check "migrate dev with nothing to do" 0 "Already in sync" -- clean_env DATABASE_URL="$APP" "$PGKIT" migrate dev --name again
check "studio without a database says how to give one" 2 "no database configured" -- \
  clean_env "$PGKIT" studio --no-open
check "studio refuses a non-loopback address without --allow-remote" 2 "allow-remote" -- \
  clean_env DATABASE_URL="$APP" "$PGKIT" studio --host 10.0.0.5 --no-open
check "studio refuses the wildcard address, which no browser names" 2 "one interface" -- \
  clean_env DATABASE_URL="$APP" "$PGKIT" studio --host 0.0.0.0 --allow-remote --no-open
check "studio refuses a time zone that is not a name" 2 "not a time zone name" -- \
  clean_env DATABASE_URL="$APP" "$PGKIT" studio --time-zone "UTC' x" --no-open
check "migrate status reads _prisma_migrations" 0 "Database schema is up to date" -- \
  clean_env DATABASE_URL="$APP" "$PGKIT" migrate status
check "migrate deploy has nothing to apply" 0 "No pending migrations" -- clean_env DATABASE_URL="$APP" "$PGKIT" migrate deploy
sed -i 's/  email String @unique/  email String @unique\n  bio   String?/' prisma/schema.prisma
check "migrate diff --exit-code says 2 for a difference" 2 "Added column .bio." -- \
  clean_env DATABASE_URL="$APP" "$PGKIT" migrate diff --from-url "$APP" --to-schema prisma/schema.prisma --exit-code
check "migrate diff --script prints Prisma's SQL" 0 'ADD COLUMN     "bio" TEXT' -- \
  clean_env "$PGKIT" migrate diff --from-schema good.prisma --to-schema prisma/schema.prisma --script
check "migrate status reports a schema change no migration makes" 1 "no migration makes yet" -- \
  clean_env DATABASE_URL="$APP" "$PGKIT" migrate status
check "db pull --print writes the database as a schema" 0 "model User" -- clean_env DATABASE_URL="$APP" "$PGKIT" db pull --print
mkdir -p seeds && printf "INSERT INTO \"User\"(email) VALUES ('seeded@example.com');\n" > seeds/001_user.sql
check "migrate reset drops, applies every migration and seeds" 0 "seeded seeds/001_user.sql" -- \
  clean_env DATABASE_URL="$APP" "$PGKIT" migrate reset
check "…so seeding again meets the unique email it inserted" 1 "duplicate key|unique" -- \
  clean_env DATABASE_URL="$APP" "$PGKIT" seed seeds
cd "$WORK"

# --watch runs until SIGTERM, then closes its pool and exits 0.
env -u DB_CONNECTION_STRING -u DB_HOST -u POSTGRES_HOST -u PGHOST DATABASE_URL="$URL" "$PGKIT" doctor --watch 1 --json > watch.out 2> watch.err &
watcher=$!
for _ in $(seq 100); do [ "$(grep -c '"ok":true' watch.out 2>/dev/null)" -ge 2 ] && break; sleep 0.1; done
kill -TERM "$watcher"; wait "$watcher"; rc=$?
if [ "$rc" -eq 0 ] && [ "$(grep -c '"ok":true' watch.out)" -ge 2 ] && grep -q "received SIGTERM" watch.err; then
  echo "ok   doctor --watch exits 0 on SIGTERM"; passed=$((passed + 1))
else
  echo "FAIL doctor --watch: exit $rc"; cat watch.out watch.err | sed 's/^/    /'; failed=$((failed + 1))
fi
check "dev --stop" 0 "stopped" -- "$PGKIT" dev --dir "$WORK/state" --stop
check "doctor after stop exits 1" 1 "connected: +no" -- clean_env DATABASE_URL="$URL" "$PGKIT" doctor

cd /; rm -rf "$WORK"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
