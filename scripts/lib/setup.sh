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

# build [TARGET…]: everything, or only the targets named.
build() {
  cmake -S "$PGKIT_ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  local targets=()
  for t in "$@"; do targets+=(--target "$t"); done
  cmake --build "$BUILD_DIR" -j"$(nproc)" "${targets[@]}"
}
