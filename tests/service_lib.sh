# Shared helpers of the Kafka service tests (tests/service_*.sh) and of
# scripts/bench-e2e.sh; sourced, not run. The caller sets NAME (a short label
# for messages) and calls svc_init SOURCE_DIR EVEXTRACT first.
#
# svc_init makes a temporary folder ($dir) and installs a trap that, however
# the script ends, SIGKILLs every `evextract run` started with svc_start,
# stops the broker of $dir/broker (SIGKILL if it lingers), prints the end of
# the logs on failure and removes the folder (kept when EVX_KEEP=1).
#
# Articles are the seed articles and tests/corpus/articles.jsonl, replicated
# with distinct ids: copy k of article ID is "ID~k" (svc_gen_articles).

# Process ids of the services started by svc_start, by label.
declare -A SVC_PID=()
# Their log files, by label (the latest run of the label).
declare -A SVC_LOG=()
SVC_RUNS=0

say() { echo "$NAME: $*"; }
fail() { echo "$NAME: FAIL: $*" >&2; exit 1; }

svc_cleanup() {
	local rc=$? label pid
	for label in "${!SVC_PID[@]}"; do
		pid="${SVC_PID[$label]}"
		if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
			kill -KILL "$pid" 2>/dev/null || true
		fi
	done
	if [ -n "${SVC_LAT_PID:-}" ] && kill -0 "$SVC_LAT_PID" 2>/dev/null; then
		kill -KILL "$SVC_LAT_PID" 2>/dev/null || true
	fi
	if [ -n "${dir:-}" ] && [ -d "$dir/broker" ]; then
		bash "$broker" stop --dir "$dir/broker" >/dev/null 2>&1 || true
		if [ -f "$dir/broker/broker.env" ]; then
			pid="$(sed -n 's/^KAFKA_PID=//p' "$dir/broker/broker.env")"
			if [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null |
					grep -q "kafka.Kafka $dir/broker/"; then
				kill -KILL "$pid" 2>/dev/null || true
			fi
		fi
	fi
	if [ $rc -ne 0 ] && [ -n "${dir:-}" ]; then
		local f
		for f in "$dir"/run.*.err; do
			[ -f "$f" ] || continue
			echo "--- last lines of $(basename "$f"):" >&2
			tail -n 15 "$f" >&2
		done
		[ -f "$dir/broker/broker.log" ] &&
			{ echo "--- last lines of the broker log:" >&2; tail -n 10 "$dir/broker/broker.log" >&2; }
	fi
	if [ -n "${dir:-}" ]; then
		if [ "${EVX_KEEP:-0}" = 1 ]; then
			echo "$NAME: kept $dir" >&2
		else
			rm -rf "$dir"
		fi
	fi
	exit $rc
}

# svc_init SOURCE_DIR EVEXTRACT: sets src, evx, shared, broker, dir, rules;
# the trap.
svc_init() {
	src="$1"
	evx="$2"
	shared="${EVX_SHARED:-$src/../shared}"
	broker="$src/scripts/kafka-broker.sh"
	dir=""
	trap svc_cleanup EXIT
	trap 'exit 130' INT TERM
	[ -x "$evx" ] || fail "no evextract binary at $evx"
	[ -f "$shared/corpus/seeds/articles.jsonl" ] ||
		fail "no seed articles at $shared/corpus/seeds (set EVX_SHARED)"
	command -v python3 >/dev/null || fail "python3 is needed"
	dir="$(mktemp -d "${TMPDIR:-/tmp}/evx-$NAME.XXXXXX")"
	# A copy of the rule pack, so the offline and the online extraction use
	# the same rules even while someone edits the checkout's.
	cp -r "$src/rules" "$dir/rules"
	rules="$dir/rules"
}

# svc_broker_start: a broker in $dir/broker; topics articles (3 partitions, or
# $SVC_PARTITIONS), events (3) and articles.dlq (1). Sets KAFKA_BOOTSTRAP.
svc_broker_start() {
	local t0=$SECONDS
	mkdir -p "$dir/broker"
	eval "$(bash "$broker" start --dir "$dir/broker")"
	[ -n "${KAFKA_BOOTSTRAP:-}" ] || fail "the broker printed no bootstrap address"
	bash "$broker" topics --dir "$dir/broker" create articles "${SVC_PARTITIONS:-3}" >/dev/null
	bash "$broker" topics --dir "$dir/broker" create events 3 >/dev/null
	bash "$broker" topics --dir "$dir/broker" create articles.dlq 1 >/dev/null
	say "broker on $KAFKA_BOOTSTRAP, topics made, after $((SECONDS - t0)) s"
}

# svc_gen_articles N OUT: N articles, the base corpus replicated with ids
# "ID~k", in order k = 0, 1, ... (all base articles of copy k, then k+1).
svc_gen_articles() {
	python3 - "$1" "$2" "$shared/corpus/seeds/articles.jsonl" \
		"$src/tests/corpus/articles.jsonl" <<'PY'
import json, sys
n, out = int(sys.argv[1]), sys.argv[2]
base = []
for path in sys.argv[3:]:
    for line in open(path, encoding="utf-8"):
        if line.strip():
            base.append(json.loads(line))
with open(out, "w", encoding="utf-8") as f:
    k = 0
    i = 0
    while i < n:
        for a in base:
            if i == n:
                break
            b = dict(a)
            b["id"] = "%s~%d" % (a["id"], k)
            f.write(json.dumps(b, ensure_ascii=False) + "\n")
            i += 1
        k += 1
PY
}

# svc_produce FILE: every line of FILE to the articles topic.
svc_produce() {
	bash "$broker" produce --dir "$dir/broker" articles \
		--producer-property linger.ms=20 --producer-property batch.size=262144 <"$1"
}

# svc_start LABEL [RUN OPTIONS...]: starts `evextract run` in the background
# (its log in $dir/run.LABEL.N.err), with the brokers, rules, a free HTTP
# port, a 10 s shutdown timeout and a 6 s consumer session timeout (the
# broker's minimum: a SIGKILLed member keeps its partitions until its session
# expires, 45 s by default); the caller adds group, transactional id and
# delivery. Sets SVC_PID[LABEL] and SVC_LOG[LABEL].
svc_start() {
	local label="$1"
	shift
	SVC_RUNS=$((SVC_RUNS + 1))
	local log="$dir/run.$label.$SVC_RUNS.err"
	"$evx" run --brokers "$KAFKA_BOOTSTRAP" --http 127.0.0.1:0 --rules "$rules" \
		--shutdown-timeout-ms 10000 --watch-rules false \
		--kafka.session.timeout.ms 6000 --kafka.heartbeat.interval.ms 1000 "$@" \
		>"$dir/run.$label.$SVC_RUNS.out" 2>"$log" &
	SVC_PID[$label]=$!
	SVC_LOG[$label]="$log"
}

# svc_port LABEL: the HTTP port of the service LABEL (empty if not up yet).
svc_port() {
	sed -n 's/.*msg="http listening".* port=\([0-9]*\).*/\1/p' "${SVC_LOG[$1]}" | head -n 1
}

# svc_metric LABEL SERIES: the value of one metrics line (first match), or "".
svc_metric() {
	local port
	port="$(svc_port "$1")"
	[ -n "$port" ] || return 0
	curl -fsS --max-time 5 "http://127.0.0.1:$port/metrics" 2>/dev/null |
		awk -v s="$2" 'index($0, s) == 1 { print $NF; exit }' || true
}

# svc_alive LABEL: fails the test if the service LABEL is gone.
svc_alive() {
	kill -0 "${SVC_PID[$1]}" 2>/dev/null ||
		fail "evextract run ($1) died (log ${SVC_LOG[$1]##*/})"
}

# svc_wait_events N TIMEOUT_S: waits until N events are committed on the
# events topic (read_committed); status 1 when they are not within the time.
svc_wait_events() {
	"$evx" consume events --brokers "$KAFKA_BOOTSTRAP" --max "$1" \
		--timeout-ms "$(($2 * 1000))" >/dev/null 2>"$dir/wait.err"
}

# svc_kill9 LABEL: SIGKILL the service LABEL and reap it.
svc_kill9() {
	local pid="${SVC_PID[$1]}"
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	SVC_PID[$1]=""
}

# svc_term LABEL MAX_S: SIGTERM, wait; fails unless it exits 0 within MAX_S s.
svc_term() {
	local pid="${SVC_PID[$1]}" t0=$SECONDS rc=0
	kill -TERM "$pid"
	wait "$pid" || rc=$?
	SVC_PID[$1]=""
	[ "$rc" -eq 0 ] || fail "evextract run ($1) exited with $rc after SIGTERM"
	[ $((SECONDS - t0)) -le "$2" ] || fail "evextract run ($1) took $((SECONDS - t0)) s to stop"
}

# svc_read_all OUT TIMEOUT_S: every committed event (JSON lines) into OUT,
# reading for TIMEOUT_S seconds (the consumer reads until its timeout).
svc_read_all() {
	"$evx" consume events --brokers "$KAFKA_BOOTSTRAP" --events \
		--timeout-ms "$(($2 * 1000))" >"$1" 2>"$dir/readall.err" || true
}

# svc_check WANT_JSONL GOT_JSONL MODE: compares event ids; MODE exactly-once
# fails on any missing or duplicate id, at-least-once only on a missing one.
# Prints the figures on one line.
svc_check() {
	python3 - "$1" "$2" "$3" "$NAME" <<'PY'
import collections, json, sys
want_path, got_path, mode, name = sys.argv[1:5]
want = [json.loads(l)["event_id"] for l in open(want_path)]
got = [json.loads(l)["event_id"] for l in open(got_path)]
ws, c = set(want), collections.Counter(got)
missing = [i for i in ws if i not in c]
extra = [i for i in c if i not in ws]
dups = sum(v - 1 for v in c.values())
print("%s: %s: events expected %d, seen %d, distinct %d, duplicates %d, "
      "missing %d, unexpected %d" % (name, mode, len(want), len(got), len(c),
                                      dups, len(missing), len(extra)))
bad = []
if len(ws) != len(want):
    bad.append("the offline extraction has %d repeated ids" % (len(want) - len(ws)))
if missing:
    bad.append("%d expected events missing, e.g. %s" % (len(missing), sorted(missing)[:3]))
if extra:
    bad.append("%d events not expected, e.g. %s" % (len(extra), sorted(extra)[:3]))
if mode == "exactly-once" and dups:
    twice = [i for i, v in c.items() if v > 1]
    bad.append("%d duplicates (%d ids more than once, e.g. %s)" % (dups, len(twice), sorted(twice)[:3]))
for b in bad:
    print("%s: FAIL: %s" % (name, b), file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}

# svc_at_least_once: status 0 when `evextract run --delivery at-least-once`
# is implemented, i.e. the binary does not refuse the mode at startup (it is
# checked before any broker is contacted; the probe runs 3 s at most).
svc_at_least_once() {
	(timeout --foreground -s KILL 3 "$evx" run --brokers 127.0.0.1:9 --http '' --rules "$rules" \
		--delivery at-least-once --watch-rules false >/dev/null 2>"$dir/alo-probe.err") \
		2>/dev/null || true
	! grep -q 'not implemented' "$dir/alo-probe.err"
}
