#!/usr/bin/env bash
# Soak test of `evextract run`: N articles (default 1,000,000) through one
# service instance against a local broker, and at the end:
#   - every good article's events present exactly once: its base article's
#     count from the offline extraction, no event id twice, nothing else;
#   - every malformed article (5%: every 20th message, cycling through invalid
#     JSON, missing body, invalid UTF-8, oversize, wrong types, empty message,
#     deep nesting, not an object, empty id, NUL escape, too many members, an
#     over-long sentence) in the DLQ once, with its kind's reason;
#   - the service never restarted: the same process from start to end (same
#     PID and start time), then SIGTERM and exit 0;
#   - memory flat: the peak RSS (VmHWM) when all articles are consumed no
#     more than 10% above the peak when 20% were. The peak, not VmRSS: the
#     service gives fetched batches back to the system as it finishes them
#     (limits.h, EVX_RUN_MMAP_THRESHOLD), so VmRSS moves up and down with
#     the batches in memory and one sample says little; a leak or a queue
#     without bound raises the peak. VmRSS, sampled every SOAK_SAMPLE_S
#     seconds, is printed too.
# It prints a summary (articles/s, events, DLQ by reason, RSS samples) and a
# last line "SOAK {...}" with the figures as JSON.
#
# Articles are the seed articles and tests/corpus/articles.jsonl replicated
# with ids "ID~k" (as tests/service_lib.sh), produced keyed by id by a Python
# confluent-kafka producer (tests/py/soak.py; the venv of
# tests/py/requirements.txt under ${EVX_CACHE:-~/.cache/evextract}/pyenv,
# shared with tests/python_consumer.sh), all before the service starts, so
# the rate measured is the service's. The service runs with --max-bytes 64k
# (the oversize kind is 64k + 1 bytes; a message over the default 1 MB would
# not fit Kafka's default message size) and otherwise default settings.
#
# Usage: scripts/soak.sh [N [EVEXTRACT]]; EVX_SHARED names the shared folder
# (default SOURCE_DIR/../shared); SOAK_TIMEOUT_S bounds the run (default
# 3600); EVX_KEEP=1 keeps the temporary folder. CTest runs it with N=50000
# (test soak_50k, labels kafka and soak).
set -euo pipefail
NAME=soak
src="$(cd "$(dirname "$0")/.." && pwd)"
n="${1:-1000000}"
# shellcheck source=tests/service_lib.sh
source "$src/tests/service_lib.sh"
svc_init "$src" "${2:-$src/build/evextract}"
t0=$SECONDS
maxb=65536
sample_s="${SOAK_SAMPLE_S:-2}"
timeout_s="${SOAK_TIMEOUT_S:-3600}"
req="$src/tests/py/requirements.txt"
pyenv="${EVX_CACHE:-$HOME/.cache/evextract}/pyenv"
py="$pyenv/bin/python"

# The venv shared with tests/python_consumer.sh.
# shellcheck source=tests/pyenv.sh
source "$src/tests/pyenv.sh"
pyenv_ready "$req" "$pyenv" "$dir"

# The expected events per base article, while the broker starts.
base=("$shared/corpus/seeds/articles.jsonl" "$src/tests/corpus/articles.jsonl")
cat "${base[@]}" >"$dir/base.jsonl"
"$evx" extract --rules "$rules" --max-bytes "$maxb" -q "$dir/base.jsonl" \
	>"$dir/offline.jsonl" 2>"$dir/offline.err" || fail "offline extraction failed"
[ ! -s "$dir/offline.err" ] || fail "a base article is not clean offline: $(head -c 300 "$dir/offline.err")"

svc_broker_start
t=$SECONDS
"$py" "$src/tests/py/soak.py" produce --bootstrap "$KAFKA_BOOTSTRAP" --n "$n" \
	--max-bytes "$maxb" --summary "$dir/produced.json" "${base[@]}" ||
	fail "producing $n articles failed"
say "$n articles produced in $((SECONDS - t)) s"

# One instance, default settings but the size cap.
svc_start soak --group-id "soak-$$" --transactional-id "soak-$$" --max-bytes "$maxb"
pid="${SVC_PID[soak]}"
start_time="$(awk '{print $22}' "/proc/$pid/stat")"
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0; }
hwm() { awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0; }
consumed() { local v; v="$(svc_metric soak evextract_articles_consumed_total)"; echo "${v:-0}"; }

