#!/usr/bin/env bash
# Replays the seed articles through `evextract run` against a real broker and
# checks exactly-once output: every event of the offline extraction, with the
# same id and content (provenance topic/partition/offset aside), readable with
# isolation read_committed, no event twice; the two malformed articles in the
# dead-letter topic with their original bytes and reasons; SIGHUP with a broken
# pack keeping the old one, and with a new version swapping it in (events of a
# later article name it); SIGTERM ending in exit status 0 within the shutdown
# timeout. Then the same articles once more with delivery=at-least-once.
#
# Events on the events topic are raw protobuf values (one Event per message);
# `evextract consume TOPIC --events` reads them back (read_committed by default)
# and prints each as the same JSON line `evextract extract` writes, so the two
# outputs compare directly. Without --events it prints each message as JSON
# with its headers, which is how the DLQ is checked.
#
# Usage: tests/service_replay.sh [SOURCE_DIR [EVEXTRACT]]; EVX_SHARED names the
# shared folder (default SOURCE_DIR/../shared). The broker is stopped and the
# temporary folder removed however the test ends.
set -euo pipefail
src="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
evx="${2:-$src/build/evextract}"
shared="${EVX_SHARED:-$src/../shared}"
seeds="$shared/corpus/seeds/articles.jsonl"
broker="$src/scripts/kafka-broker.sh"
dir="$(mktemp -d "${TMPDIR:-/tmp}/evx-replay.XXXXXX")"
run_pid=""

say() { echo "service_replay: $*"; }
fail() { echo "service_replay: FAILED: $*" >&2; exit 1; }

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
command -v python3 >/dev/null || fail "python3 is needed to compare events"

t0=$SECONDS
mkdir -p "$dir/broker"
eval "$(bash "$broker" start --dir "$dir/broker")"
[ -n "${KAFKA_BOOTSTRAP:-}" ] || fail "the broker printed no bootstrap address"
say "broker on $KAFKA_BOOTSTRAP after $((SECONDS - t0)) s"
bash "$broker" topics --dir "$dir/broker" create articles 3 >/dev/null
bash "$broker" topics --dir "$dir/broker" create events 3 >/dev/null
bash "$broker" topics --dir "$dir/broker" create articles.dlq 1 >/dev/null 2>&1

# A copy of the rule pack, so the test can break it and bump its version.
cp -r "$src/rules" "$dir/rules"
[ -f "$dir/rules/core/pack.yaml" ] || fail "no rules/core/pack.yaml to edit"

# The seeds, then two malformed articles: truncated JSON, and no "body".
cp "$seeds" "$dir/articles.jsonl"
printf '%s\n' '{"id": "bad-json", "body": "cut off' '{"id": "bad-field", "title": "no body here"}' \
  >>"$dir/articles.jsonl"
nseeds=$(wc -l <"$seeds")
bash "$broker" produce --dir "$dir/broker" articles <"$dir/articles.jsonl"

# What the offline engine finds in the same articles.
"$evx" extract --rules "$dir/rules" -q "$seeds" >"$dir/offline.jsonl"
want=$(wc -l <"$dir/offline.jsonl")
[ "$want" -gt 0 ] || fail "the offline extraction found no events"
say "$nseeds seed articles + 2 malformed produced; offline extraction: $want events"

t1=$SECONDS
"$evx" run --brokers "$KAFKA_BOOTSTRAP" --http 127.0.0.1:0 --rules "$dir/rules" \
  --group-id "replay-$$" --transactional-id "replay-$$" --workers 2 \
  --shutdown-timeout-ms 10000 --kafka.statistics.interval.ms 500 \
  >"$dir/run.out" 2>"$dir/run.err" &
run_pid=$!

"$evx" consume events --brokers "$KAFKA_BOOTSTRAP" --events --max "$want" \
  --timeout-ms 90000 >"$dir/events.jsonl" ||
  fail "fewer than $want committed events on the events topic"
say "$want committed events read back after $((SECONDS - t1)) s"
"$evx" consume articles.dlq --brokers "$KAFKA_BOOTSTRAP" --max 2 \
  --timeout-ms 30000 >"$dir/dlq.jsonl" || fail "fewer than 2 dead letters"

# Events: same ids and content as offline; provenance names the topic.
python3 - "$dir/offline.jsonl" "$dir/events.jsonl" <<'PY' || fail "events differ from the offline extraction"
import json, sys
def load(path, online):
    out = []
    for line in open(path):
        e = json.loads(line)
        p = dict(e.get("provenance", {}))
        if online:
            assert p.get("topic") == "articles", p
            assert p.get("partition", -1) >= 0 and p.get("offset", -1) >= 0, p
        for k in ("topic", "partition", "offset"):
            p.pop(k, None)
        e["provenance"] = p
        out.append(json.dumps(e, sort_keys=True))
    return sorted(out)
