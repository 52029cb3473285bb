#!/usr/bin/env bash
# A second local broker, secured: SASL_SSL (SCRAM-SHA-512 over TLS) only.
#
# Why: the TLS and SASL settings must be exercised against a real secured broker,
# not only unit-tested. This runs the same jars as scripts/kafka-local.sh (whose
# functions it sources) beside the plaintext broker, on its own ports and data dir.
# A throwaway CA, the broker certificate and random SCRAM passwords are made on the
# first start under the data dir (.cache/, git-ignored); `reset` throws them away.
# The KRaft controller listener stays PLAINTEXT on 127.0.0.1 (SCRAM cannot secure a
# KRaft controller listener); clients only ever get the SASL_SSL port.
#
# Usage: scripts/kafka-secure.sh {start|stop|status|reset|env|tool}
#   start             make the CA, certificate and users if missing, start the broker
#                     and wait until a SASL_SSL client gets metadata; reuses a broker
#                     already answering on the port
#   stop              stop the broker started by this script (no-op otherwise)
#   status            say whether a SASL_SSL client gets an answer on the port
#   reset             stop, then delete the data dir (certificates and users too)
#   env               print `export TIERSTREAM_...` lines for a client of this broker:
#                     eval "$(scripts/kafka-secure.sh env)"
#   tool CLASS ARGS   run a Kafka admin tool from the jars against this broker, as the
#                     client user (adds --bootstrap-server and --command-config), e.g.
#                     tool org.apache.kafka.tools.ConfigCommand --describe \
#                         --entity-type topics --entity-name customer-events-dlq
#
# Environment:
#   KAFKA_SECURE_DIR              data dir (default .cache/kafka/secure)
#   KAFKA_SECURE_PORT             SASL_SSL bootstrap port (default 9094)
#   KAFKA_SECURE_CONTROLLER_PORT  controller port (default 9095)
#   KAFKA_SECURE_START_TIMEOUT    seconds to wait for the broker (default 90)
#   KAFKA_SECURE_HEAP             broker heap (default 384m)
set -euo pipefail

secure_here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KAFKA_LOCAL_DIR="${KAFKA_SECURE_DIR:-$secure_here/../.cache/kafka/secure}"
KAFKA_LOCAL_DIR="$(mkdir -p "$KAFKA_LOCAL_DIR" && cd "$KAFKA_LOCAL_DIR" && pwd)"  # for `env`
KAFKA_LOCAL_PORT="${KAFKA_SECURE_PORT:-9094}"
KAFKA_LOCAL_CONTROLLER_PORT="${KAFKA_SECURE_CONTROLLER_PORT:-9095}"
KAFKA_LOCAL_START_TIMEOUT="${KAFKA_SECURE_START_TIMEOUT:-90}"
KAFKA_LOCAL_HEAP="${KAFKA_SECURE_HEAP:-384m}"
# shellcheck source=scripts/kafka-local.sh
source "$secure_here/kafka-local.sh"

TLS_DIR="$DATA_DIR/tls"
SECRETS_DIR="$DATA_DIR/secrets"
CLIENT_CONFIG="$DATA_DIR/client.properties"
MECHANISM=SCRAM-SHA-512
BROKER_USER=admin        # the broker's own (inter-broker) login
CLIENT_USER=tierstream   # what tierstream and the tests log in as
CERT_DAYS=30

log() { echo "kafka-secure: $*"; }
die() { echo "kafka-secure: error: $*" >&2; exit 1; }

password() { cat "$SECRETS_DIR/$1.password"; }

jaas() {
    echo "org.apache.kafka.common.security.scram.ScramLoginModule required" \
        "username=\"$1\" password=\"$(password "$1")\";"
}

# A CA and a broker certificate for 127.0.0.1 and localhost, made with openssl.
# The broker reads PEM directly (ssl.keystore.type=PEM): no keytool, no store
# passwords. Remade when missing or expiring within a day.
make_tls() {
    if [[ -s "$TLS_DIR/broker-keystore.pem" ]] \
        && openssl x509 -checkend 86400 -noout -in "$TLS_DIR/broker.pem" >/dev/null 2>&1; then
        return 0
    fi
    command -v openssl >/dev/null || die "openssl not found (needed to make the test CA)"
    log "making a throwaway CA and broker certificate in $TLS_DIR"
    rm -rf "$TLS_DIR"
    mkdir -p "$TLS_DIR"
    chmod 700 "$TLS_DIR"
    (
        cd "$TLS_DIR"
        openssl req -x509 -newkey rsa:2048 -nodes -days "$CERT_DAYS" \
            -subj "/CN=tierstream local test CA" -keyout ca.key -out ca.pem \
            -addext "basicConstraints=critical,CA:TRUE" \
            -addext "keyUsage=critical,keyCertSign,cRLSign"
        openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
            -keyout broker.key -out broker.csr
        openssl x509 -req -in broker.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
            -days "$CERT_DAYS" -out broker.pem -extfile <(printf '%s\n' \
                "subjectAltName=DNS:localhost,IP:127.0.0.1" \
                "basicConstraints=critical,CA:FALSE" \
                "keyUsage=critical,digitalSignature,keyEncipherment" \
                "extendedKeyUsage=serverAuth,clientAuth" \
                "authorityKeyIdentifier=keyid,issuer" \
                "subjectKeyIdentifier=hash")
        cat broker.key broker.pem ca.pem >broker-keystore.pem
        rm -f broker.csr ca.srl
    ) >"$TLS_DIR/openssl.log" 2>&1 || { cat "$TLS_DIR/openssl.log" >&2; die "openssl failed"; }
}

