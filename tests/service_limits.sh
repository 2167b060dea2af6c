#!/usr/bin/env bash
# Hostile input against a real broker: for every cap of service/limits.h an
# article just over it, then an article at the cap (where the cap has one)
# and a good article of the corpus, all on one partition. `evextract run`
# must send each article over a cap to the dead-letter topic with the cap's
# name in the dlq-reason header, and go on: every event that `evextract
# extract` finds in the other articles arrives, exactly once, and no article
# stalls the partition. The rules are the core pack plus tests/packs/limits
# (patterns that hit the PCRE2 match limit, the JIT stack / depth limit and
# the time budget, and one that makes many events). The size cap and the
# time budget are set by run options (--max-bytes 128k: a message over the
# default 1 MB would not fit Kafka's default message size;
# --article-time-budget-ms 250), so those options are tested too.
#
#   cap                    reason             over            at the cap
#   message size           too_large          128k + 1 bytes  128k bytes
#   JSON depth             too_deep           depth 17        depth 16
#   JSON members           too_many_fields    65 members      64
#   sentence length        sentence_too_long  8193 bytes      8192 bytes
#   events per article     too_many_events    257 events      256
#   PCRE2 match limit      match_limit        40 a's          -
#   PCRE2 depth/JIT stack  match_limit        20000 brackets  100
#   time budget            time_budget        2500 slow lines -
#
# The sentence, events and match caps keep the events found within the cap
# (they are produced) and also send the article to the DLQ.
#
# Usage: tests/service_limits.sh [SOURCE_DIR [EVEXTRACT]]; EVX_SHARED names
# the shared folder (default SOURCE_DIR/../shared).
set -euo pipefail
NAME=service_limits
src="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
# shellcheck source=tests/service_lib.sh
source "$src/tests/service_lib.sh"
svc_init "$src" "${2:-$src/build/evextract}"
t0=$SECONDS
maxb=131072
budget=250

cp -r "$src/tests/packs/limits" "$rules/limits"

# The articles, in order, and what each must give: "ok" or a DLQ reason.
python3 - "$dir" "$maxb" "$shared/corpus/seeds/articles.jsonl" <<'PY'
import json, sys
d, maxb, seeds = sys.argv[1], int(sys.argv[2]), sys.argv[3]
# The caps of service/limits.h (defaults).
DEPTH, FIELDS, SENT, EVENTS = 16, 64, 8192, 256
base = [json.loads(l) for l in open(seeds, encoding="utf-8") if l.strip()]
EV = "qxv struck Kyiv on March 3, 2020.\n"

def art(aid, body, **extra):
    a = {"id": aid, "published_at": "2024-06-01T08:00:00Z", "body": body}
    a.update(extra)
    return json.dumps(a, ensure_ascii=False, separators=(",", ":"))

def sized(aid, n):
    body = EV
    while len(art(aid, body + "Calm day.\n")) <= n:
        body += "Calm day.\n"
    s = art(aid, body)
    s = s[:-2] + " " * (n - len(s)) + s[-2:]
    assert len(s.encode()) == n, (len(s), n)
    return s

def deep(aid, n):  # the object counts 1
    s = art(aid, EV)
    return s[:-1] + ',"x":' + "[" * (n - 1) + "]" * (n - 1) + "}"

def fields(aid, n):
    a = {"id": aid, "body": EV}
    for i in range(2, n):
        a["m%d" % i] = i
    return json.dumps(a, separators=(",", ":"))

def sentence(aid, n):
    return art(aid, EV + "".join(" " if i % 5 == 4 else "y" for i in range(n)))

MONTHS = ("January February March April May June July August September "
          "October November December").split()