off, on = load(sys.argv[1], False), load(sys.argv[2], True)
if off != on:
    for x in sorted(set(off) ^ set(on))[:5]:
        print(("offline only: " if x in off else "online only: ") + x[:300], file=sys.stderr)
    sys.exit(1)
ids = [json.loads(x)["event_id"] for x in on]
assert len(ids) == len(set(ids)), "an event id twice"
PY
say "events match the offline extraction (ids and content)"

# Dead letters: original bytes, reasons, source coordinates, pack.
python3 - "$dir/articles.jsonl" "$dir/dlq.jsonl" <<'PY' || fail "dead letters are wrong"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
want = {lines[-2]: "bad_json", lines[-1]: "missing_field"}
got = [json.loads(l) for l in open(sys.argv[2])]
assert len(got) == 2, got
for m in got:
    h = m["headers"]
    assert m["value"] in want, m["value"]
    assert h["dlq-reason"] == want[m["value"]], h
    assert h["dlq-stage"] == "decode", h
    assert h["source-topic"] == "articles", h
    assert int(h["source-partition"]) >= 0 and int(h["source-offset"]) >= 0, h
    assert h["rule-pack"].startswith("core@"), h
    print("  dlq: reason=%s source=%s[%s]@%s" % (h["dlq-reason"], h["source-topic"],
          h["source-partition"], h["source-offset"]))
PY

# Metrics, when the endpoint is up and curl is here.
port="$(sed -n 's/.*msg="http listening".* port=\([0-9]*\).*/\1/p' "$dir/run.err" | head -n 1)"
if [ -n "$port" ] && command -v curl >/dev/null; then
  curl -fsS "http://127.0.0.1:$port/metrics" >"$dir/metrics.txt" || fail "GET /metrics failed"
  grep -q '^evextract_articles_consumed_total 7$' "$dir/metrics.txt" ||
    fail "articles consumed is not 7: $(grep articles_consumed "$dir/metrics.txt" || true)"
  grep -q '^evextract_dlq_messages_total{reason="bad_json"} 1$' "$dir/metrics.txt" ||
    fail "no bad_json dead letter counted"
  grep -q '^evextract_rule_pack_info{pack="core"' "$dir/metrics.txt" || fail "no rule pack info"
  # Consumer lag per partition from librdkafka's statistics: every article
  # is consumed, so each partition's lag comes down to 0.
  lag_ok=""
  for _ in $(seq 1 40); do
    curl -fsS "http://127.0.0.1:$port/metrics" >"$dir/metrics.txt" || fail "GET /metrics failed"
    lags="$(grep '^evextract_consumer_lag{topic="articles",partition="' "$dir/metrics.txt" || true)"
    if [ "$(printf '%s\n' "$lags" | grep -c 'partition=')" -eq 3 ] &&
       ! printf '%s\n' "$lags" | grep -qv ' 0$'; then
      lag_ok=1
      break
    fi
    sleep 0.5
  done
  [ -n "$lag_ok" ] || fail "consumer lag is not 0 on the 3 partitions: ${lags:-no series}"
  # Matches per rule: one per mention of the events produced.
  python3 - "$dir/offline.jsonl" "$dir/metrics.txt" <<'PY' || fail "matches per rule differ from the events' mentions"
import collections, json, re, sys
want = collections.Counter(m["rule"] for l in open(sys.argv[1]) for m in json.loads(l)["mentions"])
got = {}
for line in open(sys.argv[2]):
    m = re.match(r'evextract_rule_matches_total\{rule="([^"]+)"\} (\S+)$', line.strip())
    if m:
        got[m.group(1)] = int(float(m.group(2)))
assert got == dict(want), (got, dict(want))
print("  matches per rule: %d rules, %d matches" % (len(got), sum(got.values())))
PY
  say "metrics: $(grep -c '^evextract_' "$dir/metrics.txt") series; articles consumed 7"
fi

