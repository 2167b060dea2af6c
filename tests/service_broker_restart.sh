#!/usr/bin/env bash
# The broker goes away under a running `evextract run`: once a quarter of the
# expected events is committed, the broker is stopped (SIGTERM), left down
# for SVC_DOWN_S seconds (default 8) and started again on the same ports and
# data (scripts/kafka-broker.sh restart). The service must neither exit nor
# need help: it reconnects by itself and finishes, and at the end the events
# topic, read read_committed, holds every event of the offline extraction
# exactly once.
#
# Usage: tests/service_broker_restart.sh [SOURCE_DIR [EVEXTRACT]]; EVX_SHARED
# names the shared folder; SVC_ARTICLES overrides the article count (10000).
set -euo pipefail
NAME=service_broker_restart
src="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
# shellcheck source=tests/service_lib.sh
. "$src/tests/service_lib.sh"
svc_init "$src" "${2:-$src/build/evextract}"
n="${SVC_ARTICLES:-10000}"
down="${SVC_DOWN_S:-8}"

t0=$SECONDS
svc_gen_articles "$n" "$dir/articles.jsonl"
"$evx" extract --rules "$rules" -q "$dir/articles.jsonl" >"$dir/offline.jsonl" &
xpid=$!
svc_broker_start
svc_produce "$dir/articles.jsonl"
wait "$xpid" || fail "the offline extraction failed"
want=$(wc -l <"$dir/offline.jsonl")
[ "$want" -gt 0 ] || fail "the offline extraction found no events"
say "$n articles produced (3 partitions); offline extraction: $want events"

t1=$SECONDS
svc_start s --group-id "restart-$$" --transactional-id "restart-$$" --workers 2
svc_wait_events $((want / 4)) 120 || fail "fewer than $((want / 4)) events committed within 120 s"
svc_alive s
c1="$(svc_metric s evextract_articles_consumed_total)"

t2=$SECONDS
bash "$broker" stop --dir "$dir/broker" >/dev/null 2>&1 || fail "the broker did not stop"
say "broker stopped after $((t2 - t1)) s (service had consumed ${c1:-?} articles); down for $down s"
sleep "$down"
svc_alive s
bash "$broker" restart --dir "$dir/broker" >/dev/null || fail "the broker did not restart"
# shellcheck disable=SC1091
. "$dir/broker/broker.env"
say "broker back on $KAFKA_BOOTSTRAP after $((SECONDS - t2)) s"
svc_alive s

svc_wait_events "$want" 180 ||
	fail "fewer than $want events committed within 180 s after the broker restart ($(tail -n 1 "$dir/wait.err"))"
svc_alive s
took=$((SECONDS - t1))
aborted="$(svc_metric s evextract_transactions_aborted_total)"
sleep 2
svc_term s 15
svc_read_all "$dir/events.jsonl" 15
svc_check "$dir/offline.jsonl" "$dir/events.jsonl" exactly-once ||
	fail "the events topic is wrong after a broker restart (see above)"
say "ok: $want events exactly once in $took s across a broker restart (transactions aborted: ${aborted:-?}); total $((SECONDS - t0)) s"
