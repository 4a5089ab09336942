#!/usr/bin/env bash
# The edit-test loop: lint, types and every test that needs no server, browser or long run (< 3 min on
# 2 cores). The whole suite is scripts/test.sh; CI runs that one.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check src tests bench
.venv/bin/ruff format --check src tests bench
.venv/bin/mypy
# The units and the contracts: the layers, the docs, the CLI in-process, the parser, checks and collectors
# (the web, services and browser tests are the whole suite's).
FAST=(tests/test_layers.py tests/test_docs.py tests/core tests/domain tests/index tests/ledger tests/collect
      tests/checks tests/access tests/cli)
exec .venv/bin/pytest -q -p no:cacheprovider -m "not (slow or e2e or postgres or s3)" --durations=10 "${@:-${FAST[@]}}"
