#!/usr/bin/env bash
# The main job on the sample corpus: builds evextract, extracts the events of
# the seed articles (../shared/corpus/seeds) and scores them against the gold.
# EVX_SHARED, when set, names the shared folder (relative to where this was
# started); else it is ../shared beside the checkout.
set -euo pipefail
[ -n "${EVX_SHARED:-}" ] && EVX_SHARED=$(cd "$EVX_SHARED" && pwd)
cd "$(dirname "$0")/.."
bash scripts/setup-deps.sh
cmake -S . -B build >/dev/null
cmake --build build -j2 >/dev/null
shared=${EVX_SHARED:-../shared}
./build/evextract extract "$shared/corpus/seeds/articles.jsonl"
./build/evextract eval --gold "$shared/corpus/seeds/gold.jsonl" "$shared/corpus/seeds/articles.jsonl"
