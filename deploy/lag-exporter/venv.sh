# Sourced by scripts/image-test.sh: a venv with the lag exporter's
# requirements under ${EVX_CACHE:-~/.cache/evextract}/lagenv, made on the first
# run (pip, from PyPI) and reused while requirements.txt and python3 stay the
# same. Sets lag_py to its interpreter.
lag_req="$(dirname "${BASH_SOURCE[0]}")/requirements.txt"
lag_env="${EVX_CACHE:-$HOME/.cache/evextract}/lagenv"
lag_py="$lag_env/bin/python"
lag_stamp="$(python3 -c 'import sys; print(sys.version.split()[0], sys.base_prefix)') $(sha256sum "$lag_req" | cut -c1-16)"
if [ "$(cat "$lag_env/.stamp" 2>/dev/null)" != "$lag_stamp" ] ||
	! "$lag_py" -c 'import confluent_kafka' 2>/dev/null; then
	rm -rf "$lag_env"
	python3 -m venv "$lag_env" || { echo "lag exporter: python3 -m venv failed (Debian: python3-venv)" >&2; return 1; }
	"$lag_py" -m pip install --disable-pip-version-check --no-input -q --timeout 60 \
		--retries 3 --only-binary=:all: -r "$lag_req" >&2 ||
		{ echo "lag exporter: pip install -r $lag_req failed" >&2; return 1; }
	echo "$lag_stamp" >"$lag_env/.stamp"
fi
