#!/usr/bin/env bash
# The main job on the sample corpus, end to end: builds evextract, starts a
# local Kafka broker (KRaft, resolved with Maven), creates the topics,
# replays the seed articles onto the articles topic, runs `evextract run`
# (exactly-once), prints the events read back from the events topic
# (read_committed, decoded from protobuf to JSON), then stops everything.
# A summary on stderr compares them with the offline extraction and scores
# the offline extraction against the gold.
#
# Usage: scripts/demo.sh        (EVX_SHARED names the shared folder,
#                                default ../shared beside the checkout)
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)
bash scripts/setup-deps.sh
cmake -S . -B build >/dev/null
cmake --build build -j2 >/dev/null
shared=${EVX_SHARED:-$src/../shared}
seeds=$shared/corpus/seeds/articles.jsonl
[ -f "$seeds" ] || { echo "demo: no seed articles at $seeds (set EVX_SHARED)" >&2; exit 2; }
evx=$src/build/evextract
dir=$(mktemp -d "${TMPDIR:-/tmp}/evx-demo.XXXXXX")
run_pid=""

cleanup() {
  local rc=$?
  if [ -n "$run_pid" ] && kill -0 "$run_pid" 2>/dev/null; then
    kill -TERM "$run_pid" 2>/dev/null || true
    wait "$run_pid" 2>/dev/null || true
  fi
  bash scripts/kafka-broker.sh stop --dir "$dir/broker" >/dev/null 2>&1 || true
  [ $rc -ne 0 ] && [ -f "$dir/run.err" ] && tail -n 20 "$dir/run.err" >&2
  rm -rf "$dir"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "demo: starting a local Kafka broker (the first run downloads it with Maven)" >&2
mkdir -p "$dir/broker"
eval "$(bash scripts/kafka-broker.sh start --dir "$dir/broker")"
for t in articles:3 events:3 articles.dlq:1; do
  bash scripts/kafka-broker.sh topics --dir "$dir/broker" create "${t%%:*}" "${t##*:}" >/dev/null
done
bash scripts/kafka-broker.sh produce --dir "$dir/broker" articles <"$seeds"
"$evx" extract -q --rules rules "$seeds" >"$dir/offline.jsonl"
want=$(wc -l <"$dir/offline.jsonl")
echo "demo: $(wc -l <"$seeds") seed articles on topic articles; running evextract run" >&2

"$evx" run --brokers "$KAFKA_BOOTSTRAP" --rules rules --http 127.0.0.1:0 \
  --group-id evextract-demo --transactional-id evextract-demo-$$ \
  >"$dir/run.out" 2>"$dir/run.err" &
run_pid=$!

# The events, as other consumers see them: committed transactions only.
"$evx" consume events --brokers "$KAFKA_BOOTSTRAP" --events --max "$want" \
  --timeout-ms 120000 | tee "$dir/online.jsonl"

kill -TERM "$run_pid"
wait "$run_pid" && rc=0 || rc=$?
run_pid=""
python3 - "$dir/offline.jsonl" "$dir/online.jsonl" <<'PY' >&2
import json, sys
def ids(p): return sorted(json.loads(l)["event_id"] for l in open(p))
off, on = ids(sys.argv[1]), ids(sys.argv[2])
print("demo: %d events read from topic events (read_committed); %s the offline extraction"
      % (len(on), "same ids as" if off == on else "DIFFERENT from"))
PY
echo "demo: evextract run exited with status $rc after SIGTERM" >&2
echo "demo: the offline extraction scored against the gold:" >&2
"$evx" eval -q --rules rules --gold "$shared/corpus/seeds/gold.jsonl" "$seeds" >&2
