#!/usr/bin/env bash
# Crash recovery of `evextract run`: 20,000 articles (the seeds and
# tests/corpus/articles.jsonl replicated with distinct ids) on a 3-partition
# articles topic; the service is SIGKILLed twice mid-stream (once a quarter,
# then once half of the expected events are committed) and restarted each
# time with the same group and transactional id. At the end the events topic,
# read read_committed, holds every event of the offline extraction of the
# same file exactly once. When the binary implements --delivery
# at-least-once, the same runs again in that mode (fresh topics on a fresh
# group) and only "nothing missing" is asserted.
#
# Usage: tests/service_crash.sh [SOURCE_DIR [EVEXTRACT]]; EVX_SHARED names the
# shared folder; SVC_ARTICLES overrides the article count (default 20000).
set -euo pipefail
NAME=service_crash
src="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
# shellcheck source=tests/service_lib.sh
. "$src/tests/service_lib.sh"
svc_init "$src" "${2:-$src/build/evextract}"
n="${SVC_ARTICLES:-20000}"

t0=$SECONDS
svc_gen_articles "$n" "$dir/articles.jsonl"
# The offline extraction runs while the broker starts.
"$evx" extract --rules "$rules" -q "$dir/articles.jsonl" >"$dir/offline.jsonl" &
xpid=$!
svc_broker_start
svc_produce "$dir/articles.jsonl"
say "$n articles produced to articles (3 partitions)"
wait "$xpid" || fail "the offline extraction failed"
want=$(wc -l <"$dir/offline.jsonl")
[ "$want" -gt 0 ] || fail "the offline extraction found no events"
say "offline extraction: $want events (ready after $((SECONDS - t0)) s)"

# crash_run MODE: the whole scenario in one delivery mode.
crash_run() {
	local mode="$1" group="crash-$1-$$" txid="crash-$1-$$-a" t1 k c
	t1=$SECONDS
	for k in 1 2 3; do
		svc_start "$mode" --group-id "$group" --transactional-id "$txid" \
			--delivery "$mode" --workers 2
		case $k in
		1) svc_wait_events $((want / 4)) 120 ||
			fail "$mode: fewer than $((want / 4)) events committed within 120 s" ;;
		2) svc_wait_events $((want / 2)) 120 ||
			fail "$mode: fewer than $((want / 2)) events committed within 120 s after the first restart" ;;
		3) svc_wait_events "$want" 180 ||
			fail "$mode: fewer than $want events committed within 180 s after the second restart" ;;
		esac
		svc_alive "$mode"
		if [ $k -lt 3 ]; then
			c="$(svc_metric "$mode" evextract_articles_consumed_total)"
			svc_kill9 "$mode"
			say "$mode: kill -9 number $k after $((SECONDS - t1)) s (>= $((want * k / 4)) events committed; this run had consumed ${c:-?} articles); restarting"
		fi
	done
	local took=$((SECONDS - t1))
	# Give a late duplicate the time to show, then stop in order.
	sleep 2
	svc_term "$mode" 15
	svc_read_all "$dir/events.$mode.jsonl" 15
	svc_check "$dir/offline.jsonl" "$dir/events.$mode.jsonl" "$mode" ||
		fail "$mode: the events topic is wrong after two kill -9 (see above)"
	say "$mode: ok, all $want events after two kill -9 in $took s"
}

crash_run exactly-once

if svc_at_least_once; then
	# A fresh group reads the articles from the start again; the events go to
	# a topic of their own, so the exactly-once output above is left alone.
	bash "$broker" topics --dir "$dir/broker" create events.alo 3 >/dev/null
	evtopic=events.alo
	crash_alo() {
		local group="crash-alo-$$" t1=$SECONDS k target
		for k in 1 2 3; do
			svc_start alo --group-id "$group" --transactional-id "crash-alo-$$" \
				--delivery at-least-once --events-topic "$evtopic" --workers 2
			target=$((want * k / 4))
			if [ $k -eq 3 ]; then target=$want; fi
			"$evx" consume "$evtopic" --brokers "$KAFKA_BOOTSTRAP" --max "$target" \
				--timeout-ms 180000 >/dev/null 2>&1 ||
				fail "at-least-once: fewer than $target events within 180 s (run $k)"
			svc_alive alo
			if [ $k -lt 3 ]; then
				svc_kill9 alo
				say "at-least-once: kill -9 number $k after $((SECONDS - t1)) s"
			fi
		done
		sleep 2
		svc_term alo 15
		"$evx" consume "$evtopic" --brokers "$KAFKA_BOOTSTRAP" --events --timeout-ms 15000 \
			>"$dir/events.alo.jsonl" 2>/dev/null || true
		svc_check "$dir/offline.jsonl" "$dir/events.alo.jsonl" at-least-once ||
			fail "at-least-once: events missing after two kill -9 (see above)"
		say "at-least-once: ok, nothing missing, in $((SECONDS - t1)) s"
	}
	crash_alo
else
	say "at-least-once is not implemented by this binary; that half is skipped"
fi
say "ok in $((SECONDS - t0)) s"
