#!/usr/bin/env bash
# Second command of the README, and what CI runs: install what is missing, lint, run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/ruff check src tests bench
.venv/bin/ruff format --check src tests bench
.venv/bin/mypy
mkdir -p test-artifacts
exec .venv/bin/pytest -q -p no:cacheprovider --durations=15 "$@"
