#!/usr/bin/env bash
# Run a command with a Kafka broker answering at 127.0.0.1:${KAFKA_LOCAL_PORT:-9092}.
# If none answers, start the local single-node broker (scripts/kafka-local.sh) and
# stop it again when the command ends, however it ends. A broker that was already
# there is used as it is and left running.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
port="${KAFKA_LOCAL_PORT:-9092}"

started=0
if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    "$here/kafka-local.sh" start >/dev/null
    started=1
fi
cleanup() { if [[ $started == 1 ]]; then "$here/kafka-local.sh" stop >/dev/null; fi; }
trap cleanup EXIT
trap 'exit 130' INT TERM
"$@"
