#!/usr/bin/env bash
# Runs a throwaway single-node Apache Kafka broker (KRaft, broker and
# controller in one JVM) on 127.0.0.1 for tests and the demo.
#
# The broker and its tools come from Maven Central through deploy/kafka/pom.xml
# and are kept in ${EVX_CACHE:-$HOME/.cache/evextract}/kafka, so only the first
# run needs the network. Each broker lives in one folder (--dir) that holds its
# config, data, log and broker.env; `start` prints the bootstrap address and
# the other subcommands find the broker through that folder.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
POM="$ROOT/deploy/kafka/pom.xml"
CACHE="${EVX_CACHE:-$HOME/.cache/evextract}/kafka"
READY_TIMEOUT="${KAFKA_READY_TIMEOUT:-60}"
STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"
BROKER_HEAP="${KAFKA_HEAP_OPTS:--Xms128m -Xmx512m}"
# The tools are short-lived JVMs: small heap and quick startup over peak speed.
TOOL_JVM=(-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true)

usage() {
  cat <<EOF
Usage: scripts/kafka-broker.sh COMMAND [--dir DIR] [ARGS]

Runs a single-node Kafka broker (KRaft mode, broker and controller in one JVM,
listening on 127.0.0.1 only) for tests and the demo.

Commands:
  start [--dir DIR]     Fetch Kafka if it is not cached yet, pick two free ports,
                        write DIR/server.properties, format DIR/data, start the
                        broker in the background (log: DIR/broker.log) and wait
                        until it answers (at most \$KAFKA_READY_TIMEOUT s, default
                        60). Prints KAFKA_BOOTSTRAP=127.0.0.1:PORT and writes it,
                        with KAFKA_PID and more, to DIR/broker.env (sourceable).
                        DIR defaults to a new folder from mktemp -d; it is
                        created if missing and must not hold a running broker.
  start --sasl-ssl PEM [--sasl-user USER:PASSWORD]... [--dir DIR]
                        The same, plus a SASL_SSL listener on a third port:
                        TLS with the broker's private key (unencrypted PKCS#8)
                        and certificate chain from the file PEM, no client
                        certificates; SASL mechanisms PLAIN and SCRAM-SHA-512,
                        each --sasl-user known to both (SCRAM users are
                        written at format time). Prints and writes
                        KAFKA_SASL_SSL_BOOTSTRAP too; the PLAINTEXT listener
                        stays, and the tools use it.
  stop [--dir DIR]      SIGTERM the broker, wait up to \$KAFKA_STOP_TIMEOUT s
                        (default 30), then SIGKILL. Leaves DIR in place.
  restart [--dir DIR]   Start the stopped broker of DIR again on the same ports
                        and data (no formatting: topics, offsets and
                        transactions are kept); waits and prints like start.
  status [--dir DIR]    Say whether the broker is running; exit 0 if it is.
  topics [--dir DIR] create NAME [PARTITIONS]
                        Create a topic (replication factor 1, default 1 partition).
  topics [--dir DIR] list
                        List the topics.
  produce [--dir DIR] TOPIC [EXTRA...]
                        Send each line of standard input as one message.
                        EXTRA goes to the console producer as it is.
  consume [--dir DIR] TOPIC [--from-beginning] [--max N]
          [--isolation read_committed|read_uncommitted] [--timeout-ms MS]
                        Print messages, one a line. With --max, stop after N
                        messages, or fail after MS ms without one (default
                        30000); without --max, run until interrupted unless
                        --timeout-ms is given.
  resolve               Only fetch Kafka into the cache; print the jar folder.
  help, --help, -h      This text.

Without --dir, every command but start uses \$KAFKA_BROKER_DIR, else the folder
of the last broker started with this cache.

Environment:
  EVX_CACHE             cache root (default \$HOME/.cache/evextract); Kafka's
                        jars and Maven's repository go in \$EVX_CACHE/kafka
  KAFKA_READY_TIMEOUT   seconds to wait for the broker (default 60)
  KAFKA_STOP_TIMEOUT    seconds to wait after SIGTERM (default 30)
  KAFKA_HEAP_OPTS       broker heap (default "-Xms128m -Xmx512m")

Needs Java 17 or newer, and Maven for the first run (scripts/setup-deps.sh
installs both on Debian). Kafka version: see deploy/kafka/pom.xml.
EOF
}

