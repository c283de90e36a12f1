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
# PDF reports (WeasyPrint) need Pango and a CJK font; the HTML browser test needs chromium. Optional: without
# them the PDF format reports what to install and those tests skip, so never fail the setup over them.
SYSPKGS="libpango-1.0-0 libpangoft2-1.0-0 fonts-wqy-microhei chromium"
if command -v dpkg >/dev/null; then
  MISSING=$(for p in $SYSPKGS; do dpkg -s "$p" >/dev/null 2>&1 || printf '%s ' "$p"; done)
  if [ -n "$MISSING" ]; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null \
        && apt-get update -qq >/dev/null 2>&1 \
        && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $MISSING >/dev/null 2>&1; then
      echo "setup: installed $MISSING"
    else
      echo "setup: note: could not install $MISSING(PDF output and the browser test will skip)" >&2
    fi
  fi
fi
rm -rf "$VENV"
"$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -e '.[dev]'
