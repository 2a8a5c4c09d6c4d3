"""Training images/s of one recipe driven two ways in one process: a plain
PyTorch loop written like the GR reference code (yan4xi1/GRLoss), and
mmspml's MMEngine runner (SPMLRunner) built from a GR config.

    python tools/analysis/benchmark_train.py
        [--config configs/gr/gr_resnet50_1xb8_coco2014-448px.py]
        [--device cuda] [--batch 8] [--input-size 448] [--amp-dtype bf16]
        [--channels-last] [--fused-adam] [--iters 60] [--warmup 10]
        [--threads N] [--plain-model torchvision]
        [--also CONFIG ...] [--cfg-options key=value ...]
    # a CPU smoke run:
    python tools/analysis/benchmark_train.py --device cpu --input-size 64 \
        --batch 4 --iters 6 --warmup 2

Both paths train the same model, input size, batch and optimizer on
synthetic data that already sits on the device (no disk, no decoding);
the weights are initialised at random (the config's ``Pretrained`` init
is dropped: the values do not change the speed):

- plain loop: the model is the config's own (``model.backbone``, ``neck``
  and ``head.fc`` of the classifier built from the config, so the
  architecture is mmpretrain's torchvision-style ResNet; ``--plain-model
  torchvision`` takes ``torchvision.models.resnet50`` instead, for a
  ResNet-50 config), one fixed normalised float batch, Adam with two
  parameter groups (the head at the config's multiple of the lr), the GR
  loss written the direct way (probabilities, boolean masks) with the
  config loss's parameters at epoch 1, and ``zero_grad`` / ``backward`` /
  ``step``. fp32 unless ``--amp-dtype bf16`` (``torch.autocast``).
- runner: ``RUNNERS.build(cfg)`` as tools/train.py, one epoch of
  ``--iters`` + 1 batches from an in-memory dataset of uint8 images on
  the device (each sample packed as ``SinglePositiveDataset`` and
  ``PackInputs`` pack it, one observed positive), no validation, test or
  checkpoints, a temporary work dir, console records of warnings only and
  the logger hook's interval 10**9 (``--cfg-options
  default_hooks.logger.interval=20`` restores the recipe's). The extra
  last batch is not timed: MMEngine logs at the end of an epoch whatever
  the interval. (GR's schedule thus sees a one-epoch run; its parameters
  do not change the speed.)

``--amp-dtype``, ``--channels-last``, ``--fused-adam`` and ``--batch`` set
both paths; left out, they follow the config (so ``--config
configs/gr/gr_resnet50_1xb32-bf16_coco2014-448px.py`` measures the fast
recipe both ways).
``--also CONFIG ...`` adds one runner row per config, each with its own
recipe (batch, precision, memory format, optimizer: the flags above do not
apply to them), timed in the same process against the same plain loop: e.g.
``--also configs/gr/gr_resnet50_1xb32-bf16_coco2014-448px.py`` compares the
fast recipe with the reference-style loop at the paper's batch.
``--cfg-options`` is merged into the runner config after the benchmark's
own changes; the plain loop reads the model, lr and optimizer from the
result, and the script checks that both paths train the same parameters
with the same optimizer settings.

Each path is timed over the iterations after ``--warmup`` (CUDA is
synchronised at both ends). Printed: a header, a table (img/s and ratio to
the plain loop) and the runner step's shares:

- loss: GRLoss forward + backward alone on (batch, classes) logits, timed
  in a loop, over the runner's time per step (and the masked loss over the
  plain loop's step);
- hooks: host time inside hook calls during the measured iterations
  (``runner.call_hook`` wrapped; the device is synchronised once before
  each hook stage so that waiting for queued GPU work, which MMEngine's
  ``RuntimeInfoHook`` does when it reads the loss, is not counted), the
  iteration timer itself excluded;
- data: fetching the synthetic batch in the main process (sampler,
  ``__getitem__``, collate).
"""

import argparse
import sys

import torch
from mmengine.config import DictAction
from mmengine.logging import MMLogger

import mmspml  # noqa: F401  (registers mmspml's modules)
from mmspml.benchmark.paths import run_plain, run_runner
from mmspml.benchmark.recipe import prepare_config
from mmspml.benchmark.reference_loop import check_same_training
from mmspml.benchmark.timing import device_name, make_sync, time_losses


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--config', default='configs/gr/gr_resnet50_1xb8_coco2014-448px.py'
    )
    parser.add_argument(
        '--device',
        choices=['cpu', 'cuda'],
        default='cuda' if torch.cuda.is_available() else 'cpu',
    )
    parser.add_argument(
        '--batch', type=int, help="default: the config's (8 for gr_coco)"
    )
    parser.add_argument('--input-size', type=int, default=448)
    parser.add_argument(
        '--amp-dtype',
        choices=['none', 'bf16'],
        help="default: the config's optimizer wrapper",
    )
    parser.add_argument(
        '--channels-last',
        action=argparse.BooleanOptionalAction,
        help="default: the config's channels_last",
    )
    parser.add_argument(
        '--fused-adam',
        action=argparse.BooleanOptionalAction,
        help="default: the config's optimizer.fused",
    )
    parser.add_argument(
        '--iters',
        type=int,
        default=60,
        help='iterations per path, warm-up included',
    )
    parser.add_argument('--warmup', type=int, default=10)
    parser.add_argument(
        '--threads', type=int, help='torch.set_num_threads (CPU)'
    )
    parser.add_argument(
        '--plain-model', choices=['config', 'torchvision'], default='config'
    )
    parser.add_argument('--loss-reps', type=int, default=200)
    parser.add_argument(
        '--also',
        nargs='+',
        default=[],
        metavar='CONFIG',
        help='more configs to run through the runner with their own recipe, '
        'compared with the same plain loop',
    )
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the runner config (the plain loop '
        'follows the model, optimizer and batch)',
    )
    args = parser.parse_args()
    if args.iters <= args.warmup or args.warmup < 1:
        parser.error('need 1 <= --warmup < --iters')
    if args.device == 'cuda' and not torch.cuda.is_available():
        parser.error('--device cuda: no CUDA device is available')
    return args