die() { echo "kafka-broker: $*" >&2; exit 1; }
say() { echo "kafka-broker: $*" >&2; }

need_java() {
  command -v java >/dev/null ||
    die "java not found; Java 17 or newer is needed (bash scripts/setup-deps.sh installs it)"
  local v
  v="$(java -version 2>&1 | sed -n 's/.*version "\([0-9][0-9]*\).*/\1/p' | head -n1)"
  [ -n "$v" ] && [ "$v" -ge 17 ] ||
    die "Java 17 or newer is needed, found: $(java -version 2>&1 | head -n1)"
}

# Prints the folder of Kafka's jars, fetching them first if the cache lacks
# them. The folder is named after the pom's checksum, so a changed pom fetches
# anew and a complete folder is used without Maven (no network).
resolve() {
  local sum lib tmp log
  sum="$(sha256sum "$POM" | cut -c1-12)"
  lib="$CACHE/lib-$sum"
  if [ -f "$lib/.complete" ]; then
    echo "$lib"
    return 0
  fi
  command -v mvn >/dev/null ||
    die "mvn not found and Kafka is not cached in $lib (bash scripts/setup-deps.sh installs Maven)"
  mkdir -p "$CACHE"
  tmp="$(mktemp -d "$CACHE/lib-$sum.tmp.XXXXXX")"
  log="$CACHE/resolve.log"
  say "fetching Kafka with Maven into $lib (log: $log)"
  # Offline first: Maven's cached repository may already hold every jar.
  if ! { [ -d "$CACHE/m2" ] && mvn -B -o -f "$POM" -Dmaven.repo.local="$CACHE/m2" \
           -Dkafka.lib.dir="$tmp" validate >"$log" 2>&1; } &&
     ! mvn -B -f "$POM" -Dmaven.repo.local="$CACHE/m2" \
        -Dkafka.lib.dir="$tmp" validate >"$log" 2>&1; then
    rm -rf "$tmp"
    tail -n 30 "$log" >&2
    die "Maven could not fetch Kafka; see $log"
  fi
  ls "$tmp"/kafka_2.13-*.jar >/dev/null 2>&1 ||
    { rm -rf "$tmp"; die "Maven ran but no broker jar landed in $tmp; see $log"; }
  touch "$tmp/.complete"
  # Another run may have finished first; keep whichever folder is complete.
  if ! mv -T "$tmp" "$lib" 2>/dev/null; then
    rm -rf "$tmp"
    [ -f "$lib/.complete" ] || die "could not move the jars into $lib"
  fi
  echo "$lib"
}

# Prints N (default 2) free TCP ports on 127.0.0.1, holding them all while it
# asks so they differ. A port can still be taken before the broker binds it;
# start retries.
free_ports() {
  local want="${1:-2}"
  if command -v python3 >/dev/null; then
    python3 - "$want" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
    return
  fi
  # Without Python: random ports in a range the kernel does not hand out by
  # default, skipping those that answer a connect.
  local p ports=()
  while [ ${#ports[@]} -lt "$want" ]; do
    p=$((20000 + RANDOM % 12000))
    [[ " ${ports[*]} " == *" $p "* ]] && continue
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
    ports+=("$p")
  done
  echo "${ports[*]}"
}

# Sets DIR from --dir, $KAFKA_BROKER_DIR or the last started broker; the
# remaining arguments are left in ARGS.
parse_dir() {
  DIR=""
  ARGS=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --dir) [ $# -ge 2 ] || die "--dir needs a folder"; DIR="$2"; shift 2 ;;
      --dir=*) DIR="${1#--dir=}"; shift ;;
      *) ARGS+=("$1"); shift ;;
    esac
  done
}

default_dir() {
  [ -n "$DIR" ] && return 0
  if [ -n "${KAFKA_BROKER_DIR:-}" ]; then
    DIR="$KAFKA_BROKER_DIR"
  elif [ -f "$CACHE/last-dir" ]; then
    DIR="$(cat "$CACHE/last-dir")"
  else
    die "no --dir given and no broker started yet"
  fi
}

