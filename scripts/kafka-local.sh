#!/usr/bin/env bash
# Local single-node Apache Kafka broker for the demo, the tests and CI.
#
# Why: tierstream needs a real Kafka (topics, consumer groups, transactions for
# exactly-once), and neither Docker nor a Kafka download site is available on
# the dev/CI machines. So we take the broker jars from Maven Central (pinned in
# kafka/pom.xml) and run ONE process in KRaft mode that is both broker and
# controller, listening on 127.0.0.1 only. No ZooKeeper, no cluster.
#
# Usage: scripts/kafka-local.sh {fetch|start|stop|status|reset|tool|topics}
#   fetch             download the jars into .cache/kafka/lib (idempotent)
#   start             start the broker in the background and wait until it
#                     answers; reuses any broker already on the bootstrap port
#   stop              stop the broker started by this script (no-op otherwise)
#   status            say whether something answers on the bootstrap port
#   reset             stop, then delete the data dir (the jars are kept)
#   tool CLASS ARGS   run a Java class from the jars, e.g.
#                     tool org.apache.kafka.tools.ConsoleProducer --help
#   topics ARGS       TopicCommand against the local broker, e.g.
#                     topics --create --topic t --partitions 8
#
# Environment:
#   KAFKA_LOCAL_DIR              data dir (default .cache/kafka/data)
#   KAFKA_LOCAL_PORT             bootstrap port (default 9092)
#   KAFKA_LOCAL_CONTROLLER_PORT  controller port (default 9093)
#   KAFKA_LOCAL_START_TIMEOUT    seconds to wait for the broker (default 60)
#   KAFKA_LOCAL_HEAP             broker heap (default 512m)
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
POM="$REPO_ROOT/kafka/pom.xml"
LOG4J_CONFIG="$REPO_ROOT/kafka/log4j2.properties"
CACHE_DIR="$REPO_ROOT/.cache/kafka"
LIB_DIR="$CACHE_DIR/lib"
STAMP="$LIB_DIR/.fetched"

DATA_DIR="${KAFKA_LOCAL_DIR:-$CACHE_DIR/data}"
HOST=127.0.0.1
PORT="${KAFKA_LOCAL_PORT:-9092}"
CONTROLLER_PORT="${KAFKA_LOCAL_CONTROLLER_PORT:-9093}"
START_TIMEOUT="${KAFKA_LOCAL_START_TIMEOUT:-60}"
STOP_TIMEOUT=30
HEAP="${KAFKA_LOCAL_HEAP:-512m}"
BOOTSTRAP="$HOST:$PORT"

PID_FILE="$DATA_DIR/kafka.pid"
LOG_DIR="$DATA_DIR/logs"           # server.log and the JVM's stdout/stderr
KRAFT_DIR="$DATA_DIR/kraft"         # log.dirs: topic data + metadata log
CONFIG="$DATA_DIR/server.properties"
CLUSTER_ID_FILE="$DATA_DIR/cluster.id"

JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

log() { echo "kafka-local: $*"; }
die() { echo "kafka-local: error: $*" >&2; exit 1; }

kafka_version() {
    sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM" | head -n1
}

# The stamp records the pinned version and the POM's checksum, so editing the
# POM (new version or dependency) triggers a clean re-fetch.
stamp_content() {
    echo "kafka $(kafka_version) pom $(sha256sum "$POM" | cut -d' ' -f1)"
}

cmd_fetch() {
    local want
    want="$(stamp_content)"
    if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$want" ]]; then
        return 0
    fi
    command -v mvn >/dev/null || die "mvn not found (needed once to fetch the Kafka jars)"
    log "fetching Kafka $(kafka_version) jars from Maven Central into $LIB_DIR"
    local tmp="$CACHE_DIR/lib.tmp.$$"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    if ! mvn -q -B -f "$POM" dependency:copy-dependencies \
            -DincludeScope=runtime -DoutputDirectory="$tmp" >"$tmp.log" 2>&1; then
        cat "$tmp.log" >&2
        rm -rf "$tmp" "$tmp.log"
        die "mvn dependency:copy-dependencies failed"
    fi
    rm -f "$tmp.log"
    echo "$want" >"$tmp/.fetched"
    rm -rf "$LIB_DIR"
    mv "$tmp" "$LIB_DIR"
}

# Run a Java class from the jars (tools: quiet log4j2 default, errors only).
run_class() {
    "$JAVA" -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
        -Dlog4j2.level=ERROR -cp "$LIB_DIR/*" "$@"
}

port_open() {
    (exec 3<>"/dev/tcp/$HOST/${1:-$PORT}") 2>/dev/null
}

# A real Kafka metadata round trip, not just an open socket.
broker_answers() {
    port_open && run_class org.apache.kafka.tools.TopicCommand \
        --bootstrap-server "$BOOTSTRAP" --list \
        --command-config <(echo "request.timeout.ms=5000"; echo "default.api.timeout.ms=5000") \
        >/dev/null 2>&1
}

# True if $1 is a live Kafka broker process. Checking the command line also
# guards against a stale pid reused by another process, and against zombies
# (their cmdline is empty; kill -0 alone would succeed).
is_broker_pid() {
    [[ -n "$1" ]] && tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline" | grep -q 'kafka\.Kafka'
}

our_pid() {
    # Prints the pid of the broker this script started, if it is alive.
    [[ -f "$PID_FILE" ]] || return 1
    local pid
    pid="$(cat "$PID_FILE")"
    is_broker_pid "$pid" || return 1
    echo "$pid"
}