# Samples until every article is consumed: elapsed s, consumed, VmRSS kB.
since() { awk -v a="$EPOCHREALTIME" -v b="$tstart" 'BEGIN { printf "%.1f", a - b }'; }
tstart="$EPOCHREALTIME"
: >"$dir/rss.tsv"
rss20="" hwm20="" t20=""
while :; do
	svc_alive soak
	[ "$(awk '{print $22}' "/proc/$pid/stat")" = "$start_time" ] || fail "the service process changed"
	c="$(consumed)"
	c="${c%.*}"
	r="$(rss)"
	el="$(since)"
	printf '%s\t%s\t%s\n' "$el" "$c" "$r" >>"$dir/rss.tsv"
	if [ -z "$rss20" ] && [ "$c" -ge $((n / 5)) ]; then
		rss20="$r" hwm20="$(hwm)" t20="$el"
	fi
	[ "$c" -ge "$n" ] && break
	[ $((SECONDS - t)) -le "$timeout_s" ] || fail "only $c of $n articles consumed after $timeout_s s"
	sleep "$sample_s"
done
tall="$(since)"
rss100="$(rss)"
hwm100="$(hwm)"
say "all $n articles consumed after ${tall} s; VmHWM at 20%: ${hwm20} kB, at 100%: ${hwm100} kB"

# Every event and dead letter, checked per article.
"$py" "$src/tests/py/soak.py" check --bootstrap "$KAFKA_BOOTSTRAP" \
	--summary "$dir/produced.json" --offline "$dir/offline.jsonl" \
	--timeout 900 --idle 5 >"$dir/check.json" || crc=$?
cat "$dir/check.json"
svc_alive soak
[ "$(awk '{print $22}' "/proc/$pid/stat")" = "$start_time" ] || fail "the service process changed"
hwm_end="$(hwm)"
svc_term soak 30
[ "${crc:-0}" -eq 0 ] || fail "events or dead letters are wrong (above)"

python3 - "$dir" "$n" "$tall" "$rss20" "$rss100" "$hwm_end" "$t20" "$hwm20" "$hwm100" <<'PY' || fail "RSS is not flat"
import json, sys
d, n, tall, r20, r100, hwm, t20, h20, h100 = sys.argv[1:10]
n, tall, r20, r100, h20, h100 = int(n), float(tall), int(r20), int(r100), int(h20), int(h100)
chk = json.loads(open(d + "/check.json").read().strip().splitlines()[-1])
prod = json.load(open(d + "/produced.json"))
samples = [l.split("\t") for l in open(d + "/rss.tsv").read().split("\n") if l]
growth = (h100 - h20) / h20 if h20 else 0.0
# Under load: every sample from 20% consumed until the last article.
load = [int(x[2]) for x in samples if n // 5 <= int(x[1]) < n]
hi, lo = max(load + [r100, r20]), min(load + [r20])
pick = samples[:: max(1, len(samples) // 12)] + samples[-1:]
print("soak: summary")
print("  articles        %d (%d good, %d malformed), produced at %.0f/s"
      % (n, sum(prod["good"].values()), sum(prod["bad"].values()), n / prod["seconds"]))
print("  service         %.1f s from start to all consumed: %.0f articles/s" % (tall, n / tall))
print("  events          %d expected, %d read, %d distinct, %d duplicates"
      % (chk["events_expected"], chk["events"], chk["distinct"], chk["duplicates"]))
print("  DLQ             %d: %s" % (chk["dlq"], ", ".join("%s %d" % kv for kv in chk["dlq_by_reason"].items())))
print("  VmHWM           %d kB at 20%% (%s s), %d kB at 100%%: %+.1f%%; %s kB at the end"
      % (h20, t20, h100, growth * 100, hwm))
print("  VmRSS           %d kB at 20%%, %d kB at 100%%; from 20%% on %d..%d kB"
      % (r20, r100, lo, hi))
print("  RSS samples     " + "  ".join("%ss:%sk@%s" % (s[0], s[2], s[1]) for s in pick))
print("SOAK " + json.dumps({"articles": n, "seconds": round(tall, 1),
                            "articles_per_s": round(n / tall), "events": chk["events"],
                            "dlq_by_reason": chk["dlq_by_reason"], "rss20_kb": r20,
                            "rss100_kb": r100, "hwm20_kb": h20, "hwm100_kb": h100,
                            "hwm_growth_pct": round(growth * 100, 1),
                            "rss_load_min_kb": lo, "rss_load_max_kb": hi,
                            "vmhwm_kb": int(hwm)}))
# Flat: the peak at 100% no more than 10% above the peak at 20%.
if h100 > h20 * 1.10:
    print("soak: FAIL: VmHWM grew from %d kB at 20%% to %d kB at 100%% (%+.1f%%), more than 10%%"
          % (h20, h100, growth * 100), file=sys.stderr)
    sys.exit(1)
PY
say "ok in $((SECONDS - t0)) s: one process throughout, nothing lost, every malformed article in the DLQ, peak RSS flat"