# Loads DIR/broker.env (KAFKA_BOOTSTRAP, KAFKA_PID, KAFKA_LIB).
load_env() {
  default_dir
  [ -f "$DIR/broker.env" ] ||
    die "no broker in $DIR (missing $DIR/broker.env; run: scripts/kafka-broker.sh start --dir $DIR)"
  # shellcheck disable=SC1091
  . "$DIR/broker.env"
}

# True when PID is alive and is the broker of DIR (not a reused PID).
is_broker() {
  local pid="$1"
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "kafka.Kafka $DIR/server.properties"
}

write_log4j() {
  # Broker: INFO to its log file (standard output is redirected there).
  cat >"$DIR/log4j2-broker.properties" <<'EOF'
status = warn
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.out.ref = OUT
logger.kafka-request.name = kafka.request.logger
logger.kafka-request.level = warn
logger.state-change.name = state.change.logger
logger.state-change.level = warn
EOF
  # Tools: only warnings, on standard error, so standard output stays data.
  cat >"$DIR/log4j2-tools.properties" <<'EOF'
status = warn
appender.err.type = Console
appender.err.name = ERR
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = warn
rootLogger.appenderRef.err.ref = ERR
EOF
}

write_properties() {
  local port="$1" cport="$2" sport="${3:-}"
  local listeners="PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport"
  local advertised="PLAINTEXT://127.0.0.1:$port"
  local protocols="PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
  if [ -n "$sport" ]; then
    listeners="$listeners,SASL_SSL://127.0.0.1:$sport"
    advertised="$advertised,SASL_SSL://127.0.0.1:$sport"
    protocols="$protocols,SASL_SSL:SASL_SSL"
  fi
  cat >"$DIR/server.properties" <<EOF
# Written by scripts/kafka-broker.sh: a single-node KRaft broker for tests.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=$listeners
advertised.listeners=$advertised
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=$protocols
log.dirs=$DIR/data
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
min.insync.replicas=1
group.initial.rebalance.delay.ms=0
EOF
  [ -n "$sport" ] || return 0
  # The SASL_SSL listener (start --sasl-ssl): PLAIN and SCRAM-SHA-512 over
  # TLS, the key and certificate chain from a PEM file copied into DIR, no
  # client certificates. PLAIN users are listed in its JAAS line; SCRAM
  # users were written into the metadata at format time. (librdkafka before
  # 2.6.1 cannot log in to Kafka 4 with SCRAM: its client proof repeats the
  # nonce, which Kafka 4 rejects. PLAIN works with any version.)
  local u jaas="org.apache.kafka.common.security.plain.PlainLoginModule required"
  for u in ${SASL_USERS[@]+"${SASL_USERS[@]}"}; do
    jaas="$jaas user_${u%%:*}=\"${u#*:}\""
  done
  cat >>"$DIR/server.properties" <<EOF
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-512
listener.name.sasl_ssl.sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-512
listener.name.sasl_ssl.plain.sasl.jaas.config=$jaas;
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.ssl.keystore.type=PEM
listener.name.sasl_ssl.ssl.keystore.location=$DIR/sasl-ssl-keystore.pem
listener.name.sasl_ssl.ssl.client.auth=none
EOF
}

# Runs a Kafka command-line class with the tools' logging setup.
tool() {
  local cls="$1"
  shift
  java "${TOOL_JVM[@]}" -Dlog4j2.configurationFile="$DIR/log4j2-tools.properties" \
    -cp "$KAFKA_LIB/*" "$cls" "$@"
}

# Starts the broker once with fresh ports; returns 0 when it is ready, 2 when
# it lost a port race (the caller retries), and exits on other failures.
start_once() {
  local port cport sport="" cid scram=() u
  if [ -n "$SASL_PEM" ]; then
    read -r port cport sport <<<"$(free_ports 3)"
  else
    read -r port cport <<<"$(free_ports)"
  fi
  write_properties "$port" "$cport" "$sport"
  rm -rf "$DIR/data"
  # A Kafka cluster id is 16 random bytes in URL-safe base64. One id in 64
  # starts with "-", which the tool's argument parser takes for an option, so
  # draw again until it does not.
  cid="-"
  while [[ "$cid" == -* ]]; do
    cid="$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
  done
  for u in ${SASL_USERS[@]+"${SASL_USERS[@]}"}; do
    scram+=(--add-scram "SCRAM-SHA-512=[name=${u%%:*},password=${u#*:}]")
  done
  if ! tool kafka.tools.StorageTool format -t "$cid" -c "$DIR/server.properties" \
        ${scram[@]+"${scram[@]}"} >"$DIR/format.log" 2>&1; then
    cat "$DIR/format.log" >&2
    die "formatting the storage in $DIR/data failed; see $DIR/format.log"
  fi
  : >"$DIR/broker.log"
  launch "$port" "$cport" "$sport"
}

