#!/usr/bin/env bash
# Builds evextract and runs every test (unit and corpus) with CTest.
# The corpus tests read the shared folder: EVX_SHARED when set (relative to
# where this was started), else ../shared beside the checkout. It is passed
# to CMake each time so that a stale cached path is never used.
set -euo pipefail
[ -n "${EVX_SHARED:-}" ] && EVX_SHARED=$(cd "$EVX_SHARED" && pwd)
cd "$(dirname "$0")/.."
bash scripts/setup-deps.sh
werror=OFF
[ -n "${CI:-}" ] && werror=ON
shared=${EVX_SHARED:-$(pwd)/../shared}
cmake -S . -B build -DEVX_WERROR=$werror -DEVX_SHARED="$shared" >/dev/null
cmake --build build -j2
ctest --test-dir build --output-on-failure
