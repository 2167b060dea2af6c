"""Producer and checker of scripts/soak.sh (confluent-kafka from the venv of
tests/py/requirements.txt).

produce: N articles to a topic, keyed by article id: the base corpus
replicated with ids "ID~k" (as tests/service_lib.sh's svc_gen_articles), and
every 20th message (5%) malformed, cycling through the kinds of KINDS. A
malformed message's key is "bad~KIND~n", so its dead letter (which keeps the
key) says what it was. Writes a JSON summary: good articles per base id, bad
ones per kind.

check: reads the events topic (read_committed) until the expected number of
events arrived and nothing more came for a while, and the DLQ topic likewise;
compares per article: every good article exactly its base article's number of
events (from the offline extraction), no event of a malformed one, no event
id twice; every malformed message in the DLQ once with the reason of its
kind. Prints the figures as JSON on the last line; exit 1 on any mismatch.
"""
import argparse
import collections
import json
import sys
import time

from confluent_kafka import Consumer, Producer, KafkaException

# Malformed kinds and the DLQ reason each must get. max_bytes is the
# service's --max-bytes (the oversize kind is one byte over it).
def kinds(max_bytes):
    def oversize(n):
        s = '{"id":"big%d","body":"' % n
        return (s + "Calm day. " * (max_bytes // 10 + 1))[:max_bytes - 1] + '"}'
    return [
        ("invalid_json", "bad_json", lambda n: b'{"id": "cut%d", "body": "half an art' % n),
        ("missing_body", "missing_field", lambda n: b'{"id": "nobody%d", "title": "no body"}' % n),
        ("invalid_utf8", "invalid_utf8",
         lambda n: b'{"id": "utf%d", "body": "Caf\xc3 au lait \xff\xfe."}' % n),
        ("oversize", "too_large", lambda n: oversize(n).encode()),
        ("wrong_type", "missing_field", lambda n: b'{"id": "type%d", "body": 42}' % n),
        ("empty", "bad_json", lambda n: b""),
        ("deep_nesting", "too_deep",
         lambda n: b'{"id": "deep%d", "body": "x", "x": ' % n + b"[" * 40 + b"]" * 40 + b"}"),
        ("not_object", "bad_json", lambda n: b'["id", "body", %d]' % n),
        ("empty_id", "missing_field", lambda n: b'{"id": "", "body": "No id at all."}'),
        ("nul_escape", "missing_field",
         lambda n: b'{"id": "nul%d", "body": "a\\u0000b"}' % n),
        ("too_many_fields", "too_many_fields",
         lambda n: ("{" + ",".join('"f%d":%d' % (i, i) for i in range(100)) +
                    ',"id":"many%d","body":"x"}' % n).encode()),
        ("long_sentence", "sentence_too_long",
         lambda n: ('{"id":"long%d","body":"' % n + "word " * 2000 + '"}').encode()),
    ]


def load_base(paths):
    base = []
    for path in paths:
        for line in open(path, encoding="utf-8"):
            if line.strip():
                base.append(json.loads(line))
    return base


def produce(a):
    base = load_base(a.base)
    # Each base article as a template around its id.
    tmpl = []
    for art in base:
        b = dict(art)
        b["id"] = "\x00"
        pre, post = json.dumps(b, ensure_ascii=False).encode().split(b"\\u0000")
        tmpl.append((art["id"], pre, post))
    ks = kinds(a.max_bytes)
    p = Producer({"bootstrap.servers": a.bootstrap, "linger.ms": 50,
                  "batch.size": 1000000, "queue.buffering.max.messages": 200000,
                  "queue.buffering.max.kbytes": 262144, "acks": "all",
                  "enable.idempotence": True, "message.max.bytes": 2000000})
    errors = []

    def dr(err, msg):
        if err is not None:
            errors.append(str(err))

    good = collections.Counter()
    bad = collections.Counter()
    t0 = time.time()
    i = nbad = 0
    k = 0
    while i < a.n:
        for bid, pre, post in tmpl:
            if i == a.n:
                break
            msgs = []
            if i % 20 == 19:
                # A malformed one goes before the good one, so the good
                # copies of each base article stay numbered 0, 1, ...
                kind, _, make = ks[nbad % len(ks)]
                msgs.append(("bad~%s~%d" % (kind, nbad), make(nbad)))
                bad[kind] += 1
                nbad += 1
            if i + len(msgs) < a.n:
                aid = "%s~%d" % (bid, k)
                msgs.append((aid, pre + aid.encode() + post))
                good[bid] += 1
            for key, val in msgs:
                while True:
                    try:
                        p.produce(a.topic, val, key.encode(), on_delivery=dr)
                        break
                    except BufferError:
                        p.poll(0.05)
                i += 1
                if i % 10000 == 0:
                    p.poll(0)
        k += 1
    left = p.flush(120)
    dt = time.time() - t0
    if left or errors:
        print("soak: produce: %d undelivered, %d errors, e.g. %s" % (left, len(errors), errors[:3]),
              file=sys.stderr)
        return 1
    json.dump({"n": a.n, "good": dict(good), "bad": dict(bad),
               "reasons": {kd: r for kd, r, _ in ks}, "seconds": dt},
              open(a.summary, "w"))
    print("soak: produced %d articles (%d malformed) in %.1f s: %.0f/s"
          % (a.n, nbad, dt, a.n / dt if dt else 0), file=sys.stderr)
    return 0


def article_id(pb):
    """Field 3 (article_id) of an Event, parsed by hand: fields 1 and 2 are
    strings before it, and nothing else is needed."""
    i, n = 0, len(pb)
    while i < n:
        tag = 0
        shift = 0
        while True:
            c = pb[i]
            i += 1
            tag |= (c & 0x7F) << shift
            shift += 7
            if c < 0x80:
                break
        field, wt = tag >> 3, tag & 7
        if wt == 0:
            while pb[i] & 0x80:
                i += 1
            i += 1
            continue
        if wt == 1:
            i += 8
            continue
        if wt == 5:
            i += 4
            continue
        if wt != 2:
            return None
        ln = 0
        shift = 0
        while True:
            c = pb[i]
            i += 1
            ln |= (c & 0x7F) << shift
            shift += 7
            if c < 0x80:
                break
        if field == 3:
            return pb[i:i + ln].decode("utf-8", "replace")
        i += ln
    return None


def drain(bootstrap, topic, expect, idle, deadline, on_msg):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "soak-check-%s-%d" % (topic, time.time()),
                  "auto.offset.reset": "earliest", "enable.auto.commit": False,
                  "isolation.level": "read_committed", "fetch.max.bytes": 52428800})
    c.subscribe([topic])
    got = 0
    last = time.time()
    try:
        while time.time() < deadline:
            msgs = c.consume(num_messages=10000, timeout=1.0)
            for m in msgs:
                if m.error():
                    if m.error().fatal():
                        raise KafkaException(m.error())
                    continue
                on_msg(m)
                got += 1
            if msgs:
                last = time.time()
            elif got >= expect and time.time() - last >= idle:
                break
    finally:
        c.close()
    return got