# Launches the broker of DIR/server.properties on its formatted DIR/data and
# waits until it is ready; returns 0 then, 2 when a port was taken (the log
# says "Address already in use"), and exits on other failures.
launch() {
  local port="$1" cport="$2" sport="${3:-}" pid waited
  # A session of its own, so the broker outlives this script and a Ctrl-C
  # meant for the caller; `stop` ends it.
  # shellcheck disable=SC2086
  setsid java $BROKER_HEAP -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$DIR/log4j2-broker.properties" \
    -Dkafka.logs.dir="$DIR" \
    -cp "$KAFKA_LIB/*" kafka.Kafka "$DIR/server.properties" \
    >>"$DIR/broker.log" 2>&1 </dev/null &
  pid=$!
  {
    echo "KAFKA_BOOTSTRAP=127.0.0.1:$port"
    echo "KAFKA_CONTROLLER=127.0.0.1:$cport"
    echo "KAFKA_PID=$pid"
    echo "KAFKA_DIR=$DIR"
    echo "KAFKA_LIB=$KAFKA_LIB"
    [ -z "$sport" ] || echo "KAFKA_SASL_SSL_BOOTSTRAP=127.0.0.1:$sport"
  } >"$DIR/broker.env"
  echo "$DIR" >"$CACHE/last-dir"

  # Ready means the admin tool can list topics. Poll the port first (cheap),
  # then ask the broker itself, which takes a JVM start per try.
  waited=0
  local t0=$SECONDS
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      wait "$pid" 2>/dev/null || true
      if grep -q "Address already in use" "$DIR/broker.log"; then
        say "a port was taken before the broker bound it; trying other ports"
        return 2
      fi
      tail -n 40 "$DIR/broker.log" >&2
      die "the broker exited during startup; see $DIR/broker.log"
    fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null &&
       { [ -z "$sport" ] || (exec 3<>"/dev/tcp/127.0.0.1/$sport") 2>/dev/null; } &&
       tool org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$port" \
         --list >/dev/null 2>>"$DIR/ready.log"; then
      break
    fi
    waited=$((SECONDS - t0))
    if [ "$waited" -ge "$READY_TIMEOUT" ]; then
      tail -n 40 "$DIR/broker.log" >&2
      kill -KILL "$pid" 2>/dev/null || true
      die "the broker was not ready after ${READY_TIMEOUT} s (killed it); see $DIR/broker.log"
    fi
    sleep 0.5
  done
  echo "KAFKA_READY_SECONDS=$((SECONDS - t0))" >>"$DIR/broker.env"
  say "broker ready on 127.0.0.1:$port in $((SECONDS - t0)) s (pid $pid, log $DIR/broker.log)"
  echo "KAFKA_BOOTSTRAP=127.0.0.1:$port"
  [ -z "$sport" ] || echo "KAFKA_SASL_SSL_BOOTSTRAP=127.0.0.1:$sport"
}

cmd_start() {
  parse_dir "$@"
  SASL_PEM=""
  SASL_USERS=()
  set -- ${ARGS[@]+"${ARGS[@]}"}
  while [ $# -gt 0 ]; do
    case "$1" in
      --sasl-ssl) [ $# -ge 2 ] || die "--sasl-ssl needs a PEM file (key and certificates)"
        SASL_PEM="$2"; shift 2 ;;
      --sasl-user) [ $# -ge 2 ] && [[ "$2" =~ ^[A-Za-z0-9._-]+:[A-Za-z0-9._@%+=-]+$ ]] ||
          die "--sasl-user needs USER:PASSWORD (letters, digits and ._- in the name; also @%+= in the password)"
        SASL_USERS+=("$2"); shift 2 ;;
      *) die "start: unexpected argument: $1" ;;
    esac
  done
  [ ${#SASL_USERS[@]} -eq 0 ] || [ -n "$SASL_PEM" ] || die "--sasl-user needs --sasl-ssl"
  if [ -n "$SASL_PEM" ]; then
    [ -r "$SASL_PEM" ] || die "cannot read $SASL_PEM"
    grep -q 'PRIVATE KEY' "$SASL_PEM" && grep -q 'CERTIFICATE' "$SASL_PEM" ||
      die "$SASL_PEM must hold the broker's private key and certificate chain (PEM)"
  fi
  need_java
  if [ -z "$DIR" ]; then
    DIR="$(mktemp -d "${TMPDIR:-/tmp}/evx-kafka.XXXXXX")"
  fi
  mkdir -p "$DIR"
  DIR="$(cd "$DIR" && pwd)"
  if [ -f "$DIR/broker.env" ]; then
    local KAFKA_PID=""
    # shellcheck disable=SC1091
    . "$DIR/broker.env"
    ! is_broker "$KAFKA_PID" ||
      die "a broker already runs in $DIR (pid $KAFKA_PID); stop it first"
  fi
  KAFKA_LIB="$(resolve)"
  write_log4j
  if [ -n "$SASL_PEM" ]; then
    cp "$SASL_PEM" "$DIR/sasl-ssl-keystore.pem"
    chmod 600 "$DIR/sasl-ssl-keystore.pem"
  fi
  local try rc
  for try in 1 2 3; do
    rc=0
    start_once || rc=$?
    [ $rc -eq 2 ] || return $rc
  done
  tail -n 20 "$DIR/broker.log" >&2
  die "could not bind free ports after 3 tries; see $DIR/broker.log"
}

cmd_stop() {
  parse_dir "$@"
  load_env
  if ! is_broker "$KAFKA_PID"; then
    say "no broker running in $DIR (pid ${KAFKA_PID:-?} is gone)"
    return 0
  fi
  local t0=$SECONDS
  kill -TERM "$KAFKA_PID"
  while is_broker "$KAFKA_PID"; do
    if [ $((SECONDS - t0)) -ge "$STOP_TIMEOUT" ]; then
      kill -KILL "$KAFKA_PID" 2>/dev/null || true
      sleep 0.2
      say "broker (pid $KAFKA_PID) ignored SIGTERM for ${STOP_TIMEOUT} s; killed it (log: $DIR/broker.log)"
      return 1
    fi
    sleep 0.2
  done
  say "stopped broker (pid $KAFKA_PID) in $((SECONDS - t0)) s"
}

# Starts the broker of DIR again after `stop` (or a crash): same ports, same
# data, no formatting, so topics, committed offsets and transactions survive.
cmd_restart() {
  unset KAFKA_SASL_SSL_BOOTSTRAP
  parse_dir "$@"
  [ ${#ARGS[@]} -eq 0 ] || die "restart: unexpected argument: ${ARGS[0]}"
  need_java
  load_env
  ! is_broker "$KAFKA_PID" ||
    die "a broker already runs in $DIR (pid $KAFKA_PID); stop it first"
  [ -f "$DIR/server.properties" ] && [ -d "$DIR/data" ] ||
    die "no formatted broker in $DIR to restart (run: scripts/kafka-broker.sh start --dir $DIR)"
  local port="${KAFKA_BOOTSTRAP##*:}" cport="${KAFKA_CONTROLLER##*:}" rc=0 sport=""
  [ -z "${KAFKA_SASL_SSL_BOOTSTRAP:-}" ] || sport="${KAFKA_SASL_SSL_BOOTSTRAP##*:}"
  [ -f "$KAFKA_LIB/.complete" ] || KAFKA_LIB="$(resolve)"
  write_log4j
  echo "--- restart $(date -u +%FT%TZ)" >>"$DIR/broker.log"
  launch "$port" "$cport" "$sport" || rc=$?
  [ $rc -ne 2 ] || die "port $port or $cport is taken; cannot restart the broker of $DIR on them"
  return $rc
}

cmd_status() {
  parse_dir "$@"
  load_env
  if is_broker "$KAFKA_PID"; then
    echo "running: pid $KAFKA_PID, $KAFKA_BOOTSTRAP, dir $DIR"
  else
    echo "stopped: dir $DIR"
    return 1
  fi
}

running_broker() {
  load_env
  is_broker "$KAFKA_PID" ||
    die "the broker of $DIR is not running (log: $DIR/broker.log)"
}

cmd_topics() {
  parse_dir "$@"
  running_broker
  set -- "${ARGS[@]}"
  case "${1:-}" in
    create)
      [ $# -ge 2 ] && [ $# -le 3 ] || die "usage: topics --dir DIR create NAME [PARTITIONS]"
      tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_BOOTSTRAP" \
        --create --topic "$2" --partitions "${3:-1}" --replication-factor 1 ||
        die "creating topic $2 failed (broker log: $DIR/broker.log)"
      ;;
    list)
      [ $# -eq 1 ] || die "usage: topics --dir DIR list"
      tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_BOOTSTRAP" --list ||
        die "listing topics failed (broker log: $DIR/broker.log)"
      ;;
    *) die "usage: topics --dir DIR create NAME [PARTITIONS] | topics --dir DIR list" ;;
  esac
}

cmd_produce() {
  parse_dir "$@"
  running_broker
  [ ${#ARGS[@]} -ge 1 ] || die "usage: produce --dir DIR TOPIC < lines"
  local topic="${ARGS[0]}"
  tool org.apache.kafka.tools.ConsoleProducer --bootstrap-server "$KAFKA_BOOTSTRAP" \
    --topic "$topic" "${ARGS[@]:1}" ||
    die "producing to $topic failed (broker log: $DIR/broker.log)"
}

cmd_consume() {
  parse_dir "$@"
  running_broker
  set -- "${ARGS[@]}"
  [ $# -ge 1 ] || die "usage: consume --dir DIR TOPIC [--from-beginning] [--max N] [--isolation LEVEL] [--timeout-ms MS]"
  local topic="$1" opts=() max="" timeout=""
  shift
  while [ $# -gt 0 ]; do
    case "$1" in
      --from-beginning) opts+=(--from-beginning); shift ;;
      --max) [ $# -ge 2 ] || die "--max needs a number"; max="$2"; shift 2 ;;
      --isolation) [ $# -ge 2 ] || die "--isolation needs read_committed or read_uncommitted"
        opts+=(--isolation-level "$2"); shift 2 ;;
      --timeout-ms) [ $# -ge 2 ] || die "--timeout-ms needs a number"; timeout="$2"; shift 2 ;;
      *) die "consume: unknown option $1" ;;
    esac
  done
  if [ -n "$max" ]; then
    opts+=(--max-messages "$max")
    timeout="${timeout:-30000}"
  fi
  [ -z "$timeout" ] || opts+=(--timeout-ms "$timeout")
  local out rc=0
  out="$(mktemp)"
  # The consumer exits 0 on its timeout too; count what it printed to tell.
  tool org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server "$KAFKA_BOOTSTRAP" \
    --topic "$topic" "${opts[@]}" 2> >(grep -v 'Processed a total of' >&2) | tee "$out" || rc=$?
  if [ $rc -ne 0 ]; then
    rm -f "$out"
    die "consuming from $topic failed (broker log: $DIR/broker.log)"
  fi
  if [ -n "$max" ]; then
    local got
    got="$(wc -l <"$out")"
    rm -f "$out"
    [ "$got" -ge "$max" ] ||
      die "consume: got $got of $max messages from $topic before the ${timeout} ms timeout"
  fi
  rm -f "$out"
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  restart) shift; cmd_restart "$@" ;;
  status) shift; cmd_status "$@" ;;
  topics) shift; cmd_topics "$@" ;;
  produce) shift; cmd_produce "$@" ;;
  consume) shift; cmd_consume "$@" ;;
  resolve) shift; need_java; resolve ;;
  help|--help|-h) usage ;;
  "") usage >&2; exit 2 ;;
  *) echo "kafka-broker: unknown command: $1" >&2; usage >&2; exit 2 ;;
esac