# SIGHUP with a broken pack: rejected, the old pack stays, the service goes on.
# Then SIGHUP with a new version: swapped in, and the events of an article
# consumed afterwards name the new version (and have its ids).
wait_log() {  # PATTERN: waits up to 20 s for a line of run's log
  for _ in $(seq 1 100); do grep -q "$1" "$dir/run.err" && return 0; sleep 0.2; done
  return 1
}
cp "$dir/rules/core/pack.yaml" "$dir/pack.yaml.orig"
printf 'rules: [\n' >>"$dir/rules/core/pack.yaml"
kill -HUP "$run_pid"
wait_log 'msg="rule reload rejected' || fail "a broken pack was not rejected on SIGHUP"
kill -0 "$run_pid" || fail "evextract run died after SIGHUP"
say "SIGHUP with a broken pack: rejected, old pack kept"
sed 's/^version: .*/version: 9.9.9/' "$dir/pack.yaml.orig" >"$dir/rules/core/pack.yaml"
kill -HUP "$run_pid"
wait_log 'msg="rules reloaded".*new=core@9.9.9' || fail "SIGHUP did not reload the rules"
say "SIGHUP reloaded the rules as core@9.9.9"
head -n 1 "$seeds" >"$dir/again.jsonl"
"$evx" extract --rules "$dir/rules" -q "$dir/again.jsonl" >"$dir/again.offline"
more=$(wc -l <"$dir/again.offline")
bash "$broker" produce --dir "$dir/broker" articles <"$dir/again.jsonl"
"$evx" consume events --brokers "$KAFKA_BOOTSTRAP" --events --max $((want + more)) \
  --timeout-ms 60000 >"$dir/events2.jsonl" || fail "no events after the reload"
python3 - "$dir/again.offline" "$dir/events2.jsonl" "$dir/events.jsonl" <<'PY' || fail "events after the reload are wrong"
import json, sys
want = {json.loads(l)["event_id"] for l in open(sys.argv[1])}
before = {json.loads(l)["event_id"] for l in open(sys.argv[3])}
new = [json.loads(l) for l in open(sys.argv[2]) if json.loads(l)["event_id"] not in before]
assert {e["event_id"] for e in new} == want, "ids differ from the offline 9.9.9 run"
assert all(e["provenance"]["rule_pack_version"] == "9.9.9" for e in new), "old version named"
PY
say "$more events of a re-sent article name core@9.9.9 and match offline"
want=$((want + more))

# SIGTERM: orderly exit, status 0, within the shutdown timeout.
t2=$SECONDS
kill -TERM "$run_pid"
rc=0
wait "$run_pid" || rc=$?
run_pid=""
[ "$rc" -eq 0 ] || fail "evextract run exited with $rc after SIGTERM"
[ $((SECONDS - t2)) -le 10 ] || fail "shutdown took $((SECONDS - t2)) s"
say "SIGTERM: exit 0 after $((SECONDS - t2)) s"

# Nothing more, nothing twice, once everything is committed and closed.
"$evx" consume events --brokers "$KAFKA_BOOTSTRAP" --events --timeout-ms 5000 \
  >"$dir/all.jsonl" || true
n=$(wc -l <"$dir/all.jsonl")
[ "$n" -eq "$want" ] || fail "$n events on the topic after shutdown, want $want"
say "exactly-once: $want events, 2 dead letters, nothing twice"

# At-least-once on the same articles (now read with the 9.9.9 pack) into
# topics of its own: every event of the offline extraction, the dead letters,
# and an orderly exit 0.
bash "$broker" topics --dir "$dir/broker" create events.alo 3 >/dev/null
bash "$broker" topics --dir "$dir/broker" create dlq.alo 1 >/dev/null 2>&1
cat "$seeds" "$dir/again.jsonl" >"$dir/alo.jsonl"
"$evx" extract --rules "$dir/rules" -q "$dir/alo.jsonl" >"$dir/alo.offline"
nalo=$(wc -l <"$dir/alo.offline")
"$evx" run --brokers "$KAFKA_BOOTSTRAP" --http "" --rules "$dir/rules" \
  --group-id "replay-alo-$$" --delivery at-least-once --events-topic events.alo \
  --dlq-topic dlq.alo --workers 2 >"$dir/alo.out" 2>"$dir/run.err" &
run_pid=$!
"$evx" consume events.alo --brokers "$KAFKA_BOOTSTRAP" --events --max "$nalo" \
  --isolation read_uncommitted --timeout-ms 60000 >"$dir/alo.events" ||
  fail "at-least-once: fewer than $nalo events"
"$evx" consume dlq.alo --brokers "$KAFKA_BOOTSTRAP" --max 2 --timeout-ms 30000 \
  >/dev/null || fail "at-least-once: fewer than 2 dead letters"
python3 - "$dir/alo.offline" "$dir/alo.events" <<'PY' || fail "at-least-once events differ from offline"
import json, sys
def load(path):
    out = []
    for line in open(path):
        e = json.loads(line)
        for k in ("topic", "partition", "offset"):
            e["provenance"].pop(k, None)
        out.append(json.dumps(e, sort_keys=True))
    return sorted(out)
assert load(sys.argv[1]) == load(sys.argv[2])
PY
kill -TERM "$run_pid"
rc=0
wait "$run_pid" || rc=$?
run_pid=""
[ "$rc" -eq 0 ] || fail "evextract run (at-least-once) exited with $rc after SIGTERM"
say "at-least-once: $nalo events match offline, 2 dead letters, exit 0"
say "ok in $((SECONDS - t0)) s"
