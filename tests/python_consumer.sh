#!/usr/bin/env bash
# The events topic read by a consumer that shares no code with evextract: Python,
# the official protobuf runtime on classes that protoc generates from
# proto/event.proto at test time, and confluent-kafka (librdkafka in its wheel)
# with isolation.level=read_committed. It shows that the wire format works for
# other languages: every event of the offline extraction arrives, decodes with
# Event.FromString, has key = event_id and the content-type and schema headers,
# and agrees with `evextract extract` on type, article, date, location and
# mentions. SIGTERM then ends `evextract run` with exit status 0.
#
# Python packages (tests/py/requirements.txt) live in a venv under
# ${EVX_CACHE:-$HOME/.cache/evextract}/pyenv, made on the first run (pip, from
# PyPI) and reused while the requirements and python3 stay the same. protoc is
# the one in grpcio-tools; nothing generated is kept.
#
# Usage: tests/python_consumer.sh [SOURCE_DIR [EVEXTRACT]]; EVX_SHARED names the
# shared folder (default SOURCE_DIR/../shared). The broker and the service are
# stopped and the temporary folder removed however the test ends.
set -euo pipefail
src="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
evx="${2:-$src/build/evextract}"
shared="${EVX_SHARED:-$src/../shared}"
seeds="$shared/corpus/seeds/articles.jsonl"
broker="$src/scripts/kafka-broker.sh"
req="$src/tests/py/requirements.txt"
consumer="$src/tests/py/consume_events.py"
pyenv="${EVX_CACHE:-$HOME/.cache/evextract}/pyenv"
dir="$(mktemp -d "${TMPDIR:-/tmp}/evx-pycons.XXXXXX")"
run_pid=""

say() { echo "python_consumer: $*"; }
fail() { echo "python_consumer: FAILED: $*" >&2; exit 1; }

cleanup() {
  local rc=$?
  if [ -n "$run_pid" ] && kill -0 "$run_pid" 2>/dev/null; then
    kill -KILL "$run_pid" 2>/dev/null || true
  fi
  bash "$broker" stop --dir "$dir/broker" >/dev/null 2>&1 || true
  if [ -f "$dir/broker/broker.env" ]; then
    pid="$(sed -n 's/^KAFKA_PID=//p' "$dir/broker/broker.env")"
    if [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "kafka.Kafka $dir/broker/"; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  if [ $rc -ne 0 ]; then
    [ -f "$dir/run.err" ] && { echo "--- last lines of evextract run's log:" >&2; tail -n 30 "$dir/run.err" >&2; }
    [ -f "$dir/broker/broker.log" ] && { echo "--- last lines of the broker log:" >&2; tail -n 10 "$dir/broker/broker.log" >&2; }
  fi
  rm -rf "$dir"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ -x "$evx" ] || fail "no evextract binary at $evx"
[ -f "$seeds" ] || fail "no seed articles at $seeds (set EVX_SHARED)"
command -v python3 >/dev/null || fail "python3 is needed (scripts/setup-deps.sh)"
t0=$SECONDS

# The venv (tests/pyenv.sh).
# shellcheck source=tests/pyenv.sh
source "$src/tests/pyenv.sh"
py="$pyenv/bin/python"
pyenv_ready "$req" "$pyenv" "$dir"
say "venv ready after $((SECONDS - t0)) s: $("$py" -m pip freeze 2>/dev/null |
  grep -Ei '^(protobuf|confluent-kafka|grpcio-tools)==' | tr '\n' ' ')"

# Classes from proto/event.proto, and their version against the runtime's.
mkdir -p "$dir/gen"
"$py" -m grpc_tools.protoc -I"$src/proto" --python_out="$dir/gen" \
  "$src/proto/event.proto" || fail "protoc (grpc_tools) failed on proto/event.proto"
"$py" "$consumer" --gen-dir "$dir/gen" --check-gencode ||
  fail "the generated code does not fit the protobuf runtime"

# What the offline engine finds in the seeds.
"$evx" extract --rules "$src/rules" -q "$seeds" >"$dir/offline.jsonl"
want=$(wc -l <"$dir/offline.jsonl")
[ "$want" -gt 0 ] || fail "the offline extraction found no events"

