#!/usr/bin/env bash
# End-to-end benchmark of `evextract run` through a real local broker
# (scripts/kafka-broker.sh); not part of CTest (it takes minutes).
#
#  1. Throughput: N articles (BENCH_ARTICLES, default 50000; the base corpus
#     replicated with distinct ids) are produced
#     first; then the service is started and timed until all expected events
#     are visible read_committed (a reader started with the service waits for
#     them). Articles/s for exactly-once, and for at-least-once when the
#     binary implements it. Peak RSS (VmHWM) of the service at the end.
#  2. Latency: a fresh topic gets articles at a fixed rate, half the
#     exactly-once throughput, for BENCH_LAT_SETTLE + BENCH_LAT_S seconds
#     (defaults 40 and 20; only the articles of the last BENCH_LAT_S seconds
#     are counted: the broker's JVM is still compiling the paths of small,
#     paced requests after the bulk runs), from
#     tests/py/paced_produce.py (confluent-kafka; a light producer, since it
#     shares the 2 cores with what it measures); each
#     article id carries its send time ("ID~L<seq>@<unix seconds>"), a
#     read_committed reader stamps each event as it arrives, and the
#     article-to-event latency is reported as p50/p99 (with the service's own
#     evextract_processing_seconds histogram next to it).
#     Before 1, the broker is warmed by an untimed run of BENCH_WARMUP
#     articles (default 20000; 0 skips) on topics of its own.
#  3. Peak RSS at BENCH_BIG articles (default 250000; 0 skips): the same as 1
#     on a topic of that size, in both modes (where start-up weighs less);
#     in the exactly-once run also VmHWM when N articles were consumed and
#     when all were, the growth of the peak within one run.
#
# Prints a summary, then one machine-readable line:
#   BENCH_E2E {"articles": N, "eo_articles_per_s": ..., ...}
#
# The base corpus (BENCH_CORPUS): "seeds" (default) is the five seed
# articles and tests/corpus/articles.jsonl, 31 articles dense with events
# (1.5 events per article, 4 KB seeds); "dev" is every article of the
# development sets in ../shared/corpus/dev (451 articles of news wire,
# 0.4 events per article), closer to what a news stream carries.
#
# Usage: scripts/bench-e2e.sh [EVEXTRACT]  (default build/evextract);
# EVX_SHARED names the shared folder; BENCH_WORKERS the service's workers
# (default: its own default); BENCH_SVC_ARGS more service options.
set -euo pipefail
NAME=bench-e2e
src="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=tests/service_lib.sh
. "$src/tests/service_lib.sh"
svc_init "$src" "${1:-$src/build/evextract}"
n="${BENCH_ARTICLES:-50000}"
lat_s="${BENCH_LAT_S:-20}"
settle_s="${BENCH_LAT_SETTLE:-40}"
big="${BENCH_BIG:-250000}"
warm="${BENCH_WARMUP:-20000}"
workers=()
[ -z "${BENCH_WORKERS:-}" ] || workers=(--workers "$BENCH_WORKERS")
# More `evextract run` options for every run (word-split), e.g.
# BENCH_SVC_ARGS="--log-level debug --commit-interval-ms 50".
read -r -a svc_args <<<"${BENCH_SVC_ARGS:-}"
workers+=(${svc_args[@]+"${svc_args[@]}"})
command -v curl >/dev/null || fail "curl is needed for /metrics"
command -v stdbuf >/dev/null || fail "stdbuf (coreutils) is needed"
# The latency run's producer is confluent-kafka in the tests' venv
# (tests/pyenv.sh, shared with python_consumer and soak).
req="$src/tests/py/requirements.txt"
pyenv="${EVX_CACHE:-$HOME/.cache/evextract}/pyenv"
py="$pyenv/bin/python"
# shellcheck source=tests/pyenv.sh
source "$src/tests/pyenv.sh"
pyenv_ready "$req" "$pyenv" "$dir"

