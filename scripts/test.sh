#!/usr/bin/env bash
# Runs every test: the Rust tests (unit, and over real HTTP against the
# server and the built binary), then the official Python SDK against the
# binary that same build made. Needs only cargo and python3.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo test --locked
DINGCAL_BIN="$PWD/target/debug/dingcal" sdk-tests/run.sh
