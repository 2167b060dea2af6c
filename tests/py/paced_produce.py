"""Paced article producer of scripts/bench-e2e.sh's latency run
(confluent-kafka from the venv of tests/py/requirements.txt).

Sends N articles to a topic at RATE articles/s: the base corpus (JSONL)
cycled, article k (from START, default 0) with id "ID~L<k>@<unix seconds>", the time taken just
before the article is handed to the client, so a reader can compute each
event's article-to-event latency from its article id alone. The schedule is
kept in ticks of 2 ms (every article due by then is sent), so pacing costs
little CPU beside the service under test; linger.ms is librdkafka's default
(5 ms), as an ordinary upstream producer would have it. Prints one JSON line:
articles sent, seconds, and how far the sending fell behind its schedule.
"""
import argparse
import json
import sys
import time

from confluent_kafka import Producer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--topic", required=True)
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--rate", type=float, required=True)
    ap.add_argument("--start", type=int, default=0,
                    help="sequence number of the first article (default 0)")
    ap.add_argument("base")
    a = ap.parse_args()
    base = [json.loads(l) for l in open(a.base, encoding="utf-8") if l.strip()]
    p = Producer({"bootstrap.servers": a.bootstrap, "linger.ms": 5,
                  "client.id": "bench-paced-producer"})
    failed = []

    def dr(err, _msg):
        if err is not None:
            failed.append(str(err))

    t0 = time.time()
    late = 0.0
    i = 0
    while i < a.n:
        now = time.time()
        due = int((now - t0) * a.rate) + 1
        while i < min(due, a.n):
            k = a.start + i
            art = dict(base[k % len(base)])
            stamp = time.time()
            art["id"] = "%s~L%d@%.6f" % (art["id"].split("~")[0], k, stamp)
            late = max(late, stamp - (t0 + i / a.rate))
            while True:
                try:
                    p.produce(a.topic, json.dumps(art, ensure_ascii=False).encode(),
                              on_delivery=dr)
                    break
                except BufferError:
                    p.poll(0.01)
            i += 1
        p.poll(0)
        time.sleep(0.002)
    left = p.flush(30)
    if left or failed:
        print("paced_produce: %d undelivered, %d failed (%s)" %
              (left, len(failed), failed[:1]), file=sys.stderr)
        return 1
    print(json.dumps({"sent": a.n, "seconds": round(time.time() - t0, 2),
                      "max_behind_ms": round(late * 1000, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
