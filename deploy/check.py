#!/usr/bin/env python3
"""Static checks of deploy/ (run by scripts/deploy-check.sh, which installs
PyYAML and jsonschema and passes the metric samples).

  check.py compose   COMPOSE_FILE
      the YAML parses; every depends_on, volume, build context, Dockerfile,
      mounted file and scrape target resolves
  check.py dashboard DASHBOARD_JSON METRICS_FILE...
      the JSON loads as a Grafana dashboard; every metric name in every
      panel's queries is exposed in one of METRICS_FILE (real /metrics text of
      the service and of the lag exporter); Prometheus' own `up` aside
  check.py keda      MANIFEST_YAML... (rendered)
      every keda.sh ScaledObject matches the structural schema
      deploy/k8s/schemas/scaledobject-keda-v1alpha1.json and points at a
      Deployment of the same render
"""
import json
import os
import re
import sys

import yaml


def fail(msg):
    print("check: FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def subst(s):
    """Compose's ${VAR:-default} and ${VAR} substitution."""
    def rep(m):
        name, default = m.group(1), m.group(3)
        return os.environ.get(name) or (default if default is not None else "")
    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(:?-([^}]*))?\}", rep, s)


def check_compose(path):
    base = os.path.dirname(os.path.abspath(path))
    doc = yaml.safe_load(open(path))
    services = doc.get("services") or fail("no services")
    volumes = set((doc.get("volumes") or {}).keys())
    errs = []
    for name, svc in services.items():
        if "image" not in svc and "build" not in svc:
            errs.append("%s: neither image nor build" % name)
        dep = svc.get("depends_on") or []
        for d, cond in (dep.items() if isinstance(dep, dict) else [(d, None) for d in dep]):
            if d not in services:
                errs.append("%s: depends_on unknown service %s" % (name, d))
            c = (cond or {}).get("condition") if cond else None
            if c and c not in ("service_started", "service_healthy", "service_completed_successfully"):
                errs.append("%s: bad condition %s" % (name, c))
            if c == "service_healthy" and "healthcheck" not in services.get(d, {}):
                errs.append("%s: waits for %s to be healthy, which has no healthcheck" % (name, d))
        b = svc.get("build")
        if b:
            ctx = os.path.join(base, b if isinstance(b, str) else b.get("context", "."))
            df = os.path.join(ctx, "Dockerfile" if isinstance(b, str) else b.get("dockerfile", "Dockerfile"))
            if not os.path.isdir(ctx):
                errs.append("%s: build context %s missing" % (name, ctx))
            elif not os.path.isfile(df):
                errs.append("%s: Dockerfile %s missing" % (name, df))
        for v in svc.get("volumes") or []:
            src = (subst(v).split(":")[0] if isinstance(v, str) else subst(v.get("source", "")))
            if src.startswith((".", "/")):
                p = os.path.normpath(os.path.join(base, src))
                if not os.path.exists(p):
                    errs.append("%s: mounted path %s does not exist" % (name, p))
            elif src and src not in volumes:
                errs.append("%s: named volume %s not declared" % (name, src))
    # Prometheus targets must be compose services.
    prom = services.get("prometheus")
    if prom:
        cfgs = [subst(v.split(":")[0]) for v in prom.get("volumes", []) if v.endswith(("prometheus.yml:ro", "prometheus.yml"))]
        for c in cfgs:
            pc = yaml.safe_load(open(os.path.join(base, c)))
            for sc in pc.get("scrape_configs", []):
                hosts = [t.split(":")[0] for s in sc.get("static_configs", []) for t in s.get("targets", [])]
                hosts += [n for s in sc.get("dns_sd_configs", []) for n in s.get("names", [])]
                for h in hosts:
                    if h not in services:
                        errs.append("prometheus job %s: target %s is no compose service" % (sc["job_name"], h))
    # Grafana: the data source URL names a service; the home dashboard exists.
    graf = services.get("grafana")
    if graf:
        mounts = {v.split(":")[1]: os.path.join(base, v.split(":")[0]) for v in graf.get("volumes", []) if ":" in v}
        home = (graf.get("environment") or {}).get("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH")
        if home:
            ok = any(home.startswith(m + "/") and os.path.isfile(os.path.join(h, home[len(m) + 1:]))
                     for m, h in mounts.items())
            if not ok:
                errs.append("grafana: home dashboard %s is in no mounted folder" % home)
        prov = mounts.get("/etc/grafana/provisioning")
        if prov:
            for root, _, names in os.walk(prov):
                for n in names:
                    d = yaml.safe_load(open(os.path.join(root, n)))
                    for ds in d.get("datasources", []):
                        host = re.sub(r"^\w+://", "", ds.get("url", "")).split(":")[0]
                        if host not in services:
                            errs.append("grafana data source %s: %s is no service" % (ds["name"], host))
                    for p in d.get("providers", []):
                        ppath = p.get("options", {}).get("path", "")
                        if not any(ppath == m or ppath.startswith(m + "/") for m in mounts):
                            errs.append("grafana provider %s: %s is not mounted" % (p["name"], ppath))
    if errs:
        fail("compose: " + "; ".join(errs))
    print("check: compose %s: %d services, references resolve" % (os.path.basename(path), len(services)))


KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or",
            "unless", "offset", "bool", "inf", "nan", "le"}


def metric_names(expr):
    e = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)     # strings
    e = re.sub(r"\{[^}]*\}", "", e)                  # label matchers
    e = re.sub(r"\[[^\]]*\]", "", e)                 # ranges
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", e)
    names = set()
    for m in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", e):
        w = m.group(0)
        rest = e[m.end():].lstrip()
        if rest.startswith("(") or w.lower() in KEYWORDS or w.startswith("$"):
            continue
        if re.fullmatch(r"\d+(e\d+)?", w):
            continue
        names.add(w)
    return names


def check_dashboard(path, metric_files):
    try:
        d = json.load(open(path))
    except ValueError as e:
        fail("dashboard %s does not load: %s" % (path, e))
    for k in ("uid", "title", "panels"):
        if k not in d:
            fail("dashboard: no %s" % k)
    # A metric is exposed when it has a sample, or when its family is
    # declared with "# TYPE" (a counter nothing has incremented yet, such as
    # aborted transactions, has no sample but is part of the output).
    exposed = set()
    for f in metric_files:
        for line in open(f):
            t = re.match(r"# TYPE ([A-Za-z_:][A-Za-z0-9_:]*) (\w+)", line)
            if t:
                name, kind = t.groups()
                exposed.add(name)
                if kind == "histogram":
                    exposed.update(name + s for s in ("_bucket", "_sum", "_count"))
                elif kind == "summary":
                    exposed.update(name + s for s in ("_sum", "_count"))
            elif line and not line.startswith("#"):
                m = re.match(r"[A-Za-z_:][A-Za-z0-9_:]*", line)
                if m:
                    exposed.add(m.group(0))
    if not exposed:
        fail("no metrics in %s" % ", ".join(metric_files))
    errs, n = [], 0
    ids = set()
    for p in d["panels"]:
        if p.get("id") in ids:
            errs.append("panel id %s twice" % p.get("id"))
        ids.add(p.get("id"))
        if not p.get("targets"):
            errs.append("panel %r has no query" % p.get("title"))
        for t in p.get("targets", []):
            n += 1
            names = metric_names(t.get("expr", ""))
            if not names:
                errs.append("panel %r: no metric in %r" % (p["title"], t.get("expr")))
            for m in names - {"up"}:
                if m not in exposed:
                    errs.append("panel %r: metric %s not exposed" % (p["title"], m))
    if errs:
        fail("dashboard: " + "; ".join(errs))
    print("check: dashboard %s: %d panels, %d queries, every metric exposed (%d metric names seen)"
          % (os.path.basename(path), len(d["panels"]), n, len(exposed)))


def check_keda(schema_path, manifests):
    import jsonschema
    schema = json.load(open(schema_path))
    docs = [x for m in manifests for x in yaml.safe_load_all(open(m)) if x]
    deployments = {x["metadata"]["name"] for x in docs if x.get("kind") == "Deployment"}
    n = 0
    for x in docs:
        if x.get("kind") == "ScaledObject":
            n += 1
            try:
                jsonschema.validate(x, schema)
            except jsonschema.ValidationError as e:
                fail("ScaledObject %s: %s at %s" % (x["metadata"]["name"], e.message, list(e.path)))
            if x["spec"]["scaleTargetRef"]["name"] not in deployments:
                fail("ScaledObject %s targets no Deployment of the render" % x["metadata"]["name"])
    print("check: %d KEDA ScaledObject(s) match the structural schema" % n)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        fail("usage: check.py compose FILE | dashboard JSON METRICS... | keda SCHEMA MANIFEST...")
    cmd = sys.argv[1]
    if cmd == "compose":
        check_compose(sys.argv[2])
    elif cmd == "dashboard":
        check_dashboard(sys.argv[2], sys.argv[3:])
    elif cmd == "keda":
        check_keda(sys.argv[2], sys.argv[3:])
    else:
        fail("unknown check " + cmd)
