#!/usr/bin/env bash
# Smoke test of scripts/kafka-broker.sh against a real broker: start one in a
# temporary folder, create a topic, produce three messages, read them back,
# compare, stop. The broker is stopped and the folder removed however the
# test ends. Usage: tests/kafka_smoke.sh [SOURCE_DIR]
set -euo pipefail
src="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
broker="$src/scripts/kafka-broker.sh"
dir="$(mktemp -d "${TMPDIR:-/tmp}/evx-kafka-smoke.XXXXXX")"

cleanup() {
  local rc=$?
  bash "$broker" stop --dir "$dir" 2>/dev/null || true
  # Belt and braces: if stop could not tell, kill the broker by its PID.
  if [ -f "$dir/broker.env" ]; then
    pid="$(sed -n 's/^KAFKA_PID=//p' "$dir/broker.env")"
    if [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "kafka.Kafka $dir/"; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  if [ $rc -ne 0 ] && [ -f "$dir/broker.log" ]; then
    echo "kafka_smoke: FAILED; last lines of $dir/broker.log:" >&2
    tail -n 20 "$dir/broker.log" >&2
  fi
  rm -rf "$dir"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

t0=$SECONDS
bash "$broker" start --dir "$dir" >"$dir/start.out"
grep -qx 'KAFKA_BOOTSTRAP=127\.0\.0\.1:[0-9]*' "$dir/start.out" ||
  { echo "kafka_smoke: start printed no bootstrap address:" >&2; cat "$dir/start.out" >&2; exit 1; }
grep -q '^KAFKA_PID=[0-9]' "$dir/broker.env" ||
  { echo "kafka_smoke: $dir/broker.env has no KAFKA_PID" >&2; exit 1; }
echo "kafka_smoke: $(cat "$dir/start.out") after $((SECONDS - t0)) s"

bash "$broker" topics --dir "$dir" create smoke 1
bash "$broker" topics --dir "$dir" list >"$dir/topics.out"
grep -qx smoke "$dir/topics.out" ||
  { echo "kafka_smoke: topic smoke not listed:" >&2; cat "$dir/topics.out" >&2; exit 1; }

printf '%s\n' 'first message' '{"id":"a2","title":"second"}' 'third: ünïcode' >"$dir/sent"
bash "$broker" produce --dir "$dir" smoke <"$dir/sent"
bash "$broker" consume --dir "$dir" smoke --from-beginning --max 3 \
  --isolation read_committed >"$dir/got"
if ! cmp -s "$dir/sent" "$dir/got"; then
  echo "kafka_smoke: messages differ (sent, then got):" >&2
  diff "$dir/sent" "$dir/got" >&2 || true
  exit 1
fi
echo "kafka_smoke: 3 messages round-tripped"

bash "$broker" stop --dir "$dir"
if bash "$broker" status --dir "$dir" >/dev/null; then
  echo "kafka_smoke: broker still running after stop" >&2
  exit 1
fi
echo "kafka_smoke: ok in $((SECONDS - t0)) s"
