#!/usr/bin/env bash
# Builds the container image from the project's Dockerfile with podman (no
# Docker daemon, no registry) and runs it against the real test broker:
#
#   1. tools: podman, runc, debootstrap (apt-get); dockerfilelint (npm, pinned,
#      cached); the Dockerfile is linted first;
#   2. base: a Debian bookworm minbase made with debootstrap, trimmed, kept as
#      a tarball under ${EVX_CACHE:-~/.cache/evextract}/image and imported as
#      localhost/debian:bookworm-slim (the Dockerfile's BASE_REPO);
#   3. build: podman build --format docker (so HEALTHCHECK is kept), vfs
#      storage, chroot isolation, host network, --pull=never;
#   4. checks: size under 100 MB, a non-root user, `--version`;
#   5. run: a broker (tests/service_lib.sh), the seed articles and one
#      malformed line produced; the container runs `evextract run` with its
#      settings from EVEXTRACT_* variables, a read-only root filesystem, and
#      a copy of the rule pack with a bumped version mounted over
#      /etc/evextract/rules; the events read back read_committed must be
#      exactly the offline `build/evextract extract` events (same ids, so the
#      mounted pack was used), one dead letter counted; /healthz, /readyz and
#      the image's HEALTHCHECK answer; /metrics is saved; the consumer-lag
#      exporter (deploy/lag-exporter) reports lag 0 for the group; SIGTERM
#      (podman stop) ends the container with status 0.
#
# Usage: scripts/image-test.sh [SOURCE_DIR [EVEXTRACT]]
#   EVEXTRACT   host binary for the offline extraction and for reading topics
#               (default SOURCE_DIR/build/evextract; CI builds it first)
# Environment:
#   EVX_SHARED            the shared folder (default SOURCE_DIR/../shared)
#   EVX_CACHE             cache root (default ~/.cache/evextract)
#   EVX_IMAGE             image name (default localhost/evextract:ci)
#   EVX_METRICS_OUT       where to copy the /metrics text (and
#                         EVX_METRICS_OUT.lag the lag exporter's), for
#                         scripts/deploy-check.sh
#   EVX_IMAGE_REBUILD=1   rebuild the base tarball too
set -euo pipefail
src="$(cd "${1:-$(dirname "$0")/..}" && pwd)"
evx_host="${2:-$src/build/evextract}"
cache="${EVX_CACHE:-$HOME/.cache/evextract}"
image="${EVX_IMAGE:-localhost/evextract:ci}"
base_ref="localhost/debian:bookworm-slim"
max_mb=100
NAME=image_test
t_start=$SECONDS

step() { echo "image_test: $* ($((SECONDS - t_start)) s)"; }
die() { echo "image_test: FAIL: $*" >&2; exit 1; }

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"

# --- 1. tools -----------------------------------------------------------------
need=()
command -v podman >/dev/null || need+=(podman)
command -v runc >/dev/null || need+=(runc)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v npm >/dev/null || need+=(npm)
command -v curl >/dev/null || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
	step "installing ${need[*]}"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

# podman's settings for this script: vfs storage (no overlay or fuse needed),
# runc (crun fails on some hosts' cgroups), explicit ulimits (the defaults
# podman computes can exceed what an unprivileged sandbox allows), no
# cgroup management by systemd.
work="$(mktemp -d "${TMPDIR:-/tmp}/evx-image.XXXXXX")"
cat >"$work/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
export CONTAINERS_CONF="$work/containers.conf"
trap 'rm -rf "$work"' EXIT
PODMAN=(podman --storage-driver vfs)

# dockerfilelint, pinned, in the cache (npm's own cache there too).
lint_ver=1.8.0
lint_dir="$cache/npm/dockerfilelint-$lint_ver"
if [ ! -x "$lint_dir/node_modules/.bin/dockerfilelint" ]; then
	step "installing dockerfilelint $lint_ver with npm"
	mkdir -p "$lint_dir"
	npm install --prefix "$lint_dir" --cache "$cache/npm/_cache" --no-audit --no-fund \
		--loglevel=error "dockerfilelint@$lint_ver" >"$work/npm.log" 2>&1 ||
		{ tail -n 20 "$work/npm.log" >&2; die "npm install dockerfilelint failed"; }
fi
if ! (cd "$src" && "$lint_dir/node_modules/.bin/dockerfilelint" Dockerfile deploy/lag-exporter/Dockerfile) \
		>"$work/lint.txt" 2>&1; then
	cat "$work/lint.txt" >&2
	die "dockerfilelint found problems"
fi
step "dockerfilelint $lint_ver: Dockerfile and deploy/lag-exporter/Dockerfile clean"