def events(aid, n):
    return art(aid, "".join("qxv struck Kyiv on %s %d, %d.\n" % (
        MONTHS[i // 28 % 12], i % 28 + 1, 2000 + i // (28 * 12)) for i in range(n)))

cases = [
    ("size", "too_large", sized("over-size", maxb + 1), sized("at-size", maxb)),
    ("depth", "too_deep", deep("over-depth", DEPTH + 1), deep("at-depth", DEPTH)),
    ("fields", "too_many_fields", fields("over-fields", FIELDS + 1),
     fields("at-fields", FIELDS)),
    ("sentence", "sentence_too_long", sentence("over-sentence", SENT + 1),
     sentence("at-sentence", SENT)),
    ("events", "too_many_events", events("over-events", EVENTS + 1),
     events("at-events", EVENTS)),
    ("match", "match_limit", art("over-match", EV + "zzq " + "a" * 40 + "!"), None),
    ("nesting", "match_limit", art("over-nesting", EV + "zzd " + "(\n" * 20000 + ")"),
     art("at-nesting", EV + "zzd " + "(\n" * 100 + ")" * 100)),
    ("time", "time_budget", art("over-time", EV + ("zzq " + "a" * 40 + "!\n") * 2500), None),
]
out, good, want = [], [], []
for k, (name, reason, over, at) in enumerate(cases):
    assert len(over.encode()) <= maxb + 1
    out.append(over)
    want.append(("over-" + name, reason))
    nxt = [at] if at else []
    b = dict(base[k % len(base)])
    b["id"] = "good-%s" % name
    nxt.append(json.dumps(b, ensure_ascii=False))
    for s in nxt:
        out.append(s)
        good.append(s)
        want.append((json.loads(s)["id"], "ok"))
open(d + "/articles.jsonl", "w", encoding="utf-8").write("\n".join(out) + "\n")
open(d + "/good.jsonl", "w", encoding="utf-8").write("\n".join(good) + "\n")
json.dump(want, open(d + "/want.json", "w"))
PY
nbad=$(python3 -c 'import json,sys; print(sum(r != "ok" for _, r in json.load(open(sys.argv[1]))))' "$dir/want.json")
ngood=$(wc -l <"$dir/good.jsonl")

# What the offline engine finds in the good articles (none may hit a cap).
"$evx" extract --rules "$rules" --max-bytes "$maxb" -q "$dir/good.jsonl" \
	>"$dir/offline.jsonl" 2>"$dir/offline.err" ||
	fail "offline extraction of the good articles failed: $(head -c 300 "$dir/offline.err")"
[ ! -s "$dir/offline.err" ] || fail "a good article hit a cap offline: $(head -c 300 "$dir/offline.err")"
want=$(wc -l <"$dir/offline.jsonl")
say "$nbad articles over a cap, $ngood good ones with $want events offline"

SVC_PARTITIONS=1 svc_broker_start
svc_produce "$dir/articles.jsonl"
svc_start lim --group-id "limits-$$" --transactional-id "limits-$$" --workers 2 \
	--max-bytes "$maxb" --article-time-budget-ms "$budget"

# Every dead letter, then every event (the good ones' and the partial ones of
# articles over the sentence, events and match caps).
"$evx" consume articles.dlq --brokers "$KAFKA_BOOTSTRAP" --max "$nbad" \
	--timeout-ms 60000 >"$dir/dlq.jsonl" 2>"$dir/dlq.err" ||
	fail "fewer than $nbad dead letters: $(wc -l <"$dir/dlq.jsonl") ($(tail -c 300 "$dir/dlq.err"))"
svc_alive lim
# The good articles' events and the partial ones: 1 + 256 + 1 + 1.
"$evx" consume events --brokers "$KAFKA_BOOTSTRAP" --events --max $((want + 259)) \
	--timeout-ms 60000 >"$dir/events.jsonl" 2>"$dir/events.err" ||
	fail "fewer than $((want + 259)) events: $(wc -l <"$dir/events.jsonl")"
svc_alive lim

python3 - "$dir" <<'PY' || fail "dead letters or events are wrong"
import collections, json, sys
d = sys.argv[1]
want = json.load(open(d + "/want.json"))
reason = dict(want)
bad = []
# Dead letters: one per article over a cap, with its reason, in order.
dlq = [json.loads(l) for l in open(d + "/dlq.jsonl")]
seen = []
for m in dlq:
    h = m["headers"]
    try:
        aid = json.loads(m["value"])["id"]
    except Exception:
        bad.append("a dead letter that is not one of ours: %r" % m["value"][:80])
        continue
    seen.append(aid)
    exp = reason.get(aid)
    if exp != h.get("dlq-reason"):
        bad.append("%s: dlq-reason %s, want %s (%s)" % (aid, h.get("dlq-reason"), exp,
                                                        h.get("dlq-error", "")))
    else:
        print("  %-14s -> DLQ stage=%s reason=%s" % (aid, h.get("dlq-stage"), h.get("dlq-reason")))
overs = [a for a, r in want if r != "ok"]
if sorted(seen) != sorted(overs):
    bad.append("dead letters for %s, want %s" % (sorted(seen), sorted(overs)))
# Events: every offline event of the good articles, same content, once;
# anything else comes from an article over a cap that keeps its events.
def norm(e):
    e = dict(e)
    p = dict(e.get("provenance", {}))
    for k in ("topic", "partition", "offset"):
        p.pop(k, None)
    e["provenance"] = p
    return json.dumps(e, sort_keys=True)
off = collections.Counter(norm(json.loads(l)) for l in open(d + "/offline.jsonl"))
on_all = [json.loads(l) for l in open(d + "/events.jsonl")]
ids = collections.Counter(e["event_id"] for e in on_all)
dups = [i for i, c in ids.items() if c > 1]
if dups:
    bad.append("%d events twice, e.g. %s" % (len(dups), dups[:3]))
on = collections.Counter(norm(e) for e in on_all if reason.get(e["article_id"]) == "ok")
missing = off - on
if missing:
    bad.append("%d offline events missing online, e.g. %s" % (
        sum(missing.values()), list(missing)[:1][0][:300]))
extra = on - off
if extra:
    bad.append("%d events online not offline, e.g. %s" % (
        sum(extra.values()), list(extra)[:1][0][:300]))
partial = collections.Counter(e["article_id"] for e in on_all if reason.get(e["article_id"]) != "ok")
for aid in partial:
    if reason.get(aid) not in ("sentence_too_long", "too_many_events", "match_limit"):
        bad.append("events from %s (%s)" % (aid, reason.get(aid)))
if partial.get("over-events", 0) != 256:
    bad.append("over-events gave %d events, want the first 256" % partial.get("over-events", 0))
print("  events: %d online, %d of the good articles (offline %d), partial %s"
      % (len(on_all), sum(on.values()), sum(off.values()), dict(partial)))
for b in bad:
    print("service_limits: FAIL: " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY

# The metrics count the dead letters by reason.
for r in too_large too_deep too_many_fields sentence_too_long too_many_events time_budget; do
	v="$(svc_metric lim "evextract_dlq_messages_total{reason=\"$r\"}")"
	[ "$v" = 1 ] || fail "evextract_dlq_messages_total{reason=\"$r\"} is '$v', want 1"
done
v="$(svc_metric lim 'evextract_dlq_messages_total{reason="match_limit"}')"
[ "$v" = 2 ] || fail "evextract_dlq_messages_total{reason=\"match_limit\"} is '$v', want 2"
svc_term lim 15
say "ok in $((SECONDS - t0)) s: $nbad articles over caps in the DLQ by reason, $want events of the good ones exactly once"
