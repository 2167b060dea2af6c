# tests/pyenv.sh - the Python venv of the tests that use protobuf and
# confluent-kafka (tests/py/requirements.txt), sourced by
# tests/python_consumer.sh, scripts/soak.sh and scripts/bench-e2e.sh.
#
# pyenv_ready REQ PYENV LOGDIR: makes or remakes the venv PYENV when the
# requirements or the interpreter changed, or when an import fails (a
# half-finished earlier install); pip's output goes to LOGDIR/pip.log. A
# lock keeps two runs from building it at once. Uses the caller's say and
# fail.
pyenv_ready() {
	local req="$1" pyenv="$2" logdir="$3" stamp py="$2/bin/python"
	mkdir -p "$(dirname "$pyenv")"
	stamp="$(python3 -c 'import sys; print(sys.version.split()[0], sys.base_prefix)') $(sha256sum "$req" | cut -c1-16)"
	exec 9>"$pyenv.lock"
	flock -w 600 9 || fail "another run holds $pyenv.lock"
	if [ "$(cat "$pyenv/.stamp" 2>/dev/null)" != "$stamp" ] ||
	   ! "$py" -c 'import google.protobuf, confluent_kafka, grpc_tools.protoc' 2>/dev/null; then
		say "making the Python venv in $pyenv"
		rm -rf "$pyenv"
		python3 -m venv "$pyenv" || fail "python3 -m venv failed (Debian: python3-venv)"
		"$py" -m pip install --disable-pip-version-check --no-input -q --timeout 60 \
			--retries 3 --only-binary=:all: -r "$req" >"$logdir/pip.log" 2>&1 ||
			{ tail -n 20 "$logdir/pip.log" >&2; fail "pip install -r $req failed"; }
		echo "$stamp" >"$pyenv/.stamp"
	fi
	flock -u 9
	exec 9>&-
}
