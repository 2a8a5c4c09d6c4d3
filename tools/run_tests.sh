#!/usr/bin/env bash
# Set up .venv, then run the test suite (offline, a few minutes on 2 cores).
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup_env.sh
.venv/bin/python -m pytest tests "$@"
