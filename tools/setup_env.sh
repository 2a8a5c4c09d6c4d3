#!/usr/bin/env bash
# Create ./.venv with the OpenMMLab stack of requirements/constraints.txt and mmspml installed in
# develop mode. Re-running is cheap: it reinstalls only when the
# requirements or setup.py changed. PYTHON picks the interpreter (3.10-3.12).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
stamp=.venv/.mmspml-setup
want=$(cat requirements/*.txt setup.py | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    exit 0
fi
if [ ! -x .venv/bin/python ]; then
    echo "Creating .venv with $($PYTHON --version 2>&1) ..."
    "$PYTHON" -m venv .venv
fi
echo "Installing the pinned stack into .venv (a few minutes on first run) ..."
# pip >= 25.3 dropped the setup.py develop install used at the end.
.venv/bin/python -m pip install -q --disable-pip-version-check \
    "pip>=23,<25.3" wheel "setuptools>=77,<80"
# The ranges of runtime.txt, resolved to the exact stack CI runs on.
.venv/bin/python -m pip install -q --disable-pip-version-check \
    -c requirements/constraints.txt \
    -r requirements/runtime.txt -r requirements/tests.txt \
    -r requirements/mim.txt
.venv/bin/python -m pip install -q --disable-pip-version-check --no-deps \
    -r requirements/openmim.txt
# A setup.py develop install (not PEP 660) keeps mmspml/.mim visible to mim.
.venv/bin/python -m pip install -q --disable-pip-version-check --no-deps \
    --no-build-isolation --no-use-pep517 -e .
echo "$want" > "$stamp"
