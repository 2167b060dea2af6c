#!/usr/bin/env bash
# Installs the build and test dependencies on Debian or Ubuntu (apt-get).
# Idempotent: packages already present are left alone.
set -euo pipefail
pkgs=(build-essential cmake pkg-config libpcre2-dev libprotobuf-c-dev
      protobuf-c-compiler libyaml-dev libvectorscan-dev libcjson-dev python3
      python3-venv librdkafka-dev libevent-dev  # python3-venv: tests/python_consumer.sh
      openjdk-17-jre-headless maven)  # Java and Maven: the Kafka broker for tests
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null ||
      { echo "setup-deps: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    SUDO="sudo"
  fi
  echo "setup-deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
