#!/usr/bin/env bash
# Checks deploy/ as far as a machine without Docker, Kubernetes or a registry
# allows:
#
#   compose     deploy/compose/compose.yaml parses; depends_on, build contexts,
#               Dockerfiles, mounted files, named volumes, Prometheus targets
#               and Grafana provisioning all resolve (deploy/check.py)
#   prometheus  `promtool check config` and `promtool check rules` (Debian's
#               prometheus package) on deploy/compose/prometheus
#   dashboard   the Grafana JSON loads and every metric of every panel query
#               is in real /metrics output: the service's (and the lag
#               exporter's) saved by scripts/image-test.sh (METRICS_FILE), or,
#               without one, captured here from `build/evextract run` against
#               a test broker
#   k8s         kustomize (Go module, pinned, cached) renders deploy/k8s/base
#               and deploy/k8s/hpa; kubernetes-validate (PyPI, pinned; it
#               bundles Kubernetes' JSON schemas) validates every built-in
#               resource strictly; the KEDA ScaledObject is validated against
#               deploy/k8s/schemas/scaledobject-keda-v1alpha1.json; a broken
#               copy of the Deployment must be rejected (the validator works)
#
# Usage: scripts/deploy-check.sh [SOURCE_DIR [METRICS_FILE]]
# Tools land in ${EVX_CACHE:-~/.cache/evextract} (deployenv/, go/).
set -euo pipefail
src="$(cd "${1:-$(dirname "$0")/..}" && pwd)"
metrics="${2:-}"
cache="${EVX_CACHE:-$HOME/.cache/evextract}"
k8s_version=1.33.0
kustomize_ver=v5.4.3
t0=$SECONDS
status=0
say() { echo "deploy_check: $* ($((SECONDS - t0)) s)"; }
bad() { echo "deploy_check: FAIL: $*" >&2; status=1; }

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
work="$(mktemp -d "${TMPDIR:-/tmp}/evx-deploy.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# --- tools ----------------------------------------------------------------------
need=()
command -v promtool >/dev/null || need+=(prometheus)
command -v go >/dev/null || need+=(golang-go)
python3 -c 'import venv, ensurepip' 2>/dev/null || need+=(python3-venv)
if [ ${#need[@]} -gt 0 ]; then
	say "installing ${need[*]}"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
req="$src/deploy/requirements-check.txt"
venv="$cache/deployenv"
stamp="$(python3 -c 'import sys; print(sys.version.split()[0], sys.base_prefix)') $(sha256sum "$req" | cut -c1-16)"
py="$venv/bin/python"
if [ "$(cat "$venv/.stamp" 2>/dev/null)" != "$stamp" ] ||
	! "$py" -c 'import yaml, jsonschema, kubernetes_validate' 2>/dev/null; then
	say "making the venv $venv"
	rm -rf "$venv"
	mkdir -p "$cache"
	python3 -m venv "$venv"
	"$py" -m pip install --disable-pip-version-check --no-input -q --timeout 60 --retries 3 \
		-r "$req" >"$work/pip.log" 2>&1 || { tail -n 20 "$work/pip.log" >&2; exit 1; }
	echo "$stamp" >"$venv/.stamp"
fi
gobin="$cache/go/bin-$kustomize_ver"
if [ ! -x "$gobin/kustomize" ]; then
	say "building kustomize $kustomize_ver (go install)"
	GOBIN="$gobin" GOMODCACHE="$cache/go/mod" GOCACHE="$cache/go/build" GOFLAGS=-mod=mod \
		go install "sigs.k8s.io/kustomize/kustomize/v5@$kustomize_ver" >"$work/go.log" 2>&1 ||
		{ tail -n 20 "$work/go.log" >&2; exit 1; }
fi
say "tools: promtool $(promtool --version 2>&1 | head -n1 | awk '{print $3}'), kustomize $kustomize_ver, kubernetes-validate $("$py" -c 'import kubernetes_validate.version as v; print(v.__version__)' 2>/dev/null || echo '?')"

# --- compose ------------------------------------------------------------------
"$py" "$src/deploy/check.py" compose "$src/deploy/compose/compose.yaml" || bad "compose"

# --- prometheus -----------------------------------------------------------------
# The config names its rule file by its path inside the container.
cp -r "$src/deploy/compose/prometheus" "$work/prometheus"
sed -i "s|/etc/prometheus/|$work/prometheus/|" "$work/prometheus/prometheus.yml"
if promtool check config "$work/prometheus/prometheus.yml" >"$work/promtool.log" 2>&1 &&
	promtool check rules "$work/prometheus/alerts.yml" >>"$work/promtool.log" 2>&1; then
	say "promtool: prometheus.yml and alerts.yml valid ($(grep -o '[0-9]* rules found' "$work/promtool.log" | head -n1))"
else
	cat "$work/promtool.log" >&2
	bad "promtool check failed"
fi

# --- dashboard --------------------------------------------------------------------
mfiles=()
if [ -n "$metrics" ] && [ -s "$metrics" ]; then
	mfiles+=("$metrics")
	[ -s "$metrics.lag" ] && mfiles+=("$metrics.lag")
	say "metrics from $metrics${mfiles[1]:+ and $metrics.lag}"
else
	# No saved output: run the service against a test broker and save its
	# /metrics after a few articles (one malformed, so the DLQ series exists).
	say "no saved /metrics; capturing from build/evextract run against a test broker"
	(
		NAME=deploy_check
		# shellcheck source=tests/service_lib.sh
		. "$src/tests/service_lib.sh"
		svc_init "$src" "$src/build/evextract"
		svc_broker_start
		cp "$shared/corpus/seeds/articles.jsonl" "$dir/a.jsonl"
		printf '%s\n' '{"id": "x", "body": "cut' >>"$dir/a.jsonl"
		svc_produce "$dir/a.jsonl"
		n=$("$evx" extract --rules "$rules" -q "$shared/corpus/seeds/articles.jsonl" | wc -l)
		svc_start m --group-id deploy-check --transactional-id deploy-check
		svc_wait_events "$n" 90 || fail "no events"
		sleep 1
		curl -fsS "http://127.0.0.1:$(svc_port m)/metrics" >"$work/metrics.txt"
		if [ -f "$src/deploy/lag-exporter/lag_exporter.py" ]; then
			. "$src/deploy/lag-exporter/venv.sh"
			lport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
			"$lag_py" "$src/deploy/lag-exporter/lag_exporter.py" --brokers "$KAFKA_BOOTSTRAP" \
				--groups deploy-check --listen "127.0.0.1:$lport" --interval 1 >"$dir/lag.log" 2>&1 &
			lp=$!
			for _ in $(seq 1 30); do
				curl -fsS "http://127.0.0.1:$lport/metrics" 2>/dev/null | grep -q '^kafka_consumergroup_lag{' &&
					break
				sleep 1
			done
			curl -fsS "http://127.0.0.1:$lport/metrics" >"$work/metrics.txt.lag" || true
			kill "$lp" 2>/dev/null || true
		fi
	) || bad "could not capture /metrics from a running service"
	mfiles+=("$work/metrics.txt")
	[ -s "$work/metrics.txt.lag" ] && mfiles+=("$work/metrics.txt.lag")
fi
if [ -s "${mfiles[0]:-/nonexistent}" ]; then
	"$py" "$src/deploy/check.py" dashboard "$src/deploy/compose/grafana/dashboards/evextract.json" \
		"${mfiles[@]}" || bad "dashboard"
else
	bad "no /metrics output to check the dashboard against"
fi

# --- kubernetes -------------------------------------------------------------------
# The rules ConfigMap is made from rules/ (as before every kubectl apply), in a
# copy so that the checkout stays as it is.
cp -r "$src/deploy" "$work/deploy"
mkdir -p "$work/rules-src"
cp -r "$src/rules/." "$work/rules-src/"
"$py" "$work/deploy/k8s/rules-configmap.py" "$work/rules-src" || bad "rules ConfigMap"
for overlay in base hpa; do
	if ! "$gobin/kustomize" build "$work/deploy/k8s/$overlay" >"$work/$overlay.yaml" 2>"$work/kustomize.log"; then
		cat "$work/kustomize.log" >&2
		bad "kustomize build deploy/k8s/$overlay failed"
		continue
	fi
	kinds="$(grep '^kind:' "$work/$overlay.yaml" | awk '{print $2}' | sort | tr '\n' ' ')"
	if "$venv/bin/kubernetes-validate" --strict --quiet -k "$k8s_version" "$work/$overlay.yaml" \
			>"$work/kv.log" 2>&1 && ! grep -q '^ERROR' "$work/kv.log"; then
		say "deploy/k8s/$overlay: kubernetes-validate --strict ($k8s_version) ok: $kinds"
	else
		cat "$work/kv.log" >&2
		bad "deploy/k8s/$overlay does not validate"
	fi
	grep -v "Couldn't find schema for kind ScaledObject" "$work/kv.log" | grep -q . &&
		{ cat "$work/kv.log" >&2; bad "kubernetes-validate warned about deploy/k8s/$overlay"; }
	"$py" "$src/deploy/check.py" keda "$src/deploy/k8s/schemas/scaledobject-keda-v1alpha1.json" \
		"$work/$overlay.yaml" || bad "ScaledObject of deploy/k8s/$overlay"
done
# The Deployment's must-haves, and proof that the validator rejects a typo.
"$py" - "$work/base.yaml" "$work/broken.yaml" <<'PY' || bad "Deployment requirements"
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
dep = next(d for d in docs if d["kind"] == "Deployment")
pod = dep["spec"]["template"]["spec"]
c = pod["containers"][0]
assert c["livenessProbe"]["httpGet"]["path"] == "/healthz", "liveness not on /healthz"
assert c["readinessProbe"]["httpGet"]["path"] == "/readyz", "readiness not on /readyz"
assert c["resources"]["requests"] and c["resources"]["limits"], "no resources"
assert pod["securityContext"]["runAsNonRoot"] is True, "not runAsNonRoot"
assert c["securityContext"]["readOnlyRootFilesystem"] is True, "root filesystem writable"
# Service links would put EVEXTRACT_METRICS_SERVICE_HOST etc. in the
# environment, which evextract rejects as unknown settings.
assert pod.get("enableServiceLinks") is False, "enableServiceLinks is not false"
kinds = {d["kind"] for d in docs}
for k in ("ConfigMap", "Service", "PodDisruptionBudget", "ScaledObject"):
    assert k in kinds, "no " + k
c["securityContext"]["readOnlyRootFilesytem"] = True  # the typo
yaml.safe_dump(dep, open(sys.argv[2], "w"))
print("deploy_check: Deployment: probes /healthz and /readyz, resources, non-root, read-only root")
PY
if "$venv/bin/kubernetes-validate" --strict --quiet -k "$k8s_version" "$work/broken.yaml" >/dev/null 2>&1; then
	bad "kubernetes-validate accepted a Deployment with an unknown field"
else
	say "kubernetes-validate rejects a misspelt field (as it should)"
fi

if [ $status -eq 0 ]; then
	echo "deploy_check: ok in $((SECONDS - t0)) s"
else
	echo "deploy_check: FAILED after $((SECONDS - t0)) s"
fi
exit $status
