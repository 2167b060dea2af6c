#!/usr/bin/env bash
# `evextract run` against a broker that wants SASL over TLS.
#
# The test makes its own certificate authority and a broker certificate for
# 127.0.0.1 with openssl, starts the test broker with a SASL_SSL listener
# (scripts/kafka-broker.sh start --sasl-ssl, user "evx"), and then:
#   1. runs the service on that listener with the right password
#      (security.protocol=SASL_SSL, sasl.mechanisms=PLAIN, sasl.username,
#      sasl.password, ssl.ca.location), replays the seed articles and checks
#      that the committed events have exactly the ids of the offline
#      extraction; SIGTERM must end it with status 0;
#   2. starts it with a wrong password: it must exit non-zero within
#      WRONG_MAX_S seconds, saying that authentication failed;
#   3. starts it with the right password but another CA: it must exit
#      non-zero as quickly, saying the TLS handshake failed.
# Topics, the articles and the read-back go through the broker's PLAINTEXT
# listener, so only the service itself speaks SASL_SSL.
#
# SASL mechanism: PLAIN. The broker offers SCRAM-SHA-512 too, but librdkafka
# before 2.6.1 (Debian 12 has 2.0.2) cannot log in to Kafka 4 with SCRAM; see
# docs/KAFKA.md.
#
# Usage: tests/service_sasl_ssl.sh SOURCE_DIR EVEXTRACT; EVX_SHARED names the
# shared folder. EVX_KEEP=1 keeps the temporary folder.
set -euo pipefail
NAME=service_sasl_ssl
WRONG_MAX_S=20
# shellcheck source=tests/service_lib.sh
. "$(dirname "$0")/service_lib.sh"
svc_init "${1:-$(cd "$(dirname "$0")/.." && pwd)}" "${2:-${1:-.}/build/evextract}"
command -v openssl >/dev/null || fail "openssl is needed to make the certificates"
t0=$SECONDS

# Certificates: a CA, a broker key and certificate for 127.0.0.1 signed by
# it, and an unrelated CA for the TLS failure.
ssl="$dir/ssl"
mkdir -p "$ssl"
(
	cd "$ssl"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=evextract test CA" \
		-keyout ca.key -out ca.pem
	openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
		-keyout broker.key -out broker.csr
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n' >broker.ext
	openssl x509 -req -in broker.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
		-days 2 -extfile broker.ext -out broker.pem
	cat broker.key broker.pem >keystore.pem
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=another CA" \
		-keyout other.key -out other-ca.pem
) >"$dir/openssl.log" 2>&1 || { cat "$dir/openssl.log" >&2; fail "openssl failed"; }
openssl verify -CAfile "$ssl/ca.pem" "$ssl/broker.pem" >/dev/null ||
	fail "the broker certificate does not verify against the test CA"

# The broker, with the articles produced and the offline events computed
# while it is busy.
"$evx" extract --rules "$rules" -q "$shared/corpus/seeds/articles.jsonl" >"$dir/offline.jsonl"
want=$(wc -l <"$dir/offline.jsonl")
[ "$want" -gt 0 ] || fail "the offline extraction found no events"
mkdir -p "$dir/broker"
eval "$(bash "$broker" start --dir "$dir/broker" --sasl-ssl "$ssl/keystore.pem" \
	--sasl-user evx:evx-right-secret)"
[ -n "${KAFKA_SASL_SSL_BOOTSTRAP:-}" ] || fail "the broker printed no SASL_SSL address"
bash "$broker" topics --dir "$dir/broker" create articles 3 >/dev/null
bash "$broker" topics --dir "$dir/broker" create events 3 >/dev/null
bash "$broker" topics --dir "$dir/broker" create articles.dlq 1 >/dev/null 2>&1
bash "$broker" produce --dir "$dir/broker" articles <"$shared/corpus/seeds/articles.jsonl"
say "broker with SASL_SSL on $KAFKA_SASL_SSL_BOOTSTRAP, seeds produced, $want events expected, after $((SECONDS - t0)) s"

# sasl_run LABEL PASSWORD CA [RUN OPTIONS...]: the service on the SASL_SSL
# listener in the background (svc_start's settings otherwise).
sasl_run() {
	local label="$1" password="$2" ca="$3"
	shift 3
	KAFKA_BOOTSTRAP="$KAFKA_SASL_SSL_BOOTSTRAP" svc_start "$label" \
		--group-id "sasl-$$" --transactional-id "sasl-$label-$$" --workers 2 \
		--kafka.security.protocol SASL_SSL --kafka.sasl.mechanisms PLAIN \
		--kafka.sasl.username evx --kafka.sasl.password "$password" \
		--kafka.ssl.ca.location "$ca" "$@"
}

# sasl_refused LABEL PASSWORD CA PATTERN: the service must exit non-zero
# within WRONG_MAX_S seconds with a log line matching PATTERN.
sasl_refused() {
	local label="$1" pattern="$4" t1=$SECONDS rc=0 pid
	sasl_run "$1" "$2" "$3"
	pid="${SVC_PID[$label]}"
	while kill -0 "$pid" 2>/dev/null; do
		[ $((SECONDS - t1)) -lt "$WRONG_MAX_S" ] ||
			fail "$label: still running after $WRONG_MAX_S s"
		sleep 0.2
	done
	wait "$pid" || rc=$?
	SVC_PID[$label]=""
	[ "$rc" -ne 0 ] || fail "$label: exited with status 0"
	grep -q 'level=error msg="cannot start: Kafka authentication failed"' "${SVC_LOG[$label]}" ||
		fail "$label: no start-up error about authentication in its log"
	grep -Eq "$pattern" "${SVC_LOG[$label]}" ||
		fail "$label: the log does not say /$pattern/"
	! grep -q 'msg="running"' "${SVC_LOG[$label]}" ||
		fail "$label: it said it was running"
	say "$label: exit status $rc after $((SECONDS - t1)) s: $(grep -o 'msg="cannot start[^"]*"' "${SVC_LOG[$label]}" | head -n 1)"
}

# 1. The right credentials.
t1=$SECONDS
sasl_run right evx-right-secret "$ssl/ca.pem"
"$evx" consume events --brokers "$KAFKA_BOOTSTRAP" --events --max "$want" \
	--timeout-ms 60000 >"$dir/events.jsonl" 2>"$dir/consume.err" || {
	svc_alive right
	fail "fewer than $want committed events on the events topic"
}
svc_alive right
grep -q 'msg="brokers answered"' "${SVC_LOG[right]}" || fail "right: no start-up check logged"
svc_check "$dir/offline.jsonl" "$dir/events.jsonl" exactly-once
svc_term right 20
say "right password: $want events over SASL_SSL in $((SECONDS - t1)) s, SIGTERM exit 0"

# 2. A wrong password; 3. a CA that did not sign the broker's certificate.
sasl_refused wrong-password evx-wrong-secret "$ssl/ca.pem" \
	'SASL authentication (error|failed)|[Ii]nvalid (credentials|username or password)'
sasl_refused wrong-ca evx-right-secret "$ssl/other-ca.pem" \
	'TLS handshake failed.*certificate verify failed'
say "ok in $((SECONDS - t0)) s"
