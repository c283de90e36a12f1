#!/usr/bin/env bash
# Create the virtual environment and install privaudit with its test tools.
# On a fresh Debian machine python3-venv may be missing: install it when we are root.
set -euo pipefail
PY="${1:-python3}"
VENV="${2:-.venv}"

if ! "$PY" -m venv --help >/dev/null 2>&1 || ! "$PY" -c "import ensurepip" >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv python3-pip >/dev/null
  else
    echo "setup: python3 venv support is missing; install python3-venv" >&2
    exit 1
  fi
fi
rm -rf "$VENV"
"$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -e '.[dev]'
