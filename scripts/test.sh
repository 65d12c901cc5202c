#!/usr/bin/env bash
# Install the test needs (Chromium from Debian when missing) and run every check:
# ruff, mypy, and pytest (domain, API, jobs, migrations, browser end-to-end).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh requirements-test.txt
if [ ! -x /usr/bin/chromium ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
export PATH="$PWD/.venv/bin:$PATH" REFLEX_USE_NPM=1
ruff check .
ruff format --check .
mypy
pytest "$@"
