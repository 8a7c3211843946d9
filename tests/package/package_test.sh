#!/usr/bin/env bash
# `cmake --install` pgkit into a temporary prefix, then build and run a separate project that
# uses it through find_package(pgkit).
set -euo pipefail
BUILD_DIR=${1:?usage: package_test.sh BUILD_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/pgkit-package-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cmake --install "$BUILD_DIR" --prefix "$WORK/prefix" >/dev/null
test ! -e "$WORK/prefix/include/pgkit/detail" || { echo "internal headers were installed"; exit 1; }
cp -r "$HERE/consumer" "$WORK/consumer"
cmake -S "$WORK/consumer" -B "$WORK/build" -DCMAKE_PREFIX_PATH="$WORK/prefix" >/dev/null
cmake --build "$WORK/build" >/dev/null
out=$("$WORK/build/consumer")
echo "$out"
[ "$out" = "postgresql://app:***@db.example.com:5432/app max=7 a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11" ]
out=$("$WORK/build/consumer_client")
echo "$out"
[ "$out" = 'PAID=paid "public"."orders" customer loaded: 0 filter parameters: 2' ]
# A schema change regenerates the client on the next build.
sed -i 's/PAID    @map("paid")/PAID    @map("settled")/' "$WORK/consumer/schema.prisma"
cmake --build "$WORK/build" >/dev/null
out=$("$WORK/build/consumer_client")
echo "$out"
[ "$out" = 'PAID=settled "public"."orders" customer loaded: 0 filter parameters: 2' ]
echo "3 passed, 0 failed"
