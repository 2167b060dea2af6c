#!/usr/bin/env bash
# Fuzzes the engine with libFuzzer (clang, ASan, UBSan): scripts/fuzz.sh
# [SECONDS] [TARGET...]. Builds build-fuzz/ with -DEVX_FUZZ=ON, writes the
# seed corpora from the project's own test data (tests/corpus, rules/,
# tests/packs), then runs each target (all four by default: article_json,
# article_pb, rulepack, extract) for SECONDS (60) one after the other.
# Exits non-zero when any target found a crash, a leak, UB, a timeout (10 s
# per input) or ran out of memory (2 GB); the input that did it is left in
# build-fuzz/fuzz/crashes/TARGET/. New coverage is kept in
# build-fuzz/fuzz/corpus/TARGET/, so a later run starts where this one ended.
# docs/FUZZING.md says how to run longer and how to reproduce a crash.
set -euo pipefail
cd "$(dirname "$0")/.."

secs=${1:-60}
[ $# -gt 0 ] && shift
case $secs in ''|*[!0-9]*) echo "usage: scripts/fuzz.sh [SECONDS] [TARGET...]" >&2; exit 2;; esac
targets=()
for t in "${@:-article_json article_pb rulepack extract}"; do
  for u in $t; do targets+=("fuzz_${u#fuzz_}"); done
done
build=${EVX_FUZZ_BUILD:-build-fuzz}
work=$build/fuzz
start=$SECONDS

command -v clang >/dev/null ||
  { echo "fuzz: clang is needed (apt-get install clang)" >&2; exit 1; }
# The fuzz tree is not where warnings are judged (the gcc -Werror build is):
# configure it without CI's -Werror so a clang-only warning cannot hide the
# fuzzing results.
env -u CI CC=clang cmake -S . -B "$build" -DEVX_FUZZ=ON -DEVX_WERROR=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j2 --target fuzz >/dev/null
echo "fuzz: built in $((SECONDS - start)) s"

# Seeds, rewritten on every run from the project's data (nothing committed).
rm -rf "$work/seeds"
mkdir -p "$work/seeds/fuzz_rulepack"
"$build/tests/fuzz/fuzz_seeds" "$work/seeds/seeds-tmp" rules/core \
  tests/corpus/articles.jsonl tests/corpus/malformed.jsonl
mv "$work/seeds/seeds-tmp/article_json" "$work/seeds/fuzz_article_json"
mv "$work/seeds/seeds-tmp/article_pb" "$work/seeds/fuzz_article_pb"
mv "$work/seeds/seeds-tmp/extract" "$work/seeds/fuzz_extract"
rmdir "$work/seeds/seeds-tmp"
while IFS= read -r f; do
  cp "$f" "$work/seeds/fuzz_rulepack/$(echo "$f" | tr / _)"
done < <(find rules tests/packs -name '*.yaml' | sort)
# Past findings (tests/fuzz/regress/TARGET/): each run starts with them, so
# a finding that comes back fails at once.
for d in tests/fuzz/regress/*/; do
  [ -d "$d" ] && cp "$d"* "$work/seeds/$(basename "$d")/"
done

failed=()
for t in "${targets[@]}"; do
  bin=$build/tests/fuzz/$t
  [ -x "$bin" ] || { echo "fuzz: no target $t" >&2; failed+=("$t"); continue; }
  mkdir -p "$work/corpus/$t" "$work/crashes/$t"
  dirs=("$work/corpus/$t" "$work/seeds/$t")
  [ -d "tests/fuzz/regressions/$t" ] && dirs+=("tests/fuzz/regressions/$t")
  log=$work/$t.log
  rc=0
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$work/crashes/$t/" \
      "${dirs[@]}" >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$log" | tail -1)
  artifacts=$(find "$work/crashes/$t" -type f | wc -l)
  echo "fuzz: $t: ${execs:-?} execs, ${rate:-?} exec/s, ${cov:-no coverage line}"
  if [ $rc -ne 0 ] || [ "$artifacts" -ne 0 ]; then
    echo "fuzz: $t FAILED (exit $rc); log $log; inputs in $work/crashes/$t/:" >&2
    find "$work/crashes/$t" -type f >&2
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -5 >&2 || true
    failed+=("$t")
  fi
done

if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz: FAILED: ${failed[*]} ($((SECONDS - start)) s)"
  exit 1
fi
echo "fuzz: all clean in $((SECONDS - start)) s"
