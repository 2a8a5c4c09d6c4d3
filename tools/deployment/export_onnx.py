"""Export a trained classifier to ONNX: raw images in, sigmoid scores out.

    python tools/deployment/export_onnx.py \
        configs/gr/gr_resnet18-half_1xb64_mnist-mosaic.py \
        work_dirs/gr_resnet18-half_1xb64_mnist-mosaic
        [--out model.onnx] [--input-size H W] [--input-order bgr|rgb]
        [--batch-size N] [--opset 17] [--device cpu]
        [--exporter auto|torchscript|dynamo]
        [--trust-checkpoint] [--check] [--cfg-options key=value ...]

CHECKPOINT is a .pth file or the work dir of a training run (then its
best-val checkpoint, or the latest one when it has none), as for
``tools/test.py``.

The graph holds the model's data preprocessor, so it takes what the test
pipeline gives the model, as float32:

- ``images``: (N, 3, H, W) float32, pixel values 0-255 (not scaled to 0-1),
  channels BGR, the order in which the test pipeline's ``LoadImageFromFile``
  loads them (``--input-order rgb`` for RGB images); the graph puts them in
  the order the model was trained on (the preprocessor's ``to_rgb``),
  subtracts the preprocessor's mean and divides by its std. H, W: the test
  pipeline's resize (``--input-size`` otherwise). N is dynamic (unless
  ``--batch-size`` fixes it).
- ``scores``: (N, num_classes) float32, the sigmoid of the head's logits,
  i.e. ``pred_score`` of ``model.test_step``.

The export itself is :mod:`mmspml.deploy`; this script parses
the arguments, loads the config and checkpoint and prints. Details and the
measured agreement with PyTorch: docs/deployment.md.
"""

import argparse
import os.path as osp

import torch
from mmengine.config import DictAction
from mmpretrain.apis import get_model

import mmspml  # noqa: F401  (registers mmspml's modules)
from mmspml.deploy import (
    CHECK_ATOL,
    OUTPUT_NAME,
    ImagesToScores,
    describe_input,
    export_onnx,
    input_size_from_config,
    max_abs_difference,
    require,
    write_metadata,
)
from mmspml.engine.runner.checkpoint import load_checkpoint_checked
from mmspml.utils import (
    find_checkpoint,
    stop_with_message,
    suggest_registered_names,
)
from mmspml.utils.config_names import load_config


def parse_args():
    parser = argparse.ArgumentParser(
        description='Export a classifier to ONNX (raw images -> sigmoid '
        'scores)'
    )
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        'checkpoint',
        help='checkpoint file, or a work dir (its best-val checkpoint)',
    )
    parser.add_argument(
        '--out',
        help="the .onnx file to write (default: the checkpoint's name "
        'with .onnx, next to it)',
    )
    parser.add_argument(
        '--input-size',
        type=int,
        nargs=2,
        metavar=('H', 'W'),
        help="image height and width (default: the size the config's "
        'test pipeline resizes to)',
    )
    parser.add_argument(
        '--input-order',
        choices=['bgr', 'rgb'],
        default='bgr',
        help='channel order of the exported input (default: bgr, as the '
        'test pipeline loads images)',
    )
    parser.add_argument(
        '--batch-size',
        type=int,
        metavar='N',
        help='fix the batch dimension to this size (default: dynamic); for '
        'models whose code turns the batch size into a Python number, '
        "such as MMPretrain's Swin, which --check then fails",
    )
    parser.add_argument(
        '--opset',
        type=int,
        help='ONNX opset (default: 17 for the TorchScript exporter, 18 for '
        'the dynamo exporter)',
    )
    parser.add_argument(
        '--device', default='cpu', help='device to trace on (default: cpu)'
    )
    parser.add_argument(
        '--exporter',
        choices=['auto', 'torchscript', 'dynamo'],
        default='auto',
        help='torch.onnx exporter; auto: TorchScript (dynamo=False) while '
        'torch has it, else dynamo (needs onnxscript)',
    )
    parser.add_argument(
        '--trust-checkpoint',
        action='store_true',
        help='load the checkpoint with full unpickling, which RUNS CODE '
        'FROM THE FILE: only for files you trust (docs/checkpoints.md). '
        'Without it a checkpoint loads with weights_only=True; '
        'tools/convert_checkpoint.py rewrites a trusted old one once',
    )
    parser.add_argument(
        '--check',
        action='store_true',
        help='run onnxruntime on random batches of 1 and 3 images (of '
        "--batch-size) and print the max abs difference from PyTorch's "
        'test_step scores; fails above 1e-4',
    )
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings',
    )
    return parser.parse_args()