def main():
    args = parse_args()
    # The current logger until the runner makes its own: no init records.
    MMLogger.get_instance('benchmark_train', log_level='WARNING')
    if args.threads:
        torch.set_num_threads(args.threads)
    cfg, recipe = prepare_config(args)
    sync = make_sync(args.device)
    batch, num_classes = recipe['batch'], recipe['num_classes']

    plain_s, params, plain_rows, plain_opt_type, num_params = run_plain(
        args, cfg, recipe, sync
    )
    if args.device == 'cuda':
        torch.cuda.empty_cache()
    runner_s, per_hook, fetch_s, runner = run_runner(args, cfg, sync)
    groups = check_same_training(
        plain_rows, plain_opt_type, runner, recipe['channels_last']
    )
    loss_s, masked_s = time_losses(
        runner, params, batch, num_classes, args.device, args.loss_reps, sync
    )
    extra = {}
    for config in args.also:
        other_args = argparse.Namespace(
            **dict(
                vars(args),
                config=config,
                batch=None,
                amp_dtype=None,
                channels_last=None,
                fused_adam=None,
                cfg_options=None,
            )
        )
        other_cfg, other = prepare_config(other_args)
        if args.device == 'cuda':
            torch.cuda.empty_cache()
        extra[config] = (run_runner(other_args, other_cfg, sync)[0], other)

    backbone = cfg.model.backbone
    arch = f'{backbone.get("type")}-{backbone.get("depth", "")}'.rstrip('-')
    source = (
        'torchvision' if args.plain_model == 'torchvision' else 'mmpretrain'
    )
    opt = cfg.optim_wrapper.optimizer
    print(f'device: {device_name(args.device)} | torch {torch.__version__}')
    print(
        f'model: {arch}, {num_classes} classes, {num_params / 1e6:.2f}M '
        f'parameters ({source} modules in the plain loop)'
    )
    print(
        f'recipe: {args.input_size} px, batch {batch}, '
        f'{"bf16 autocast" if recipe["amp"] == "bf16" else "fp32"}, '
        f'{"channels_last" if recipe["channels_last"] else "NCHW"}, '
        f'{opt.type}{" fused" if recipe["fused"] else ""} lr {opt.lr:g} '
        f'(head x{recipe["head_lr_mult"]:g}); '
        f'{args.iters - args.warmup} steps timed after {args.warmup}'
    )
    options = ' '.join(f'{k}={v}' for k, v in (args.cfg_options or {}).items())
    print(
        f'runner: {args.config}, {cfg.get("runner_type", "Runner")}, '
        f'{cfg.optim_wrapper.get("type", "OptimWrapper")}, {groups} param '
        f'groups{"; --cfg-options " + options if options else ""}'
    )
    print()
    print('| path | img/s | vs plain loop |')
    print('|---|---:|---:|')
    print(f'| plain PyTorch loop | {batch / plain_s:.1f} | 1.00x |')
    print(
        f'| mmspml runner | {batch / runner_s:.1f} | '
        f'{plain_s / runner_s:.2f}x |'
    )
    plain_ips = batch / plain_s
    for config, (other_s, other) in extra.items():
        ips = other['batch'] / other_s
        print(
            f'| mmspml runner, {config} (batch {other["batch"]}, '
            f'{"bf16" if other["amp"] == "bf16" else "fp32"}, '
            f'{"channels_last" if other["channels_last"] else "NCHW"}'
            f'{", fused Adam" if other["fused"] else ""}) | {ips:.1f} | '
            f'{ips / plain_ips:.2f}x |'
        )
    print()
    print(
        f'runner step {1e3 * runner_s:.2f} ms, plain step '
        f'{1e3 * plain_s:.2f} ms'
    )
    print(
        f'loss: GRLoss forward+backward ({batch}x{num_classes}) '
        f'{1e3 * loss_s:.3f} ms = {100 * loss_s / runner_s:.1f}% of a '
        f'runner step; masked loss {1e3 * masked_s:.3f} ms = '
        f'{100 * masked_s / plain_s:.1f}% of a plain step'
    )
    hooks_s = sum(per_hook.values())
    top = sorted(per_hook.items(), key=lambda kv: -kv[1])[:4]
    print(
        f'hooks: {1e3 * hooks_s:.3f} ms per step = '
        f"{100 * hooks_s / runner_s:.1f}% of the runner's time ("
        + ', '.join(
            f'{name} {100 * value / runner_s:.1f}%' for name, value in top
        )
        + ')'
    )
    print(
        f'data: {1e3 * fetch_s:.3f} ms per step = '
        f'{100 * fetch_s / runner_s:.1f}% (synthetic batch fetched and '
        'collated in the main process)'
    )


if __name__ == '__main__':
    try:
        main()
    except ValueError as err:  # a config the benchmark cannot model
        sys.exit(f'benchmark_train.py: error: {err}')