# --- 2. base ------------------------------------------------------------------
# debootstrap from the mirror apt uses; the trimmed tree is kept as a tarball
# named after this script's recipe (the lines between the markers), so an
# edited recipe makes a new one.
base_dir="$cache/image"
recipe_sum="$(sed -n '/^[[:space:]]*# BASE RECIPE START/,/^[[:space:]]*# BASE RECIPE END/p' "$0" | sha256sum | cut -c1-12)"
base_tar="$base_dir/debian-bookworm-minbase-$recipe_sum.tar"
mirror_url() {
	local u
	u="$(grep -rhoE '^(deb|URIs:) +(\[[^]]*\] +)?https?://[^ ]+/debian/?( |$)' \
		/etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null |
		grep -oE 'https?://[^ ]+' | head -n 1)"
	echo "${u:-http://deb.debian.org/debian}"
}
if [ ! -f "$base_tar" ] || [ "${EVX_IMAGE_REBUILD:-0}" = 1 ]; then
	mirror="$(mirror_url)"
	step "debootstrap bookworm minbase from $mirror"
	mkdir -p "$base_dir"
	root="$work/rootfs"
	# BASE RECIPE START
	$SUDO debootstrap --variant=minbase bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 ||
		{ tail -n 20 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
	# Like Docker Hub's slim images: no documentation, manuals or translations
	# installed later, no package cache kept, the three suites in the sources.
	$SUDO tee "$root/etc/dpkg/dpkg.cfg.d/slim" >/dev/null <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
EOF
	$SUDO tee "$root/etc/apt/apt.conf.d/slim" >/dev/null <<'EOF'
APT::Install-Recommends "false";
Acquire::Languages "none";
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };
EOF
	$SUDO rm -f "$root/etc/apt/sources.list"
	$SUDO tee "$root/etc/apt/sources.list.d/debian.sources" >/dev/null <<EOF
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${mirror%/debian*}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
	$SUDO find "$root/usr/share/doc" -mindepth 2 ! -name copyright ! -type d -delete
	$SUDO rm -rf "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/var/lib/apt/lists/* \
		"$root"/var/cache/apt/* "$root"/var/log/*.log "$root"/var/log/apt/* "$root"/tmp/* \
		"$root"/var/cache/debconf/*-old "$root"/var/lib/dpkg/*-old
	$SUDO find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
	# BASE RECIPE END
	$SUDO tar -C "$root" --numeric-owner -cf "$base_tar.tmp" .
	mv "$base_tar.tmp" "$base_tar"
	$SUDO rm -rf "$root"
	rm -f "$base_dir"/debian-bookworm-minbase-*.tar.old
fi
# Import it unless the image store already has this very tarball.
if [ "$("${PODMAN[@]}" image inspect --format '{{ index .Labels "evx.base" }}' "$base_ref" 2>/dev/null)" != "$recipe_sum" ]; then
	"${PODMAN[@]}" import --quiet --change "LABEL evx.base=$recipe_sum" --change 'CMD ["bash"]' \
		"$base_tar" "$base_ref" >/dev/null
fi
step "base $base_ref: $(du -m "$base_tar" | cut -f1) MB tarball ($base_tar)"

# --- 3. build -----------------------------------------------------------------
tb=$SECONDS
# --layers=false: each stage is committed once, not after every step, which
# with vfs storage (a full copy per layer) saves minutes.
"${PODMAN[@]}" build --format docker --isolation chroot --network host --pull=never --layers=false \
	--build-arg BASE_REPO=localhost/debian -t "$image" -f "$src/Dockerfile" "$src" \
	>"$work/build.log" 2>&1 ||
	{ tail -n 40 "$work/build.log" >&2; die "podman build failed (log above)"; }
step "built $image in $((SECONDS - tb)) s"
grep -A1 -- '--version' "$work/build.log" | grep -m1 '^evextract ' || true

# --- 4. size, user, version ---------------------------------------------------
size=$("${PODMAN[@]}" image inspect --format '{{.Size}}' "$image")
size_mb=$(( (size + 999999) / 1000000 ))
user=$("${PODMAN[@]}" image inspect --format '{{.Config.User}}' "$image")
health=$("${PODMAN[@]}" image inspect --format '{{json .Config.Healthcheck}}' "$image")
echo "image_test: size ${size_mb} MB (limit $max_mb), user '$user', healthcheck $health"
[ "$size_mb" -lt "$max_mb" ] || die "the image is ${size_mb} MB, not under $max_mb MB"
case "${user%%:*}" in "" | 0 | root) die "the image runs as root ('$user')" ;; esac
[ "$health" != "null" ] && [ -n "$health" ] || die "the image has no HEALTHCHECK (built with --format docker?)"
RUN=("${PODMAN[@]}" run --runtime runc --network host --log-level error
	--ulimit nofile=1024:1024 --ulimit nproc=4096:4096)
