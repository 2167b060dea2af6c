#!/usr/bin/env python3
"""Consumer-group lag of Kafka topics as Prometheus metrics.

evextract knows the offsets it commits but not the end of each partition, so
lag (how far a group is behind the newest article) is measured from outside,
here: every INTERVAL seconds the exporter asks the brokers for each group's
committed offsets and for the latest offset of every partition they cover,
and serves the result on http://LISTEN/metrics. The metric names are those of
the widely used kafka-exporter, so dashboards and alerts work with either:

  kafka_consumergroup_lag{consumergroup,topic,partition}
  kafka_consumergroup_lag_sum{consumergroup,topic}
  kafka_consumergroup_current_offset{consumergroup,topic,partition}
  kafka_topic_partition_current_offset{topic,partition}
  kafka_lag_exporter_up                 1 after a good scrape of the brokers

A partition without a committed offset counts its whole length as lag. The
latest offset is read with isolation read_committed (the last stable offset),
so open transactions are not lag.

Usage: lag_exporter.py --brokers HOST:PORT[,...] [--groups G1,G2]
                       [--listen 0.0.0.0:9308] [--interval 15]
Without --groups, every consumer group of the cluster. Environment
LAG_BROKERS, LAG_GROUPS, LAG_LISTEN, LAG_INTERVAL give the same settings;
LAG_KAFKA_<KEY> any librdkafka property (security settings), '_' as '.'.
"""
import argparse
import http.server
import os
import sys
import threading
import time

from confluent_kafka import (ConsumerGroupTopicPartitions, IsolationLevel,
                             TopicPartition)
from confluent_kafka.admin import AdminClient, OffsetSpec


def kafka_conf(brokers):
    conf = {"bootstrap.servers": brokers}
    for k, v in os.environ.items():
        if k.startswith("LAG_KAFKA_"):
            conf[k[len("LAG_KAFKA_"):].lower().replace("_", ".")] = v
    return conf


def esc(v):
    return str(v).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def scrape(admin, groups, timeout):
    """Returns the exposition text of one look at the brokers."""
    if not groups:
        res = admin.list_consumer_groups(request_timeout=timeout).result()
        groups = sorted(g.group_id for g in res.valid)
    committed = {}
    for g in groups:
        fut = admin.list_consumer_group_offsets(
            [ConsumerGroupTopicPartitions(g)], request_timeout=timeout)[g]
        for tp in fut.result().topic_partitions or []:
            if tp.error is None:
                committed[(g, tp.topic, tp.partition)] = tp.offset
    parts = sorted({(t, p) for (_, t, p) in committed})
    latest = {}
    if parts:
        req = {TopicPartition(t, p): OffsetSpec.latest() for (t, p) in parts}
        futs = admin.list_offsets(req, isolation_level=IsolationLevel.READ_COMMITTED,
                                  request_timeout=timeout)
        for tp, fut in futs.items():
            latest[(tp.topic, tp.partition)] = fut.result().offset
    out = []
    out.append("# HELP kafka_topic_partition_current_offset Latest (last stable) offset of a partition.")
    out.append("# TYPE kafka_topic_partition_current_offset gauge")
    for (t, p), off in sorted(latest.items()):
        out.append('kafka_topic_partition_current_offset{topic="%s",partition="%d"} %d' % (esc(t), p, off))
    out.append("# HELP kafka_consumergroup_current_offset Offset committed by a group on a partition.")
    out.append("# TYPE kafka_consumergroup_current_offset gauge")
    lag, lag_sum = [], {}
    for (g, t, p), off in sorted(committed.items()):
        if (t, p) not in latest:
            continue
        out.append('kafka_consumergroup_current_offset{consumergroup="%s",topic="%s",partition="%d"} %d'
                   % (esc(g), esc(t), p, off))
        n = max(0, latest[(t, p)] - max(off, 0))
        lag.append('kafka_consumergroup_lag{consumergroup="%s",topic="%s",partition="%d"} %d'
                   % (esc(g), esc(t), p, n))
        lag_sum[(g, t)] = lag_sum.get((g, t), 0) + n
    out.append("# HELP kafka_consumergroup_lag Messages of a partition not yet committed by a group.")
    out.append("# TYPE kafka_consumergroup_lag gauge")
    out.extend(lag)
    out.append("# HELP kafka_consumergroup_lag_sum Lag of a group summed over a topic's partitions.")
    out.append("# TYPE kafka_consumergroup_lag_sum gauge")
    for (g, t), n in sorted(lag_sum.items()):
        out.append('kafka_consumergroup_lag_sum{consumergroup="%s",topic="%s"} %d' % (esc(g), esc(t), n))
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description="Kafka consumer-group lag for Prometheus.")
    ap.add_argument("--brokers", default=os.environ.get("LAG_BROKERS"))
    ap.add_argument("--groups", default=os.environ.get("LAG_GROUPS", ""))
    ap.add_argument("--listen", default=os.environ.get("LAG_LISTEN", "0.0.0.0:9308"))
    ap.add_argument("--interval", type=float, default=float(os.environ.get("LAG_INTERVAL", "15")))
    a = ap.parse_args()
    if not a.brokers:
        ap.error("--brokers (or LAG_BROKERS) is required")
    groups = [g for g in a.groups.split(",") if g]
    admin = AdminClient(kafka_conf(a.brokers))
    state = {"text": "", "up": 0}
    lock = threading.Lock()

    def loop():
        while True:
            try:
                text, up = scrape(admin, groups, max(5.0, a.interval)), 1
            except Exception as e:  # Any broker error: keep serving, report down.
                print("lag_exporter: scrape failed: %s" % e, file=sys.stderr, flush=True)
                text, up = None, 0
            with lock:
                if text is not None:
                    state["text"] = text
                state["up"] = up
            time.sleep(a.interval)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path not in ("/metrics", "/healthz"):
                self.send_error(404)
                return
            with lock:
                body = state["text"] + (
                    "# HELP kafka_lag_exporter_up 1 when the last look at the brokers worked.\n"
                    "# TYPE kafka_lag_exporter_up gauge\nkafka_lag_exporter_up %d\n" % state["up"])
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    threading.Thread(target=loop, daemon=True).start()
    host, _, port = a.listen.rpartition(":")
    srv = http.server.ThreadingHTTPServer((host or "0.0.0.0", int(port)), Handler)
    print("lag_exporter: serving http://%s/metrics, brokers %s, groups %s"
          % (a.listen, a.brokers, ",".join(groups) or "all"), file=sys.stderr, flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