def build_classifier(
    cfg, checkpoint: str, device: str = 'cpu', trust: bool = False
):
    """The config's model with the checkpoint's weights, in eval mode, built
    and loaded as :class:`~mmspml.apis.SPMLInferencer` does (the config's
    top-level ``data_preprocessor`` when the model has none; every weight
    checked; a loss's per-sample state left in the file).

    Args:
        cfg (Config): The config.
        checkpoint (str): A checkpoint file.
        device (str): Where to put the model. Defaults to ``'cpu'``.
        trust (bool): Load the checkpoint with full unpickling (runs code
            from the file). Defaults to False.

    Returns:
        tuple: The model and the checkpoint's ``meta`` dict.
    """
    with suggest_registered_names():
        model = get_model(cfg, pretrained=False)
    loaded = load_checkpoint_checked(model, checkpoint, trust=trust)
    return model.to(device).eval(), loaded.get('meta') or {}


def main():
    args = parse_args()
    require('onnx')  # fail before the model is built, not after
    ort = require('onnxruntime') if args.check else None
    cfg = load_config(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    with stop_with_message('tools/deployment/export_onnx.py'):
        checkpoint = find_checkpoint(args.checkpoint)
    size = tuple(args.input_size or input_size_from_config(cfg))
    out = args.out or osp.splitext(checkpoint)[0] + '.onnx'

    with stop_with_message('tools/deployment/export_onnx.py'):
        classifier, meta = build_classifier(
            cfg, checkpoint, args.device, args.trust_checkpoint
        )
    module = ImagesToScores(classifier, args.input_order).eval()
    dynamic = args.batch_size is None
    # Batch 2, not 1: the exporter must not take the batch for a constant.
    images = (
        torch.rand(args.batch_size or 2, 3, *size, device=args.device) * 255
    )
    used = export_onnx(module, images, out, args.opset, args.exporter, dynamic)
    description = describe_input(
        module, size, 'N' if dynamic else args.batch_size
    )
    model = write_metadata(
        out, description, (meta.get('dataset_meta') or {}).get('classes')
    )
    opset = next(
        o.version for o in model.opset_import if o.domain in ('', 'ai.onnx')
    )
    batch, num_classes = model.graph.output[0].type.tensor_type.shape.dim
    if dynamic and not batch.dim_param:
        raise RuntimeError(
            f'the {used} exporter fixed the batch size of '
            f'{out}; try the other one with --exporter.'
        )
    batch_text = 'N' if dynamic else str(args.batch_size)
    print(
        f'Exported {checkpoint} to {out} (torch {torch.__version__}, '
        f'{used} exporter, opset {opset}).\n'
        f'  {description}\n'
        f'  {OUTPUT_NAME}: float32 ({batch_text}, {num_classes.dim_value}), '
        'sigmoid scores; '
        + ('N is dynamic' if dynamic else 'the batch size is fixed')
    )
    if args.check:
        batches = (1, 3) if dynamic else (args.batch_size,)
        diff = max_abs_difference(module, out, size, batches)
        what = (
            'random batches of 1 and 3 images'
            if dynamic
            else f'a random batch of {args.batch_size} images'
        )
        print(
            f'--check: onnxruntime {ort.__version__} vs PyTorch '
            f'test_step on {what}: max abs difference {diff:.3g} '
            f'(tolerance {CHECK_ATOL:g})'
        )
        if not diff <= CHECK_ATOL:
            raise SystemExit(
                f'--check failed: {out} differs from PyTorch '
                f'by {diff:.3g} > {CHECK_ATOL:g}'
            )


if __name__ == '__main__':
    main()