# Random passwords for the broker's and the client's SCRAM users, made once per data
# dir (they are added to the metadata when the storage is formatted).
make_secrets() {
    mkdir -p "$SECRETS_DIR"
    chmod 700 "$SECRETS_DIR"
    local user
    for user in "$BROKER_USER" "$CLIENT_USER"; do
        [[ -s "$SECRETS_DIR/$user.password" ]] \
            || head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$SECRETS_DIR/$user.password"
    done
}

write_client_config() {
    cat >"$CLIENT_CONFIG" <<EOF
# Written by scripts/kafka-secure.sh: a Java client of the secured broker.
security.protocol=SASL_SSL
sasl.mechanism=$MECHANISM
sasl.jaas.config=$(jaas "$CLIENT_USER")
ssl.truststore.type=PEM
ssl.truststore.location=$TLS_DIR/ca.pem
request.timeout.ms=5000
default.api.timeout.ms=5000
EOF
    chmod 600 "$CLIENT_CONFIG"
}

# Overrides kafka-local.sh's: one SASL_SSL listener for clients and the broker itself.
write_config() {
    cat >"$CONFIG" <<EOF
# Written by scripts/kafka-secure.sh on every start; edits are lost.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$CONTROLLER_PORT
listeners=SASL_SSL://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=SASL_SSL://$HOST:$PORT
listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=SASL_SSL
sasl.enabled.mechanisms=$MECHANISM
sasl.mechanism.inter.broker.protocol=$MECHANISM
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=$(jaas "$BROKER_USER")
ssl.keystore.type=PEM
ssl.keystore.location=$TLS_DIR/broker-keystore.pem
ssl.truststore.type=PEM
ssl.truststore.location=$TLS_DIR/ca.pem
ssl.client.auth=none
log.dirs=$KRAFT_DIR
num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
    chmod 600 "$CONFIG"
    write_client_config
}

# Overrides kafka-local.sh's: the SCRAM users are part of the formatted metadata.
format_storage() {
    if [[ ! -s "$CLUSTER_ID_FILE" ]]; then
        head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' >"$CLUSTER_ID_FILE"
    fi
    run_class kafka.tools.StorageTool format \
        -t "$(cat "$CLUSTER_ID_FILE")" -c "$CONFIG" --ignore-formatted \
        --add-scram "$MECHANISM=[name=$BROKER_USER,password=$(password "$BROKER_USER")]" \
        --add-scram "$MECHANISM=[name=$CLIENT_USER,password=$(password "$CLIENT_USER")]" \
        >"$LOG_DIR/format.log" 2>&1 \
        || { cat "$LOG_DIR/format.log" >&2; die "storage format failed"; }
}

# Overrides kafka-local.sh's: a metadata round trip as the client user over SASL_SSL.
broker_answers() {
    port_open && [[ -s "$CLIENT_CONFIG" ]] && run_class org.apache.kafka.tools.TopicCommand \
        --bootstrap-server "$BOOTSTRAP" --list --command-config "$CLIENT_CONFIG" \
        >/dev/null 2>&1
}

secure_start() {
    if ! our_pid >/dev/null && ! port_open; then
        make_tls
        make_secrets
    fi
    [[ -s "$SECRETS_DIR/$CLIENT_USER.password" ]] \
        || die "$BOOTSTRAP is taken, but not by a broker this script set up (data dir $DATA_DIR)"
    write_client_config
    cmd_start
}

secure_env() {
    [[ -s "$SECRETS_DIR/$CLIENT_USER.password" && -s "$TLS_DIR/ca.pem" ]] \
        || die "no secured broker set up in $DATA_DIR (run: $0 start)"
    local name value
    while IFS='=' read -r name value; do
        printf 'export TIERSTREAM_%s=%q\n' "$name" "$value"
    done <<EOF
BOOTSTRAP_SERVERS=$BOOTSTRAP
SECURITY_PROTOCOL=SASL_SSL
SASL_MECHANISM=$MECHANISM
SASL_USERNAME=$CLIENT_USER
SASL_PASSWORD=$(password "$CLIENT_USER")
SSL_CAFILE=$TLS_DIR/ca.pem
EOF
}

secure_tool() {
    [[ $# -ge 1 ]] || die "usage: tool CLASS [ARGS...]"
    [[ -s "$CLIENT_CONFIG" ]] || die "no secured broker set up in $DATA_DIR (run: $0 start)"
    local class="$1"
    shift
    cmd_fetch
    run_class "$class" --bootstrap-server "$BOOTSTRAP" --command-config "$CLIENT_CONFIG" "$@"
}

secure_usage() {
    sed -n '/^# Usage:/,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
}

secure_main() {
    local cmd="${1:-}"
    shift || true
    case "$cmd" in
        start) secure_start ;;
        stop) cmd_stop ;;
        status) cmd_status ;;
        reset) cmd_reset ;;
        env) secure_env ;;
        tool) secure_tool "$@" ;;
        -h | --help | help) secure_usage ;;
        *) secure_usage >&2; exit 2 ;;
    esac
}

secure_main "$@"