t1=$SECONDS
mkdir -p "$dir/broker"
eval "$(bash "$broker" start --dir "$dir/broker")"
[ -n "${KAFKA_BOOTSTRAP:-}" ] || fail "the broker printed no bootstrap address"
say "broker on $KAFKA_BOOTSTRAP after $((SECONDS - t1)) s"
bash "$broker" topics --dir "$dir/broker" create articles 3 >/dev/null
bash "$broker" topics --dir "$dir/broker" create events 3 >/dev/null
bash "$broker" topics --dir "$dir/broker" create articles.dlq 1 >/dev/null
bash "$broker" produce --dir "$dir/broker" articles <"$seeds"
say "$(wc -l <"$seeds") seed articles produced; offline extraction: $want events"

t2=$SECONDS
"$evx" run --brokers "$KAFKA_BOOTSTRAP" --http 127.0.0.1:0 --rules "$src/rules" \
  --group-id "pycons-$$" --transactional-id "pycons-$$" --workers 2 \
  --shutdown-timeout-ms 10000 >"$dir/run.out" 2>"$dir/run.err" &
run_pid=$!

crc=0
"$py" "$consumer" --gen-dir "$dir/gen" --bootstrap "$KAFKA_BOOTSTRAP" \
  --topic events --expect "$want" --timeout 90 --linger 3 \
  >"$dir/events.jsonl" 2>"$dir/consumer.err" || crc=$?
cat "$dir/consumer.err" >&2
[ "$crc" -eq 0 ] || fail "the Python consumer found problems (exit $crc)"
say "$want events decoded by Python after $((SECONDS - t2)) s"

# The same events as offline: ids, and per id type, article, date, location
# name and mention spans. MessageToDict leaves out fields that are not set,
# where the offline JSON may write "" or omit them: both count as empty.
python3 - "$dir/offline.jsonl" "$dir/events.jsonl" <<'PY' || fail "events differ from the offline extraction"
import json, sys
def load(path):
    out = {}
    for line in open(path, encoding="utf-8"):
        e = json.loads(line)
        assert e["event_id"] not in out, "event %s twice in %s" % (e["event_id"], path)
        out[e["event_id"]] = {
            "type": e.get("type", ""),
            "article_id": e.get("article_id", ""),
            "date": e.get("date", ""),
            "location": (e.get("location") or {}).get("name", ""),
            "mentions": [(m.get("start", 0), m.get("end", 0), m.get("rule", ""),
                          m.get("rule_revision", 0)) for m in e.get("mentions", [])],
        }
    return out
off, on = load(sys.argv[1]), load(sys.argv[2])
bad = 0
for i in sorted(set(off) - set(on)):
    print("  offline only: %s %s" % (i, off[i]), file=sys.stderr); bad += 1
for i in sorted(set(on) - set(off)):
    print("  Python only: %s %s" % (i, on[i]), file=sys.stderr); bad += 1
for i in sorted(set(off) & set(on)):
    for k in off[i]:
        if off[i][k] != on[i][k]:
            print("  %s %s: offline %r, Python %r" % (i, k, off[i][k], on[i][k]),
                  file=sys.stderr); bad += 1
sys.exit(1 if bad else 0)
PY
say "ids, types, articles, dates, locations and mentions match the offline extraction"

# SIGTERM: orderly exit, status 0.
t3=$SECONDS
kill -TERM "$run_pid"
for _ in $(seq 1 100); do
  kill -0 "$run_pid" 2>/dev/null || break
  sleep 0.2
done
kill -0 "$run_pid" 2>/dev/null && fail "evextract run still running 20 s after SIGTERM"
rc=0
wait "$run_pid" || rc=$?
run_pid=""
[ "$rc" -eq 0 ] || fail "evextract run exited with $rc after SIGTERM"
say "SIGTERM: exit 0 after $((SECONDS - t3)) s"
bash "$broker" stop --dir "$dir/broker" >/dev/null
say "ok: $want events through Python in $((SECONDS - t0)) s"
