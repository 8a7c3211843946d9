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
  clang-format-14                    # scripts/test checks that .clang-format is applied
  chromium                           # the browser tests of pgkit studio (tests/browser), headless
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
# the tests that compare pgkit with Prisma. `npm ci` from its lock file when needed
# (npm_ci_when_changed, below: functions are looked up when called); then one run proves this
# Node.js can load Prisma's WebAssembly. Fails loudly, never skips.
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
  npm_ci_when_changed "$ORACLE_DIR" "the Prisma oracle"
  if ! node --experimental-wasm-modules "$ORACLE_DIR/prisma.mjs" validate \
       "$PGKIT_ROOT/tests/fixtures/prisma/corpus/000_minimal.prisma" >/dev/null; then
    echo "pgkit: the Prisma oracle does not run with node $(node --version) (tested with Node.js 20)" >&2
    return 1
  fi
}

# npm_ci_when_changed DIR WHAT: `npm ci` in DIR from its lock file when node_modules is missing
# or the lock changed since (a stamp in node_modules records the lock's checksum).
npm_ci_when_changed() {
  local dir=$1 what=$2 stamp=$1/node_modules/.pgkit-lock-sha256 lock
  lock=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$lock" ]; then
    echo "pgkit: installing $what (npm ci in ${dir#"$PGKIT_ROOT"/})" >&2
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$lock" >"$stamp"
  fi
}

# The browser tests' driver (tests/browser): playwright-core, installed as the oracle is (after
# install_oracle, which makes sure of Node.js); it drives Debian's chromium, never a downloaded
# browser.
install_browser_tests() {
  npm_ci_when_changed "$PGKIT_ROOT/tests/browser" "the browser tests' driver"
}

# check_format: every C++ file as .clang-format lays it out; names the ones that are not, and
# the command that fixes them.
check_format() {
  local bad
  bad=$(cd "$PGKIT_ROOT" && git ls-files '*.cpp' '*.hpp' | xargs clang-format-14 --dry-run 2>&1 \
        | grep -o '^[^:]*:[0-9]*:[0-9]*: warning' | cut -d: -f1 | sort -u) || true
  [ -z "$bad" ] && return 0
  echo "pgkit: these files are not formatted as .clang-format says:" >&2
  echo "$bad" | sed 's/^/  /' >&2
  echo "fix: clang-format-14 -i \$(git ls-files '*.cpp' '*.hpp')" >&2
  return 1
}

# build [TARGET…]: everything, or only the targets named.
build() {
  cmake -S "$PGKIT_ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  local targets=()
  for t in "$@"; do targets+=(--target "$t"); done
  cmake --build "$BUILD_DIR" -j"$(nproc)" "${targets[@]}"
}

# build_with CMAKE_ARG… [-- TARGET…]: configured with these arguments too; everything, or only
# the targets after --.
build_with() {
  local configure=() targets=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do configure+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  for t in "$@"; do targets+=(--target "$t"); done
  cmake -S "$PGKIT_ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo "${configure[@]}" >/dev/null
  cmake --build "$BUILD_DIR" -j"$(nproc)" "${targets[@]}"
}

# sanitized_build asan|tsan: the preset's build (CMakePresets.json) in build-asan or build-tsan.
sanitized_build() {
  (cd "$PGKIT_ROOT" && cmake --preset "$1" >/dev/null && cmake --build --preset "$1" -j"$(nproc)")
}

# sanitizer_env DIR: every sanitized process logs its findings under DIR/sanitizer-reports
# (one file per process), with stack traces; suppressions, each with its reason, are in
# tests/sanitizers/.
sanitizer_env() {
  local reports=$1/sanitizer-reports
  rm -rf "$reports" && mkdir -p "$reports"
  export ASAN_OPTIONS="log_path=$reports/asan:detect_leaks=1:strict_string_checks=1:check_initialization_order=1"
  export LSAN_OPTIONS="suppressions=$PGKIT_ROOT/tests/sanitizers/lsan.supp"
  export UBSAN_OPTIONS="log_path=$reports/ubsan:print_stacktrace=1:halt_on_error=1"
  export TSAN_OPTIONS="log_path=$reports/tsan:second_deadlock_stack=1:suppressions=$PGKIT_ROOT/tests/sanitizers/tsan.supp"
}

# sanitizer_reports_empty DIR: true when no sanitized process reported anything; else prints them.
sanitizer_reports_empty() {
  local reports=$1/sanitizer-reports
  if [ -z "$(ls -A "$reports" 2>/dev/null)" ]; then
    echo "--- sanitizer reports ($(basename "$1")): none"
    return 0
  fi
  echo "--- sanitizer reports ($(basename "$1")): $(ls "$reports" | wc -l) files" >&2
  for f in "$reports"/*; do echo "### $f" >&2; head -c 20000 "$f" >&2; done
  return 1
}
