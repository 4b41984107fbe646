#!/usr/bin/env bash
# Runs the SDK-driven test suite against a dingcal binary.
#
#   sdk-tests/run.sh [pytest args...]
#
# Works from any directory. Creates a virtualenv at $REPO/.venv-sdk on first
# use and installs requirements.txt into it. The binary under test is
# $DINGCAL_BIN if set, else debug/dingcal in $CARGO_TARGET_DIR if that is
# set, else $REPO/target/debug/dingcal.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
VENV="$REPO/.venv-sdk"

if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$HERE/requirements.txt"

# A relative DINGCAL_BIN (or CARGO_TARGET_DIR) is taken from the directory
# run.sh was called from.
if [ -z "${DINGCAL_BIN:-}" ] && [ -n "${CARGO_TARGET_DIR:-}" ]; then
    DINGCAL_BIN="$CARGO_TARGET_DIR/debug/dingcal"
fi
if [ -n "${DINGCAL_BIN:-}" ]; then
    case "$DINGCAL_BIN" in
        /*) ;;
        *) DINGCAL_BIN="$PWD/$DINGCAL_BIN" ;;
    esac
    export DINGCAL_BIN
fi

cd "$REPO"
exec "$VENV/bin/python" -m pytest -q sdk-tests "$@"
