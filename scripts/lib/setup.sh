# Shared by scripts/dev and scripts/test: install what is missing (apt-get, via sudo when not
# root), then configure and build into ./build. Source it; it sets PGKIT_ROOT and BUILD_DIR.
set -euo pipefail

PGKIT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$PGKIT_ROOT/build}

PACKAGES=(
  g++ cmake make pkg-config
  libpq-dev postgresql-15            # libpq 15 and the server binaries tests and `pgkit dev` run
  pgbouncer                          # 1.18: the tests run pgkit through it in transaction mode
  libboost1.81-dev libboost-json1.81-dev
  libspdlog-dev libfmt-dev libcli11-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_missing() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "pgkit: installing ${missing[*]}" >&2
  as_root apt-get update -qq
  # Debian's postgresql package would create and start a system cluster on port 5432; pgkit
  # runs its own servers, so ask postgresql-common not to.
  if [ ! -f /etc/postgresql-common/createcluster.conf ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-common >/dev/null
  fi
  as_root sed -i 's/^#\?\s*create_main_cluster.*/create_main_cluster = false/' /etc/postgresql-common/createcluster.conf
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The Prisma oracle (tests/oracle): Prisma's schema engine as WebAssembly, run by Node.js for
# the tests that compare pgkit with Prisma. `npm ci` from its lock file when node_modules is
# missing or the lock changed since (a stamp in node_modules records the lock's checksum); then
# one run proves this Node.js can load Prisma's WebAssembly. Fails loudly, never skips.
ORACLE_DIR=$PGKIT_ROOT/tests/oracle
install_oracle() {
  if ! command -v node >/dev/null; then
    echo "pgkit: installing nodejs npm (the Prisma oracle's runtime)" >&2
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  fi
  if ! command -v npm >/dev/null; then
    echo "pgkit: node is installed without npm; install npm (apt-get install npm), then run this again" >&2
    return 1
  fi
  local stamp=$ORACLE_DIR/node_modules/.pgkit-lock-sha256 lock
  lock=$(sha256sum "$ORACLE_DIR/package-lock.json" | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$lock" ]; then
    echo "pgkit: installing the Prisma oracle (npm ci in tests/oracle)" >&2
    (cd "$ORACLE_DIR" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$lock" >"$stamp"
  fi
  if ! node --experimental-wasm-modules "$ORACLE_DIR/prisma.mjs" validate \
       "$PGKIT_ROOT/tests/fixtures/prisma/corpus/000_minimal.prisma" >/dev/null; then
    echo "pgkit: the Prisma oracle does not run with node $(node --version) (tested with Node.js 20)" >&2
    return 1
  fi
}

# build [TARGET…]: everything, or only the targets named.
build() {
  cmake -S "$PGKIT_ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  local targets=()
  for t in "$@"; do targets+=(--target "$t"); done
  cmake --build "$BUILD_DIR" -j"$(nproc)" "${targets[@]}"
}
