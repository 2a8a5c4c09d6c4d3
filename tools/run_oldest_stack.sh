#!/usr/bin/env bash
# A fast subset of the tests on the oldest stack mmspml declares
# (requirements/oldest.txt), in a second venv built once and reused:
# ${MMSPML_OLDEST_VENV:-~/.cache/mmspml/venv-oldest}. `--build` creates it
# (a few minutes: torch 2.9.1 is a CUDA build of several GB); without it,
# a missing venv is reported and skipped, so CI runs this whenever the venv
# is present.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${MMSPML_OLDEST_VENV:-$HOME/.cache/mmspml/venv-oldest}
if [ ! -x "$venv/bin/python" ]; then
    if [ "${1:-}" != "--build" ]; then
        echo "oldest stack: skipped, no venv at $venv (build it with" \
             "bash tools/run_oldest_stack.sh --build)"
        exit 0
    fi
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check \
        "pip>=23,<25.3" wheel
    "$venv/bin/python" -m pip install -q --disable-pip-version-check \
        -r requirements/oldest.txt
fi
"$venv/bin/python" -c 'import torch, mmengine, mmcv, mmpretrain; print(
    "oldest stack: torch", torch.__version__, "mmengine", mmengine.__version__,
    "mmcv", mmcv.__version__, "mmpretrain", mmpretrain.__version__)'
# The repository's mmspml, not an installed copy.
PYTHONPATH=$PWD "$venv/bin/python" -m pytest -q -p no:cacheprovider \
    tests/test_models tests/test_utils tests/test_evaluation \
    tests/test_datasets/test_protocol.py \
    tests/test_engine/test_loss_hooks_stay.py