write_config() {
    cat >"$CONFIG" <<EOF
# Written by scripts/kafka-local.sh on every start; edits are lost.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$KRAFT_DIR
num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
}

format_storage() {
    if [[ ! -s "$CLUSTER_ID_FILE" ]]; then
        # 16 random bytes, base64url without padding: a valid Kafka cluster id.
        head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' >"$CLUSTER_ID_FILE"
    fi
    run_class kafka.tools.StorageTool format \
        -t "$(cat "$CLUSTER_ID_FILE")" -c "$CONFIG" --ignore-formatted >"$LOG_DIR/format.log" 2>&1 \
        || { cat "$LOG_DIR/format.log" >&2; die "storage format failed"; }
}

wait_ready() {
    local pid="$1" deadline=$((SECONDS + START_TIMEOUT))
    until broker_answers; do
        if ! is_broker_pid "$pid"; then
            rm -f "$PID_FILE"
            grep -E 'ERROR|FATAL|Caused by' "$LOG_DIR/kafka.out" | tail -n 5 >&2 \
                || tail -n 5 "$LOG_DIR/kafka.out" >&2 || true
            die "broker exited during startup (see $LOG_DIR/kafka.out and server.log)"
        fi
        if ((SECONDS >= deadline)); then
            die "broker did not answer on $BOOTSTRAP within ${START_TIMEOUT}s (see $LOG_DIR/server.log)"
        fi
        sleep 1
    done
}

cmd_start() {
    local pid
    if pid="$(our_pid)"; then
        wait_ready "$pid"
        log "already running (pid $pid) on $BOOTSTRAP"
        echo "$BOOTSTRAP"
        return 0
    fi
    if port_open; then
        cmd_fetch
        broker_answers || die "$BOOTSTRAP is taken by something that does not answer as a Kafka broker"
        log "a broker already answers on $BOOTSTRAP; reusing it, nothing started"
        echo "$BOOTSTRAP"
        return 0
    fi

    if port_open "$CONTROLLER_PORT"; then
        die "controller port $HOST:$CONTROLLER_PORT is taken (set KAFKA_LOCAL_CONTROLLER_PORT)"
    fi

    cmd_fetch
    mkdir -p "$DATA_DIR" "$LOG_DIR" "$KRAFT_DIR"
    write_config
    format_storage

    log "starting Kafka $(kafka_version) (data in $DATA_DIR)"
    rm -f "$PID_FILE"
    # setsid: own session, so a Ctrl-C in the calling terminal does not hit it;
    # all std streams redirected, so callers capturing output do not block.
    # shellcheck disable=SC2016  # $$, $0 and $@ belong to the inner shell
    setsid bash -c 'echo $$ >"$0"; exec "$@"' "$PID_FILE" \
        "$JAVA" "-Xms$HEAP" "-Xmx$HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
        -Djava.awt.headless=true \
        -Dlog4j2.configurationFile="$LOG4J_CONFIG" -Dkafka.logs.dir="$LOG_DIR" \
        -cp "$LIB_DIR/*" kafka.Kafka "$CONFIG" \
        </dev/null >"$LOG_DIR/kafka.out" 2>&1 &
    # Wait for the pid file written by the child.
    local tries=50
    until [[ -s "$PID_FILE" ]] || ((--tries == 0)); do
        sleep 0.1
    done
    pid="$(cat "$PID_FILE" 2>/dev/null)" || die "broker process did not start"
    wait_ready "$pid"
    log "ready (pid $pid) on $BOOTSTRAP"
    echo "$BOOTSTRAP"
}

cmd_stop() {
    local pid
    if ! pid="$(our_pid)"; then
        rm -f "$PID_FILE"
        log "not running (nothing started by this script)"
        return 0
    fi
    log "stopping broker (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + STOP_TIMEOUT))
    while is_broker_pid "$pid"; do
        if ((SECONDS >= deadline)); then
            log "still running after ${STOP_TIMEOUT}s, sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.5
    done
    rm -f "$PID_FILE"
    log "stopped"
}

cmd_status() {
    local pid=""
    pid="$(our_pid)" || pid=""
    if broker_answers; then
        log "a broker answers on $BOOTSTRAP${pid:+ (started by this script, pid $pid)}"
    elif [[ -n "$pid" ]]; then
        log "broker process $pid is running but does not answer on $BOOTSTRAP (yet)"
        return 1
    else
        log "no broker answers on $BOOTSTRAP"
        return 1
    fi
}

cmd_reset() {
    cmd_stop
    log "deleting $DATA_DIR"
    rm -rf "$DATA_DIR"
}

cmd_tool() {
    [[ $# -ge 1 ]] || die "usage: tool CLASS [ARGS...]"
    cmd_fetch
    run_class "$@"
}

cmd_topics() {
    cmd_fetch
    run_class org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" "$@"
}

usage() {
    sed -n '/^# Usage:/,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
}

main() {
    local cmd="${1:-}"
    shift || true
    case "$cmd" in
        fetch) cmd_fetch ;;
        start) cmd_start ;;
        stop) cmd_stop ;;
        status) cmd_status ;;
        reset) cmd_reset ;;
        tool) cmd_tool "$@" ;;
        topics) cmd_topics "$@" ;;
        -h | --help | help) usage ;;
        *) usage >&2; exit 2 ;;
    esac
}

# Run only when executed; scripts/kafka-secure.sh sources this file for its functions.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    main "$@"
fi
