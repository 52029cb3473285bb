#!/usr/bin/env bash
# Install what tierstream needs on a fresh machine, idempotently:
#   - Debian packages: kcat (independent Kafka client used by tests), prometheus
#     (promtool and a real server for the monitoring tests), a JDK and Maven
#     (to fetch and run the Kafka broker jars), when missing and we are root;
#   - a virtualenv in .venv with the project and its dev tools (pinned in pyproject.toml),
#     re-installed only when pyproject.toml changes;
#   - the Kafka jars (scripts/kafka-local.sh fetch).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
PYTHON="${PYTHON:-python3}"

need=()
command -v kcat >/dev/null || need+=(kcat)
command -v promtool >/dev/null || need+=(prometheus)
command -v java >/dev/null || need+=(default-jdk-headless)
command -v mvn >/dev/null || need+=(maven)
if ((${#need[@]})); then
    if [[ $(id -u) == 0 ]]; then
        echo "bootstrap: installing ${need[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq "${need[@]}" >/dev/null
    else
        echo "bootstrap: please install: ${need[*]} (e.g. sudo apt-get install ${need[*]})" >&2
        exit 1
    fi
fi

stamp=.venv/.installed
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [[ ! -f $stamp || "$(cat "$stamp")" != "$want" ]]; then
    echo "bootstrap: installing Python dependencies into .venv"
    [[ -x .venv/bin/python ]] || "$PYTHON" -m venv .venv
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e ".[dev]"
    echo "$want" >"$stamp"
fi

scripts/kafka-local.sh fetch
