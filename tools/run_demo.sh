#!/usr/bin/env bash
# Quick start: set up .venv, then train full labels, assume-negative and GR
# on the embedded MNIST-mosaic demo and print their test mAP.
# Extra arguments go to tools/run_configs.py, e.g. --seeds 0 1 2.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup_env.sh
.venv/bin/python tools/run_configs.py configs/full/full_resnet18-half_1xb64_mnist-mosaic.py \
    configs/an/an_resnet18-half_1xb64_mnist-mosaic.py configs/gr/gr_resnet18-half_1xb64_mnist-mosaic.py --work-dir work_dirs/demo "$@"