# Events per base article, from the offline extraction of copy 0 of each, so
# the expected count of any replicated file is known without extracting it.
corpus="${BENCH_CORPUS:-seeds}"
case "$corpus" in
seeds) svc_gen_articles 31 "$dir/base.jsonl" ;;
dev)
	ls "$shared"/corpus/dev/*/articles.jsonl >/dev/null 2>&1 || fail "no dev sets in $shared/corpus/dev"
	python3 - "$dir/base.jsonl" "$shared"/corpus/dev/*/articles.jsonl <<'PY'
import json, sys
with open(sys.argv[1], "w", encoding="utf-8") as out:
    for path in sys.argv[2:]:
        for line in open(path, encoding="utf-8"):
            if line.strip():
                a = json.loads(line)
                a["id"] = "%s~0" % a["id"]
                out.write(json.dumps(a, ensure_ascii=False) + "\n")
PY
	;;
*) fail "BENCH_CORPUS must be seeds or dev, not $corpus" ;;
esac
# gen N OUT: the first N articles of the base corpus replicated, copy k with
# ids "ID~k" (all base articles of copy k, then k+1).
gen() {
	python3 - "$1" "$2" "$dir/base.jsonl" <<'PY'
import json, sys
n, out = int(sys.argv[1]), sys.argv[2]
base = [json.loads(l) for l in open(sys.argv[3], encoding="utf-8")]
with open(out, "w", encoding="utf-8") as f:
    for i in range(n):
        k, a = divmod(i, len(base))
        b = dict(base[a])
        b["id"] = "%s~%d" % (b["id"].rsplit("~", 1)[0], k)
        f.write(json.dumps(b, ensure_ascii=False) + "\n")
PY
}
"$evx" extract --rules "$rules" -q "$dir/base.jsonl" >"$dir/base-events.jsonl"
# expected N: events that the first N generated articles give.
expected() {
	python3 - "$1" "$dir/base.jsonl" "$dir/base-events.jsonl" <<'PY'
import collections, json, sys
n = int(sys.argv[1])
base = [json.loads(l)["id"] for l in open(sys.argv[2])]
per = collections.Counter(json.loads(l)["article_id"] for l in open(sys.argv[3]))
nb = len(base)
print(sum(per[base[i]] * (n // nb + (1 if i < n % nb else 0)) for i in range(nb)))
PY
}

svc_broker_start
broker_pid=$(sed -n "s/^KAFKA_PID=//p" "$dir/broker/broker.env")
hwm() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/${SVC_PID[$1]}/status"; }

# throughput LABEL ARTICLES_TOPIC EVENTS_TOPIC WANT MODE: one run from the
# start of the service until WANT events are committed on EVENTS_TOPIC; sets
# TP_S (seconds) and TP_RSS (VmHWM in kB, read just before SIGTERM).
# Also sets TP_CPU: "service S s, broker B s CPU; ready after R s"
# (user+system seconds of the service and of the broker's JVM during the
# run, and when the service had its three partitions). With TP_MARK and
# TP_MARK_END set to article counts, also TP_RSS_MARK and TP_RSS_END: the
# service's VmHWM in kB when it had consumed TP_MARK articles and when it
# had consumed TP_MARK_END (growth of the peak under load within one run,
# free of the run-to-run spread of peaks). Peaks, not a VmRSS sample at the
# mark against the highest sample after it: RSS moves up and down with the
# fetched batches in memory, and the highest of many samples is above a
# single one even when nothing grows.
cpu_s() { awk '{ printf "%.2f", ($14 + $15) / '"$(getconf CLK_TCK)"' }' "/proc/$1/stat"; }
throughput() {
	local label="$1" at="$2" et="$3" want="$4" mode="$5" t1 t2 rss b1 b2 sc tr=""
	b1=$(cpu_s "$broker_pid")
	t1=$(date +%s.%N)
	svc_start "$label" --group-id "bench-$label-$$" --transactional-id "bench-$label-$$" \
		--articles-topic "$at" --events-topic "$et" --delivery "$mode" "${workers[@]}"
	(
		while [ "$(grep -c 'msg="partition assigned"' "${SVC_LOG[$label]}" 2>/dev/null || true)" -lt 3 ]; do
			sleep 0.05
		done
		date +%s.%N >"$dir/ready.$label"
	) &
	local rpid=$! spid=""
	rm -f "$dir/rssmark.$label" "$dir/rsspeak.$label"
	if [ -n "${TP_MARK:-}" ]; then
		(
			mark=""
			while kill -0 "${SVC_PID[$label]}" 2>/dev/null; do
				c=$(svc_metric "$label" evextract_articles_consumed_total)
				c=${c%.*}
				r=$(awk '/^VmHWM:/ {print $2}' "/proc/${SVC_PID[$label]}/status")
				if [ -z "$mark" ] && [ -n "$c" ] && [ "$c" -ge "$TP_MARK" ]; then
					mark=$r
					echo "$mark" >"$dir/rssmark.$label"
				fi
				# VmHWM only rises: the last reading is the peak.
				[ -z "$mark" ] || [ -z "$r" ] || echo "$r" >"$dir/rsspeak.$label"
				[ -z "$c" ] || [ "$c" -lt "$TP_MARK_END" ] || break
				sleep 0.25
			done
		) &
		spid=$!
	fi
	"$evx" consume "$et" --brokers "$KAFKA_BOOTSTRAP" --max "$want" --timeout-ms 1800000 \
		>/dev/null 2>"$dir/wait.$label.err" ||
		fail "$label: not all $want events within 30 min: $(tail -n 1 "$dir/wait.$label.err")"
	t2=$(date +%s.%N)
	svc_alive "$label"
	rss=$(hwm "$label")
	if [ -n "$spid" ]; then
		kill "$spid" 2>/dev/null || true
		wait "$spid" 2>/dev/null || true
	fi
	TP_RSS_MARK=$(cat "$dir/rssmark.$label" 2>/dev/null || echo null)
	TP_RSS_END=$(cat "$dir/rsspeak.$label" 2>/dev/null || echo null)
	sc=$(cpu_s "${SVC_PID[$label]}")
	b2=$(cpu_s "$broker_pid")
	svc_term "$label" 15
	kill "$rpid" 2>/dev/null || true
	wait "$rpid" 2>/dev/null || true
	[ ! -s "$dir/ready.$label" ] || tr=$(cat "$dir/ready.$label")
	TP_S=$(python3 -c "print('%.2f' % ($t2 - $t1))")
	TP_RSS=$rss
	TP_CPU=$(python3 -c "print('service %.1f s, broker %.1f s CPU; ready after %s s' % ($sc, $b2 - $b1,
		'%.1f' % ($tr - $t1) if '$tr' else '?'))" 2>/dev/null || echo "?")
}

# 1. Throughput at N articles.
gen "$n" "$dir/articles.jsonl"
want=$(expected "$n")
t=$SECONDS
svc_produce "$dir/articles.jsonl"
say "$n articles produced in $((SECONDS - t)) s; $want events expected"
# A fresh broker's JVM spends its first seconds compiling: the first
# exactly-once run of 50,000 dev-set articles cost it 11-13 CPU-s, the
# next ones 3-6. A production broker has long been warm, so an untimed
# run through the service warms this one first (BENCH_WARMUP articles,
# 0: none).
if [ "$warm" -gt 0 ]; then
	bash "$broker" topics --dir "$dir/broker" create warm.articles 3 >/dev/null
	bash "$broker" topics --dir "$dir/broker" create warm.events 3 >/dev/null
	gen "$warm" "$dir/warm.jsonl"
	bash "$broker" produce --dir "$dir/broker" warm.articles \
		--producer-property linger.ms=20 --producer-property batch.size=262144 <"$dir/warm.jsonl"
	throughput warm warm.articles warm.events "$(expected "$warm")" exactly-once
	say "broker warm-up (untimed): $warm articles in $TP_S s; $TP_CPU"
fi
throughput eo articles events "$want" exactly-once
eo_s=$TP_S eo_rss=$TP_RSS
eo_rate=$(python3 -c "print(round($n / $eo_s))")
say "exactly-once: $n articles -> $want events in $eo_s s: $eo_rate articles/s; VmHWM $eo_rss kB; $TP_CPU"
alo_rate=null alo_s=null
if svc_at_least_once; then
	bash "$broker" topics --dir "$dir/broker" create events.alo 3 >/dev/null
	throughput alo articles events.alo "$want" at-least-once
	alo_s=$TP_S
	alo_rate=$(python3 -c "print(round($n / $alo_s))")
	say "at-least-once: $n articles in $alo_s s: $alo_rate articles/s; $TP_CPU"
else
	say "at-least-once is not implemented by this binary; skipped"
fi

# 2. Latency at half the exactly-once rate.
rate=$(( (eo_rate + 1) / 2 ))
nsettle=$((rate * settle_s))
nlat=$((rate * (settle_s + lat_s)))
bash "$broker" topics --dir "$dir/broker" create articles.lat 3 >/dev/null
bash "$broker" topics --dir "$dir/broker" create events.lat 3 >/dev/null
wantlat=$(expected "$nlat")
svc_start lat --group-id "bench-lat-$$" --transactional-id "bench-lat-$$" \
	--articles-topic articles.lat --events-topic events.lat "${workers[@]}"
for _ in $(seq 1 150); do
	[ "$(grep -c 'msg="partition assigned"' "${SVC_LOG[lat]}" || true)" -ge 3 ] && break
	svc_alive lat
	sleep 0.2
done
# The reader stamps each event line with its arrival time.
stdbuf -oL "$evx" consume events.lat --brokers "$KAFKA_BOOTSTRAP" --events --max "$wantlat" \
	--timeout-ms $(((settle_s + lat_s + 120) * 1000)) 2>"$dir/lat-reader.err" |
	python3 -c '
import json, sys, time
out = open(sys.argv[1], "w")
for line in sys.stdin:
    now = time.time()
    aid = json.loads(line)["article_id"]
    out.write("%s %.6f\n" % (aid, now))
    out.flush()
' "$dir/lat-stamps.txt" &
SVC_LAT_PID=$!
sleep 5    # the reader joins its group before the first article is sent
say "latency run: $nlat articles at $rate/s for $settle_s + $lat_s s ($wantlat events expected; the last $lat_s s counted)"
# paced FIRST N: articles FIRST..FIRST+N-1 at $rate/s.
paced() {
	"$py" "$src/tests/py/paced_produce.py" --bootstrap "$KAFKA_BOOTSTRAP" --topic articles.lat \
		--start "$1" --n "$2" --rate "$rate" "$dir/base.jsonl" >"$dir/paced.json" 2>"$dir/paced.err" ||
		fail "the paced producer failed: $(tail -n 2 "$dir/paced.err")"
}
metrics_port="$(svc_port lat)"
: >"$dir/lat-metrics0.txt"
if [ "$nsettle" -gt 0 ]; then
	paced 0 "$nsettle"
	# The histogram's counts so far, taken off the end's.
	curl -fsS "http://127.0.0.1:$metrics_port/metrics" >"$dir/lat-metrics0.txt" || true
fi
lb1=$(cpu_s "$broker_pid") ls1=$(cpu_s "${SVC_PID[lat]}")
paced "$nsettle" $((nlat - nsettle))
say "paced producer (counted part): $(cat "$dir/paced.json"); service $(python3 -c "print('%.1f' % ($(cpu_s "${SVC_PID[lat]}") - $ls1))") s, broker $(python3 -c "print('%.1f' % ($(cpu_s "$broker_pid") - $lb1))") s CPU meanwhile"
lat_rc=0
wait "$SVC_LAT_PID" || lat_rc=$?
SVC_LAT_PID=""
svc_alive lat
curl -fsS "http://127.0.0.1:$metrics_port/metrics" >"$dir/lat-metrics.txt" || true
svc_term lat 15
read -r lat_n lat_p50 lat_p99 lat_max proc_p50 proc_p99 <<<"$(python3 - "$dir/lat-stamps.txt" "$dir/lat-metrics.txt" "$nsettle" "$dir/lat-metrics0.txt" <<'PY'
import re, sys
lat = []
for line in open(sys.argv[1]):
    aid, now = line.split()
    seq, sent = aid.rsplit("~L", 1)[1].split("@")
    if int(seq) >= int(sys.argv[3]):
        lat.append((float(now) - float(sent)) * 1000.0)
lat.sort()
def pct(v, p):
    return v[min(len(v) - 1, int(p * len(v)))] if v else float("nan")
# Histogram quantiles, linear inside the bucket (Prometheus style).
def buckets(path):
    out = {}
    for line in open(path):
        m = re.match(r'evextract_processing_seconds_bucket\{.*le="([^"]+)".*\}\s+(\S+)', line)
        if m:
            out[float("inf") if m.group(1) == "+Inf" else float(m.group(1))] = float(m.group(2))
    return out
end, start = buckets(sys.argv[2]), buckets(sys.argv[4])
b = [(le, c - start.get(le, 0.0)) for le, c in end.items()]
def hq(q):
    if not b or b[-1][1] == 0:
        return float("nan")
    b.sort()
    rank, lo, prev = q * b[-1][1], 0.0, 0.0
    for le, c in b:
        if c >= rank:
            if le == float("inf"):
                return lo * 1000
            return (lo + (le - lo) * ((rank - prev) / (c - prev) if c > prev else 1)) * 1000
        lo, prev = le, c
    return float("nan")
print(len(lat), "%.1f" % pct(lat, 0.5), "%.1f" % pct(lat, 0.99), "%.1f" % (lat[-1] if lat else float("nan")),
      "%.1f" % hq(0.5), "%.1f" % hq(0.99))
PY
)"
[ "$lat_rc" -eq 0 ] || say "WARNING: the latency reader saw $lat_n of $wantlat events ($(tail -n 1 "$dir/lat-reader.err"))"
say "latency at $rate articles/s: $lat_n events; article-to-event p50 $lat_p50 ms, p99 $lat_p99 ms, max $lat_max ms; service processing (histogram) p50 $proc_p50 ms, p99 $proc_p99 ms"

# 3. Peak RSS at BENCH_BIG articles.
big_s=null big_rss=null big_rate=null big_alo_s=null big_alo_rate=null
run_rss_mark=null run_rss_end=null run_rss_growth=skipped
if [ "$big" -gt 0 ]; then
	bash "$broker" topics --dir "$dir/broker" create articles.big 3 >/dev/null
	bash "$broker" topics --dir "$dir/broker" create events.big 3 >/dev/null
	gen "$big" "$dir/big.jsonl"
	wantbig=$(expected "$big")
	t=$SECONDS
	bash "$broker" produce --dir "$dir/broker" articles.big \
		--producer-property linger.ms=20 --producer-property batch.size=262144 <"$dir/big.jsonl"
	rm -f "$dir/big.jsonl"
	say "$big articles produced in $((SECONDS - t)) s; $wantbig events expected"
	TP_MARK=$n TP_MARK_END=$big throughput big articles.big events.big "$wantbig" exactly-once
	big_s=$TP_S big_rss=$TP_RSS run_rss_mark=$TP_RSS_MARK run_rss_end=$TP_RSS_END
	big_rate=$(python3 -c "print(round($big / $big_s))")
	say "exactly-once: $big articles in $big_s s: $big_rate articles/s; VmHWM $big_rss kB; $TP_CPU"
	run_rss_growth=$(python3 -c "print('%+.1f %%' % (($run_rss_end - $run_rss_mark) * 100.0 / $run_rss_mark))" 2>/dev/null || echo "?")
	say "VmHWM within that run: $run_rss_mark kB when $n articles were consumed, $run_rss_end kB when all $big were ($run_rss_growth)"
	bash "$broker" topics --dir "$dir/broker" create events.big.alo 3 >/dev/null
	throughput bigalo articles.big events.big.alo "$wantbig" at-least-once
	big_alo_s=$TP_S
	big_alo_rate=$(python3 -c "print(round($big / $big_alo_s))")
	say "at-least-once: $big articles in $big_alo_s s: $big_alo_rate articles/s; VmHWM $TP_RSS kB; $TP_CPU"
fi

echo "=== bench-e2e summary ($(nproc) cores, $(uname -r)) ==="
printf '  %-34s %s\n' "base corpus (BENCH_CORPUS)" "$corpus, $(wc -l <"$dir/base.jsonl") articles" \
	"articles (throughput run)" "$n ($want events)" \
	"exactly-once" "$eo_rate articles/s ($eo_s s)" \
	"at-least-once" "$([ "$alo_rate" = null ] && echo "not implemented" || echo "$alo_rate articles/s ($alo_s s)")" \
	"latency run" "$rate articles/s, $lat_n events of the last $lat_s s (after $settle_s s)" \
	"article-to-event p50 / p99 / max" "$lat_p50 / $lat_p99 / $lat_max ms" \
	"processing histogram p50 / p99" "$proc_p50 / $proc_p99 ms" \
	"peak RSS at $n articles" "$eo_rss kB" \
	"peak RSS at BENCH_BIG=$big articles" "$([ "$big_rss" = null ] && echo skipped || echo "$big_rss kB")" \
	"VmHWM in that run, $n -> $big" "$run_rss_mark -> $run_rss_end kB ($run_rss_growth)" \
	"at BENCH_BIG: exactly-once" "$([ "$big_rss" = null ] && echo skipped || echo "$big_rate articles/s ($big_s s)")" \
	"at BENCH_BIG: at-least-once" "$([ "$big_rss" = null ] && echo skipped || echo "$big_alo_rate articles/s ($big_alo_s s)")"
nan2null() { case "$1" in nan|"") echo null ;; *) echo "$1" ;; esac; }
echo "BENCH_E2E {\"corpus\": \"$corpus\", \"articles\": $n, \"events\": $want, \"eo_seconds\": $eo_s, \"eo_articles_per_s\": $eo_rate," \
	"\"alo_seconds\": $alo_s, \"alo_articles_per_s\": $alo_rate, \"lat_rate\": $rate, \"lat_settle_s\": $settle_s, \"lat_s\": $lat_s, \"lat_events\": $lat_n," \
	"\"lat_p50_ms\": $(nan2null "$lat_p50"), \"lat_p99_ms\": $(nan2null "$lat_p99"), \"lat_max_ms\": $(nan2null "$lat_max")," \
	"\"proc_p50_ms\": $(nan2null "$proc_p50"), \"proc_p99_ms\": $(nan2null "$proc_p99")," \
	"\"rss_kb_at_articles\": $eo_rss, \"big_articles\": $big, \"big_seconds\": $big_s," \
	"\"big_articles_per_s\": $big_rate, \"big_alo_seconds\": $big_alo_s, \"big_alo_articles_per_s\": $big_alo_rate," \
	"\"rss_kb_at_big\": $big_rss, \"run_rss_kb_at_articles\": $run_rss_mark, \"run_rss_kb_at_big\": $run_rss_end}"
