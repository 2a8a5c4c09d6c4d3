"""Evaluate a checkpoint on the test set of a config.

    python tools/test.py \
        configs/gr/gr_resnet18-half_1xb64_mnist-mosaic.py \
        work_dirs/gr_resnet18-half_1xb64_mnist-mosaic
        [--work-dir DIR] [--data-root DIR] [--ann-file FILE] [--out FILE]
        [--cfg-options key=value ...] [--launcher pytorch]

CHECKPOINT is a .pth file or the work dir of a training run (then its
best-val checkpoint, or the latest one when it has none). ``--ann-file``
tests on another annotation file (held-out images labelled like the
training file) with the config's val set-up. The closing lines give each
mAP with its 95% bootstrap interval and chance level
(docs/partial_labels.md, "How far to trust the number").
"""

import argparse
import os
import os.path as osp
import sys

from mmengine.config import DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

import mmspml  # noqa: F401  (registers mmspml's modules)
from mmspml.evaluation.metrics.ap_report import format_with_intervals
from mmspml.utils import (
    close_distributed,
    find_checkpoint,
    set_data_root,
    setup_cpu_distributed,
    stop_with_message,
    suggest_registered_names,
    test_on_annotation_file,
)
from mmspml.utils.config_names import load_config


def parse_args():
    parser = argparse.ArgumentParser(description='Test a classifier')
    parser.add_argument('config', help='test config file path')
    parser.add_argument(
        'checkpoint',
        help='checkpoint file, or a work dir (its best-val checkpoint)',
    )
    parser.add_argument('--work-dir', help='the dir to save logs')
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
    parser.add_argument(
        '--ann-file',
        help='test on this annotation file (relative to the data_root of '
        "the config's val dataset) with the val dataloader and evaluator, "
        "every row kept, instead of the config's test set",
    )
    parser.add_argument(
        '--out', help='dump the metrics to this json/yaml/pickle file'
    )
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings',
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


def main():
    args = parse_args()
    cfg = load_config(args.config)
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join(
            './work_dirs', osp.splitext(osp.basename(args.config))[0]
        )
    if args.data_root is not None:
        set_data_root(cfg, args.data_root)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.ann_file is not None:
        with stop_with_message('tools/test.py'):
            test_on_annotation_file(cfg, args.ann_file)
    if args.trust_checkpoint:
        cfg.trust_checkpoint = True  # SPMLRunner: the tested checkpoint
    missing = [
        key
        for key in ('test_dataloader', 'test_evaluator')
        if cfg.get(key) is None
    ]
    if missing:
        sys.exit(
            f'tools/test.py: error: {args.config} has no '
            f'{" and no ".join(missing)}: add test_dataloader and '
            'test_evaluator to it (e.g. test_dataloader = val_dataloader '
            'and test_evaluator = val_evaluator to test on the val split).'
        )
    if cfg.get('test_cfg') is None:
        cfg.test_cfg = dict()  # the default TestLoop
    with stop_with_message('tools/test.py'):
        cfg.load_from = find_checkpoint(args.checkpoint)
    if cfg.test_dataloader.get('num_workers', 0) == 0:
        cfg.test_dataloader['persistent_workers'] = False
    setup_cpu_distributed(cfg)
    with suggest_registered_names(), stop_with_message('tools/test.py'):
        runner = (
            RUNNERS.build(cfg)
            if 'runner_type' in cfg
            else Runner.from_cfg(cfg)
        )
        metrics = runner.test()
    summary = format_with_intervals(metrics)
    if summary:
        print(
            'Test results (95% bootstrap interval over images; chance level: '
            'the expected value of scores that carry no information):\n'
            + summary
        )
    if args.out:
        from mmengine.fileio import dump

        dump(metrics, args.out)
    close_distributed()


if __name__ == '__main__':
    main()
