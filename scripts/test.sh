#!/usr/bin/env bash
# Runs every test: the Rust tests (unit, the storage suite, and over real
# HTTP against the server and the built binary), then the official Python
# SDK against the binary that same build made. Needs only cargo and python3.
#
# The Rust tests that need PostgreSQL (the storage suite's PostgreSQL half,
# the two-node tests) are #[ignore]d, so that a plain `cargo test` reports
# them as ignored rather than passed. With
# DINGCAL_TEST_POSTGRES=postgres://USER@HOST:PORT/DB set, this runs them
# (`--include-ignored`), then runs the HTTP and SDK suites a second time on
# PostgreSQL (each server in a fresh schema, dropped after); without it,
# those are skipped, with a message.
set -euo pipefail
cd "$(dirname "$0")/.."

# The binary the build below makes, wherever cargo puts its target dir.
target_dir="${CARGO_TARGET_DIR:-target}"
case "$target_dir" in
    /*) ;;
    *) target_dir="$PWD/$target_dir" ;;
esac
export DINGCAL_BIN="$target_dir/debug/dingcal"

if [ -n "${DINGCAL_TEST_POSTGRES:-}" ]; then
    cargo test --locked -- --include-ignored
else
    cargo test --locked
fi
sdk-tests/run.sh

if [ -z "${DINGCAL_TEST_POSTGRES:-}" ]; then
    echo "skipped: the PostgreSQL runs (set DINGCAL_TEST_POSTGRES=postgres://... to run them)"
    exit 0
fi
echo "again on PostgreSQL ($DINGCAL_TEST_POSTGRES)"
# The HTTP suite on PostgreSQL, from the build above: the same packages
# selected (no -p), so that features resolve as they did and nothing is
# built again. Left out: its ignored tests (the two-node ones, which ran
# above) and the process tests, which start SQLite servers whatever the
# suite's store, and ran above too.
DINGCAL_TEST_STORE=postgres cargo test --locked --test api -- --skip process::
DINGCAL_TEST_STORE=postgres sdk-tests/run.sh