ruid=$("${RUN[@]}" --rm --no-healthcheck --entrypoint /bin/bash "$image" -c 'echo $UID')
[ "$ruid" != 0 ] || die "the container's process runs as uid 0"
version=$("${RUN[@]}" --rm --no-healthcheck "$image" --version)
step "runs as uid $ruid; $version"

# --- 5. against the test broker -----------------------------------------------
# shellcheck source=tests/service_lib.sh
. "$src/tests/service_lib.sh"
svc_init "$src" "$evx_host"
cid=""
lag_pid=""
image_cleanup() {
	local rc=$?
	# No errexit here: the "(exit $rc)" below must not end the trap before
	# svc_cleanup stops the broker.
	set +e
	if [ -n "$cid" ]; then
		[ $rc -ne 0 ] && { echo "--- container log:" >&2; "${PODMAN[@]}" logs --tail 30 "$cid" >&2 2>&1 || true; }
		"${PODMAN[@]}" rm -f -t 0 "$cid" >/dev/null 2>&1 || true
	fi
	[ -n "$lag_pid" ] && kill "$lag_pid" 2>/dev/null
	rm -rf "$work"
	(exit $rc)
	svc_cleanup
}
trap image_cleanup EXIT
svc_broker_start
# The mounted pack: a copy with its own version, so the events show which
# pack the container used.
# It is laid out as the kubelet lays out a ConfigMap volume: the files in a
# hidden timestamped folder, "..data" linking to it, "core" linking through
# "..data"; an update writes a new folder and swaps "..data" atomically.
sed -i 's/^version: .*/version: 7.7.7/' "$rules/core/pack.yaml"
cm="$dir/cm"
mkdir -p "$cm/..v1"
cp -r "$rules/core" "$cm/..v1/core"
ln -s ..v1 "$cm/..data"
ln -s ..data/core "$cm/core"
cp "$shared/corpus/seeds/articles.jsonl" "$dir/articles.jsonl"
printf '%s\n' '{"id": "image-bad", "body": "cut' >>"$dir/articles.jsonl"
svc_produce "$dir/articles.jsonl"
"$evx" extract --rules "$rules" -q "$shared/corpus/seeds/articles.jsonl" >"$dir/want.jsonl"
want=$(wc -l <"$dir/want.jsonl")
[ "$want" -gt 0 ] || fail "the offline extraction found no events"
say "produced $(wc -l <"$dir/articles.jsonl") articles (one malformed); offline: $want events"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
tr0=$SECONDS
cid=$("${RUN[@]}" -d --read-only --name "evx-image-test-$$" \
	-v "$cm:/etc/evextract/rules:ro" \
	-e EVEXTRACT_BROKERS="$KAFKA_BOOTSTRAP" \
	-e EVEXTRACT_HTTP="127.0.0.1:$port" \
	-e EVEXTRACT_GROUP_ID=image-test \
	-e EVEXTRACT_TRANSACTIONAL_ID=image-test-0 \
	-e EVEXTRACT_KAFKA_SESSION_TIMEOUT_MS=6000 \
	"$image" 2>"$dir/podman-run.err")
svc_wait_events "$want" 120 || fail "fewer than $want committed events within 120 s"
svc_read_all "$dir/got.jsonl" 5
svc_check "$dir/want.jsonl" "$dir/got.jsonl" exactly-once
python3 - "$dir/got.jsonl" <<'PY' || fail "events do not name the mounted pack"
import json, sys
v = {json.loads(l)["provenance"]["rule_pack_version"] for l in open(sys.argv[1])}
assert v == {"7.7.7"}, v
PY
say "events from the container after $((SECONDS - tr0)) s: all $want, exactly once, pack core@7.7.7 (the mounted one)"

base="http://127.0.0.1:$port"
for p in /healthz /readyz; do
	code=$(curl -s -o /dev/null -w '%{http_code}' "$base$p") || true
	[ "$code" = 200 ] || fail "GET $p answered ${code:-nothing}"
done
curl -fsS "$base/metrics" >"$dir/metrics.txt" || fail "GET /metrics failed"
grep -q '^evextract_articles_consumed_total 6$' "$dir/metrics.txt" ||
	fail "articles consumed is not 6: $(grep articles_consumed "$dir/metrics.txt" || true)"
grep -q '^evextract_dlq_messages_total{reason="bad_json"} 1$' "$dir/metrics.txt" ||
	fail "the malformed article was not counted as a dead letter"
