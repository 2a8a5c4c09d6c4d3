"""Train a model from an mmspml (or any mmpretrain) config.

python tools/train.py configs/gr/gr_resnet18-half_1xb64_mnist-mosaic.py
    [--work-dir DIR] [--resume [CKPT] | --overwrite]
    [--data-root DIR] [--amp] [--cfg-options key=value ...]
    [--launcher pytorch]
"""

import argparse
import os
import os.path as osp

from mmengine.config import DictAction
from mmengine.dist import is_main_process
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

import mmspml  # noqa: F401  (registers mmspml's modules)
from mmspml.engine.runner.work_dir import (
    WorkDirLock,
    describe_previous_run,
    is_rank_zero,
    remove_previous_run,
)
from mmspml.utils import (
    ConfigError,
    close_distributed,
    set_data_root,
    setup_cpu_distributed,
    stop_with_message,
    suggest_registered_names,
)
from mmspml.utils.config_names import load_config


def parse_args():
    parser = argparse.ArgumentParser(description='Train a classifier')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--trust-checkpoint',
        action='store_true',
        help='load the checkpoint with full unpickling, which RUNS CODE '
        'FROM THE FILE: only for files you trust (docs/checkpoints.md). '
        'Without it a checkpoint loads with weights_only=True; '
        'tools/convert_checkpoint.py rewrites a trusted old one once',
    )
    parser.add_argument(
        '--data-root',
        help='folder of the dataset: replaces every data_root in the '
        'train/val/test datasets of the config',
    )
    previous_run = parser.add_mutually_exclusive_group()
    previous_run.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from this checkpoint, or, without a value, from the '
        'latest checkpoint in the work dir',
    )
    previous_run.add_argument(
        '--overwrite',
        action='store_true',
        help="start over in a work dir that holds another run's "
        'checkpoints: its *.pth files and last_checkpoint are DELETED once '
        'the new run is built, before it trains (logs and other files '
        'stay). Without --resume or --overwrite such a work dir is refused',
    )
    parser.add_argument(
        '--amp',
        action='store_true',
        help='mixed precision: AmpOptimWrapper (float16 with loss scaling) '
        'on a GPU; bfloat16 autocast (AutocastOptimWrapper) on a CPU-only '
        'machine. Configs that already set one of them keep it',
    )
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='do not evaluate checkpoints during training',
    )
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the lr by the actual batch size',
    )
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. model.head.loss.q_pos=0.05',
    )
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher',
    )
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def set_amp(cfg) -> None:
    """``--amp``: MMEngine's AmpOptimWrapper where it runs (a GPU or another
    accelerator), else bfloat16 autocast, which works on CPUs too."""
    wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
    if wrapper in ('AmpOptimWrapper', 'AutocastOptimWrapper'):
        return
    if wrapper != 'OptimWrapper':
        raise ValueError(
            f'--amp: the config uses optim_wrapper type {wrapper!r}; set '
            'AmpOptimWrapper or AutocastOptimWrapper in the config instead.'
        )
    from mmengine.device import get_device

    if get_device() in ('cuda', 'npu', 'mlu', 'musa'):
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    else:
        print(
            f'--amp on {get_device()}: bfloat16 autocast '
            "(optim_wrapper type 'AutocastOptimWrapper'); MMEngine's "
            'AmpOptimWrapper needs a GPU.'
        )
        cfg.optim_wrapper.type = 'AutocastOptimWrapper'
        cfg.optim_wrapper.dtype = 'bfloat16'


def merge_args(cfg, args):
    """Apply the command-line arguments to ``cfg``."""
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join(
            './work_dirs', osp.splitext(osp.basename(args.config))[0]
        )
    if args.amp:
        set_amp(cfg)
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    if args.data_root is not None:
        set_data_root(cfg, args.data_root)
    if args.auto_scale_lr:
        cfg.setdefault('auto_scale_lr', dict())['enable'] = True
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.trust_checkpoint:
        cfg.trust_checkpoint = True  # SPMLRunner: load_from / --resume
    # persistent_workers needs worker processes.
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(name)
        if loader and loader.get('num_workers', 0) == 0:
            loader['persistent_workers'] = False
    return cfg


def refuse_another_run(work_dir: str) -> None:
    """Stop when ``work_dir`` holds another run's checkpoints, which this
    run would replace as it saves, naming the three ways out."""
    previous = describe_previous_run(work_dir)
    if previous is not None:
        raise ConfigError(
            f"{work_dir} holds another run's {previous}: continue it with "
            '--resume, start over in it with --overwrite (deletes them), or '
            'give another --work-dir.'
        )


def main():
    args = parse_args()
    cfg = merge_args(load_config(args.config), args)
    # One run per work dir (docs/checkpoints.md): rank 0 holds the lock
    # from before anything is written there; the runner's train() finds it
    # held by this process.
    lock = WorkDirLock(cfg.work_dir)
    with suggest_registered_names(), stop_with_message('tools/train.py'):
        if is_rank_zero(cfg.launcher):
            lock.acquire()
        try:
            if not (cfg.get('resume') or args.overwrite):
                refuse_another_run(cfg.work_dir)
            setup_cpu_distributed(cfg)
            runner = (
                RUNNERS.build(cfg)
                if 'runner_type' in cfg
                else Runner.from_cfg(cfg)
            )
            if args.overwrite and is_main_process():
                removed = remove_previous_run(
                    cfg.work_dir, keep=cfg.get('load_from')
                )
                if removed:
                    runner.logger.info(
                        f"--overwrite: deleted the previous run's "
                        f'{", ".join(map(osp.basename, removed))} from '
                        f'{cfg.work_dir}.'
                    )
            runner.train()
        finally:
            lock.release()
    close_distributed()


if __name__ == '__main__':
    main()
