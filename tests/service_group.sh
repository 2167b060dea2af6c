#!/usr/bin/env bash
# Two instances of `evextract run` in one consumer group (own transactional
# ids, own HTTP ports) share a 3-partition articles topic: both must log
# partition assignments; once a third of the expected events is committed,
# one instance gets SIGTERM (and must exit 0), the other takes its partitions
# over and finishes. At the end the events topic, read read_committed, holds
# every event of the offline extraction exactly once.
#
# Usage: tests/service_group.sh [SOURCE_DIR [EVEXTRACT]]; EVX_SHARED names the
# shared folder; SVC_ARTICLES overrides the article count (default 10000).
set -euo pipefail
NAME=service_group
src="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
# shellcheck source=tests/service_lib.sh
. "$src/tests/service_lib.sh"
svc_init "$src" "${2:-$src/build/evextract}"
n="${SVC_ARTICLES:-10000}"
command -v curl >/dev/null || fail "curl is needed to read /metrics"

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

# assigned LABEL: how many "partition assigned" lines LABEL's log holds.
assigned() { grep -c 'msg="partition assigned"' "${SVC_LOG[$1]}" || true; }

t1=$SECONDS
group="group-$$"
svc_start a --group-id "$group" --transactional-id "$group-a" --workers 1
svc_start b --group-id "$group" --transactional-id "$group-b" --workers 1
for _ in $(seq 1 150); do
	[ "$(assigned a)" -gt 0 ] && [ "$(assigned b)" -gt 0 ] && break
	svc_alive a
	svc_alive b
	sleep 0.2
done
[ "$(assigned a)" -gt 0 ] && [ "$(assigned b)" -gt 0 ] ||
	fail "not both instances got partitions within 30 s: a logged $(assigned a), b $(assigned b) assignments"
say "both instances got partitions: a $(assigned a), b $(assigned b) assignments after $((SECONDS - t1)) s"

svc_wait_events $((want / 3)) 120 || fail "fewer than $((want / 3)) events committed within 120 s"
ca="$(svc_metric a evextract_articles_consumed_total)"
cb="$(svc_metric b evextract_articles_consumed_total)"
say "a third committed after $((SECONDS - t1)) s; articles consumed so far: a ${ca:-?}, b ${cb:-?}"
[ "${ca:-0}" -gt 0 ] && [ "${cb:-0}" -gt 0 ] ||
	fail "both instances should have consumed articles: a ${ca:-?}, b ${cb:-?}"
before_b=$(assigned b)
svc_term a 15
say "a stopped with SIGTERM (exit 0); b takes over"

svc_wait_events "$want" 180 || fail "fewer than $want events committed within 180 s after a stopped"
# The handover is b's own rebalance and may end after the last event: on a
# fast machine a can finish its partitions before it stops (seen in CI on
# 2026-12-01: every event committed 0.5 s after a left, b still rejoining).
for _ in $(seq 1 150); do
	[ "$(assigned b)" -gt "$before_b" ] && break
	svc_alive b
	sleep 0.2
done
svc_alive b
after_b=$(assigned b)
[ "$after_b" -gt "$before_b" ] ||
	fail "b logged no new assignment within 30 s after a left ($before_b before, $after_b after)"
took=$((SECONDS - t1))
cb="$(svc_metric b evextract_articles_consumed_total)"
sleep 2
svc_term b 15
svc_read_all "$dir/events.jsonl" 15
svc_check "$dir/offline.jsonl" "$dir/events.jsonl" exactly-once ||
	fail "the events topic is wrong after one instance of two stopped (see above)"
say "ok: b took over ($before_b then $after_b assignments, ${cb:-?} articles consumed in all); $want events exactly once in $took s; total $((SECONDS - t0)) s"
