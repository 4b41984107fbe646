#!/usr/bin/env bash
# Runs every test: the Rust tests (unit, and over real HTTP against the
# server and the built binary), then the official Python SDK against the
# binary that same build made. Needs only cargo and python3.
#
# With DINGCAL_TEST_POSTGRES=postgres://USER@HOST:PORT/DB set, the HTTP and
# SDK suites run a second time on PostgreSQL (each server in a fresh schema,
# dropped after), and the two-node tests run too; without it they are
# skipped, with a message.
set -euo pipefail
cd "$(dirname "$0")/.."

export DINGCAL_BIN="$PWD/target/debug/dingcal"
cargo test --locked
sdk-tests/run.sh

if [ -z "${DINGCAL_TEST_POSTGRES:-}" ]; then
    echo "skipped: the PostgreSQL runs (set DINGCAL_TEST_POSTGRES=postgres://... to run them)"
    exit 0
fi
echo "again on PostgreSQL ($DINGCAL_TEST_POSTGRES)"
DINGCAL_TEST_STORE=postgres cargo test --locked -p dingcal --test api
DINGCAL_TEST_STORE=postgres sdk-tests/run.sh
