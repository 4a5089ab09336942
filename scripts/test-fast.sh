#!/usr/bin/env bash
# The edit-test loop: lint, types and every test that needs no server, browser or long run (< 3 min on
# 2 cores). The whole suite is scripts/test.sh; CI runs that one.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check src tests bench
.venv/bin/ruff format --check src tests bench
.venv/bin/mypy
exec .venv/bin/pytest -q -p no:cacheprovider -m "not (slow or e2e or postgres or s3)" --durations=10 "$@"