"${PODMAN[@]}" healthcheck run "$cid" >/dev/null 2>&1 ||
	"${PODMAN[@]}" exec "$cid" /usr/local/bin/evextract-healthcheck /healthz ||
	fail "the image's HEALTHCHECK command failed"
cuid=$("${PODMAN[@]}" exec "$cid" /bin/bash -c 'echo $UID')
[ "$cuid" != 0 ] || fail "the service runs as root in the container"
say "/healthz and /readyz 200, HEALTHCHECK ok, uid $cuid, $(grep -c '^evextract_' "$dir/metrics.txt") metric lines"

# Consumer lag, from the exporter the compose file runs next to the service.
if [ -f "$src/deploy/lag-exporter/lag_exporter.py" ]; then
	. "$src/deploy/lag-exporter/venv.sh"
	lport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	"$lag_py" "$src/deploy/lag-exporter/lag_exporter.py" --brokers "$KAFKA_BOOTSTRAP" \
		--groups image-test --listen "127.0.0.1:$lport" --interval 2 >"$dir/lag.log" 2>&1 &
	lag_pid=$!
	ok=""
	for _ in $(seq 1 60); do
		if curl -fsS "http://127.0.0.1:$lport/metrics" >"$dir/lag.txt" 2>/dev/null &&
			grep -q '^kafka_consumergroup_lag_sum{consumergroup="image-test",topic="articles"} 0' "$dir/lag.txt"; then
			ok=1
			break
		fi
		sleep 1
	done
	[ -n "$ok" ] || { cat "$dir/lag.log" "$dir/lag.txt" >&2 2>/dev/null; fail "the lag exporter did not report lag 0 for the group"; }
	kill "$lag_pid" 2>/dev/null; wait "$lag_pid" 2>/dev/null || true
	lag_pid=""
	say "lag exporter: group image-test, topic articles, lag 0"
fi
# A rule change as Kubernetes delivers it: a new version in a new folder,
# "..data" swapped; the service's watcher must load it without a restart,
# and a later article's events must name it (and match offline).
mkdir -p "$cm/..v2"
cp -r "$rules/core" "$cm/..v2/core"
sed -i 's/^version: .*/version: 7.7.8/' "$cm/..v2/core/pack.yaml"
ln -s ..v2 "$cm/..data.tmp"
mv -T "$cm/..data.tmp" "$cm/..data"
rm -rf "$cm/..v1"
ok=""
for _ in $(seq 1 60); do
	"${PODMAN[@]}" logs "$cid" 2>&1 | grep -q 'msg="rules reloaded".*core@7.7.8' && { ok=1; break; }
	sleep 0.5
done
[ -n "$ok" ] || fail "the swapped rule pack was not reloaded within 30 s"
head -n 1 "$shared/corpus/seeds/articles.jsonl" | sed 's/"id": *"\([^"]*\)"/"id": "\1~reload"/' >"$dir/again.jsonl"
"$evx" extract --rules "$cm" -q "$dir/again.jsonl" >"$dir/again.want"
more=$(wc -l <"$dir/again.want")
svc_produce "$dir/again.jsonl"
svc_wait_events $((want + more)) 60 || fail "no events after the rule swap"
svc_read_all "$dir/got2.jsonl" 5
python3 - "$dir/again.want" "$dir/got2.jsonl" <<'PY' || fail "events after the rule swap are wrong"
import json, sys
want = {json.loads(l)["event_id"] for l in open(sys.argv[1])}
got = [json.loads(l) for l in open(sys.argv[2])]
new = [e for e in got if e["provenance"]["rule_pack_version"] == "7.7.8"]
assert want and {e["event_id"] for e in new} == want, "ids differ from offline 7.7.8"
PY
say "rule pack swapped like a ConfigMap update: reloaded as core@7.7.8 without a restart; $more new events name it"

if [ -n "${EVX_METRICS_OUT:-}" ]; then
	cp "$dir/metrics.txt" "$EVX_METRICS_OUT"
	[ -f "$dir/lag.txt" ] && cp "$dir/lag.txt" "$EVX_METRICS_OUT.lag"
fi

ts=$SECONDS
"${PODMAN[@]}" stop -t 20 "$cid" >/dev/null 2>>"$dir/podman-run.err"
rc=$("${PODMAN[@]}" inspect --format '{{.State.ExitCode}}' "$cid")
[ "$rc" = 0 ] || fail "the container exited with $rc after SIGTERM"
say "podman stop: exit 0 after $((SECONDS - ts)) s"
echo "image_test: ok in $((SECONDS - t_start)) s (image ${size_mb} MB, uid $cuid)"
