#!/usr/bin/env bash
# Set up .venv, lint (ruff check, ruff format, docstrings: the hooks of
# .pre-commit-config.yaml), then run the test suite (offline, minutes on
# 2 cores). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup_env.sh
if git rev-parse --git-dir >/dev/null 2>&1; then
    PATH="$PWD/.venv/bin:$PATH" .venv/bin/pre-commit run --all-files \
        --show-diff-on-failure
else
    echo "lint: skipped, not a git checkout (pre-commit lints git files)"
fi
# -rs prints the reason of every skipped test.
.venv/bin/python -m pytest tests -rs "$@"
