#!/usr/bin/env python3
"""Reads evextract's events topic the way a consumer in another language would.

The Event classes come from protoc's Python output for proto/event.proto
(generated at test time into --gen-dir); the messages come from
confluent-kafka with isolation.level=read_committed, so only events of
committed transactions are seen. Each value is decoded with
event_pb2.Event.FromString and checked: the key is the event_id, the headers
name the content type and schema, nothing in the value is unknown to the
schema, the provenance names the articles topic. Each event is printed on
stdout as one JSON line (json_format.MessageToDict, proto field names).
Problems go to stderr, one line each; the exit status is 1 if there was any,
or if the count read is not --expect.

  consume_events.py --gen-dir DIR --check-gencode
      only imports the generated module and checks that its protobuf
      version and the runtime's are compatible.
  consume_events.py --gen-dir DIR --bootstrap HOST:PORT --expect N
      [--topic events] [--timeout S] [--linger S] [--group-id ID]
      reads until N events have arrived or S seconds have passed, then
      keeps reading for --linger seconds so that an extra or repeated
      event is seen too.
"""
import argparse
import json
import re
import sys
import time

want_headers = {
    "content-type": "application/x-protobuf",
    "schema": "evextract.v1.Event",
    "schema-version": "1",
}


def load_gencode(gen_dir):
    """Imports event_pb2 from gen_dir and checks its version against the
    runtime's: the same major version, the runtime not older. The import
    itself runs protobuf's own check (ValidateProtobufRuntimeVersion)."""
    sys.path.insert(0, gen_dir)
    import google.protobuf
    src = open(gen_dir + "/event_pb2.py", encoding="utf-8").read()
    m = re.search(r"^# Protobuf Python Version: (\d+)\.(\d+)\.(\d+)", src, re.M)
    if not m:
        raise SystemExit("consume_events: event_pb2.py names no protobuf version")
    gen = tuple(int(x) for x in m.groups())
    run = tuple(int(x) for x in google.protobuf.__version__.split(".")[:3])
    if gen[0] != run[0] or run < gen:
        raise SystemExit("consume_events: generated code is for protobuf %s, "
                         "the runtime is %s" % (".".join(map(str, gen)),
                                                google.protobuf.__version__))
    import event_pb2  # raises VersionError when protobuf itself disagrees
    return event_pb2, gen, google.protobuf.__version__


def check_event(msg, ev, unknown_fields):
    """Returns the problems of one decoded message, as strings."""
    bad = []
    key = msg.key()
    if key != ev.event_id.encode():
        bad.append("key %r is not event_id %r" % (key, ev.event_id))
    heads = {}
    for k, v in msg.headers() or []:
        heads.setdefault(k, []).append(v.decode() if v is not None else None)
    for k, v in want_headers.items():
        if heads.get(k) != [v]:
            bad.append("header %s is %r, want [%r]" % (k, heads.get(k), v))
    pack = ev.provenance.rule_pack
    rp = heads.get("rule-pack")
    if not rp or len(rp) != 1 or not rp[0] or not rp[0].startswith(pack + "@"):
        bad.append("header rule-pack is %r, want [%r]" % (rp, pack + "@..."))
    if not ev.event_id or not ev.type or not ev.article_id:
        bad.append("event_id, type or article_id empty")
    p = ev.provenance
    if p.topic != "articles" or p.partition < 0 or p.offset < 0:
        bad.append("provenance %s[%d]@%d" % (p.topic, p.partition, p.offset))
    if len(unknown_fields(ev)) != 0:
        bad.append("fields unknown to evextract.v1.Event in the value")
    return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gen-dir", required=True)
    ap.add_argument("--check-gencode", action="store_true")
    ap.add_argument("--bootstrap")
    ap.add_argument("--topic", default="events")
    ap.add_argument("--expect", type=int)
    ap.add_argument("--timeout", type=float, default=90.0)
    ap.add_argument("--linger", type=float, default=3.0)
    ap.add_argument("--group-id", default="python-consumer-%d" % time.time_ns())
    a = ap.parse_args()

    event_pb2, gen, run = load_gencode(a.gen_dir)
    if a.check_gencode:
        print("consume_events: generated code for protobuf %s, runtime %s: ok"
              % (".".join(map(str, gen)), run), file=sys.stderr)
        return 0
    if not a.bootstrap or a.expect is None:
        ap.error("--bootstrap and --expect are needed to consume")

    from confluent_kafka import Consumer, KafkaError, KafkaException
    from google.protobuf import json_format
    from google.protobuf.unknown_fields import UnknownFieldSet

    c = Consumer({
        "bootstrap.servers": a.bootstrap,
        "group.id": a.group_id,
        "isolation.level": "read_committed",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        "enable.partition.eof": False,
    })
    c.subscribe([a.topic])
    problems = 0
    total = 0
    seen = {}
    start = time.monotonic()
    deadline = start + a.timeout
    try:
        while True:
            now = time.monotonic()
            if now >= deadline:
                break
            if len(seen) >= a.expect:
                # Enough: read a little longer for extras, then stop.
                deadline = min(deadline, now + a.linger)
            msg = c.poll(min(0.5, max(0.0, deadline - now)))
            if msg is None:
                continue
            if msg.error():
                if msg.error().code() == KafkaError.UNKNOWN_TOPIC_OR_PART:
                    continue
                raise KafkaException(msg.error())
            total += 1
            where = "%s[%d]@%d" % (msg.topic(), msg.partition(), msg.offset())
            try:
                ev = event_pb2.Event.FromString(msg.value() or b"")
            except Exception as e:  # DecodeError, or a value that is None
                print("consume_events: %s: not an Event: %s" % (where, e),
                      file=sys.stderr)
                problems += 1
                continue
            for b in check_event(msg, ev, UnknownFieldSet):
                print("consume_events: %s (%s): %s" % (where, ev.event_id, b),
                      file=sys.stderr)
                problems += 1
            if ev.event_id in seen:
                print("consume_events: %s: event %s again (first at %s)"
                      % (where, ev.event_id, seen[ev.event_id]), file=sys.stderr)
                problems += 1
            seen.setdefault(ev.event_id, where)
            d = json_format.MessageToDict(ev, preserving_proto_field_name=True)
            print(json.dumps(d, sort_keys=True), flush=True)
    finally:
        c.close()
    n = len(seen)
    print("consume_events: %d messages, %d distinct events (want %d), "
          "%d problems, %.1f s" % (total, n, a.expect, problems,
                                    time.monotonic() - start), file=sys.stderr)
    return 0 if problems == 0 and n == a.expect and total == n else 1


if __name__ == "__main__":
    sys.exit(main())
