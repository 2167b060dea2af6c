#!/usr/bin/env bash
# Builds evextract and runs every test (unit and corpus) with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-deps.sh
werror=OFF
[ -n "${CI:-}" ] && werror=ON
cmake -S . -B build -DEVX_WERROR=$werror >/dev/null
cmake --build build -j2
ctest --test-dir build --output-on-failure