def check(a):
    s = json.load(open(a.summary))
    per_base = collections.Counter()
    for line in open(a.offline):
        per_base[json.loads(line)["article_id"]] += 1
    reasons = s["reasons"]
    want_events = sum(per_base[b] * n for b, n in s["good"].items())
    nbad = sum(s["bad"].values())
    deadline = time.time() + a.timeout
    ids = set()
    dup = [0]
    per_art = collections.Counter()

    def on_event(m):
        k = m.key()
        if k in ids:
            dup[0] += 1
        else:
            ids.add(k)
        per_art[article_id(m.value())] += 1

    t0 = time.time()
    nev = drain(a.bootstrap, "events", want_events, a.idle, deadline, on_event)
    dlq = collections.Counter()
    dlq_bad = []
    dlq_keys = collections.Counter()

    def on_dlq(m):
        key = (m.key() or b"").decode("utf-8", "replace")
        h = {k: (v or b"").decode("utf-8", "replace") for k, v in (m.headers() or [])}
        r = h.get("dlq-reason", "")
        dlq[r] += 1
        dlq_keys[key] += 1
        parts = key.split("~")
        if len(parts) != 3 or parts[0] != "bad":
            dlq_bad.append("good article %s in the DLQ (%s: %s)" % (key, r, h.get("dlq-stage")))
        elif reasons.get(parts[1]) != r:
            dlq_bad.append("%s: reason %s, want %s" % (key, r, reasons.get(parts[1])))

    ndlq = drain(a.bootstrap, "articles.dlq", nbad, a.idle, deadline, on_dlq)
    problems = list(dlq_bad[:10])
    if len(dlq_bad) > 10:
        problems.append("... %d more DLQ problems" % (len(dlq_bad) - 10))
    # Per article: each good one exactly its base's count.
    missing = wrong = 0
    examples = []
    n = 0
    for bid, copies in s["good"].items():
        want = per_base[bid]
        for k in range(copies):
            got = per_art.pop("%s~%d" % (bid, k), 0)
            n += 1
            if got != want:
                if got < want:
                    missing += 1
                else:
                    wrong += 1
                if len(examples) < 3:
                    examples.append("%s~%d: %d events, want %d" % (bid, k, got, want))
    if missing or wrong:
        problems.append("%d good articles short of events, %d with too many, e.g. %s"
                        % (missing, wrong, examples))
    if per_art:
        problems.append("events of %d unexpected articles, e.g. %s"
                        % (len(per_art), list(per_art)[:3]))
    if dup[0]:
        problems.append("%d events twice" % dup[0])
    if nev != want_events:
        problems.append("%d events read, want %d" % (nev, want_events))
    twice = sum(v - 1 for v in dlq_keys.values() if v > 1)
    if twice:
        problems.append("%d dead letters twice" % twice)
    if ndlq != nbad:
        problems.append("%d dead letters, want %d" % (ndlq, nbad))
    want_dlq = collections.Counter()
    for kind, cnt in s["bad"].items():
        want_dlq[reasons[kind]] += cnt
    if dlq != want_dlq:
        problems.append("dead letters by reason %s, want %s" % (dict(dlq), dict(want_dlq)))
    for p in problems:
        print("soak: FAIL: " + p, file=sys.stderr)
    print(json.dumps({"events": nev, "events_expected": want_events, "distinct": len(ids),
                      "duplicates": dup[0], "good_articles": n, "dlq": ndlq,
                      "dlq_by_reason": dict(sorted(dlq.items())),
                      "read_seconds": round(time.time() - t0, 1), "ok": not problems}))
    return 1 if problems else 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("produce")
    p.add_argument("--bootstrap", required=True)
    p.add_argument("--topic", default="articles")
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--max-bytes", type=int, required=True)
    p.add_argument("--summary", required=True)
    p.add_argument("base", nargs="+")
    c = sub.add_parser("check")
    c.add_argument("--bootstrap", required=True)
    c.add_argument("--summary", required=True)
    c.add_argument("--offline", required=True)
    c.add_argument("--timeout", type=float, default=600)
    c.add_argument("--idle", type=float, default=5)
    a = ap.parse_args()
    return produce(a) if a.cmd == "produce" else check(a)


if __name__ == "__main__":
    sys.exit(main())
