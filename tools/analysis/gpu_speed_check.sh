#!/usr/bin/env bash
# The GPU speed check of docs/fast_recipe.md: one short run, every ratio
# measured in one process on the same GPU.
#
#   bash tools/analysis/gpu_speed_check.sh [WHEEL_DIR]
#
# 1. tools/analysis/benchmark_train.py at ResNet-50, 448 px, 80 classes:
#    the reference-style plain loop (fp32, batch 8, boolean-mask GR loss),
#    configs/gr/gr_resnet50_1xb8_coco2014-448px.py through SPMLRunner at the same batch, and
#    configs/gr/gr_resnet50_1xb32-bf16_coco2014-448px.py (bf16 autocast, channels-last, fused Adam,
#    batch 32), with the loss and hook shares of the paper config's step.
# 2. tools/benchmark_loss.py on the GPU (GRLoss vs the boolean-mask loss).
#
# On a machine without mmengine / mmcv-lite / mmpretrain, WHEEL_DIR (default
# wheels/) holds their wheels and those of their pure-Python dependencies
# (addict, yapf, platformdirs, termcolor, mat4py, modelindex, model-index,
# ordered-set); they are installed offline without touching torch.
set -euo pipefail
cd "$(dirname "$0")/../.."
wheels="${1:-wheels}"
if ! python -c 'import mmengine, mmpretrain' 2>/dev/null; then
    pip install --quiet --no-index --no-deps "$wheels"/*.whl
fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
python tools/analysis/benchmark_train.py --device cuda --iters 60 \
    --warmup 15 --also configs/gr/gr_resnet50_1xb32-bf16_coco2014-448px.py
python tools/benchmark_loss.py --device cuda --batch 8 32 512
