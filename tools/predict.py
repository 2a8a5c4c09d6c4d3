"""Predict the labels of images with a trained model.

    python tools/predict.py CONFIG CHECKPOINT INPUT [INPUT ...]
        [--out predictions.json] [--threshold T | --topk K | --thresholds FILE]
        [--show-dir DIR] [--batch-size N] [--device DEV]
        [--cfg-options key=value ...] [--trust-checkpoint]

CHECKPOINT is a .pth file or the work dir of a training run (its best-val
checkpoint, as tools/test.py). An INPUT is an image file or a folder (its
image files, not recursive). Labels: classes whose score (sigmoid
probability) is at least ``--threshold`` (default 0.5), or the ``--topk``
highest, or per-class thresholds from ``--thresholds`` (a file written by
tools/analysis/calibrate_thresholds.py). ``--out`` writes a JSON list, one
record per image: ``{"img_path": ..., "scores": {class: score, ...},
"labels": [class, ...]}``; without it, one line per image is printed.
See docs/prediction.md.
"""

import argparse
import json
import os.path as osp
import pickle
import sys

from mmengine.config import DictAction

import mmspml  # noqa: F401  (registers mmspml's modules)
from mmspml.apis import SPMLInferencer
from mmspml.apis.inputs import expand_inputs
from mmspml.datasets import DEFAULT_MAX_PIXELS, image_file_problem
from mmspml.utils import suggest_registered_names, write_atomically
from mmspml.utils.config_names import load_config


def parse_args():
    parser = argparse.ArgumentParser(
        description='Predict the label sets of images'
    )
    parser.add_argument('config', help='config file of the model')
    parser.add_argument(
        'checkpoint',
        help='checkpoint file, or a work dir (its best-val checkpoint)',
    )
    parser.add_argument(
        'inputs',
        nargs='+',
        metavar='INPUT',
        help='image files or folders of images',
    )
    parser.add_argument(
        '--out', help='write the predictions to this JSON file'
    )
    rule = parser.add_mutually_exclusive_group()
    rule.add_argument(
        '--threshold',
        type=float,
        help='predict the classes with score >= this (default 0.5)',
    )
    rule.add_argument(
        '--topk', type=int, help='predict the K highest-scoring classes'
    )
    rule.add_argument(
        '--thresholds',
        metavar='FILE',
        help='per-class thresholds (JSON from '
        'tools/analysis/calibrate_thresholds.py)',
    )
    parser.add_argument(
        '--show-dir',
        help='write each image with its predicted labels and scores drawn '
        'on it to this folder',
    )
    parser.add_argument(
        '--batch-size', type=int, default=1, help='images per forward pass'
    )
    parser.add_argument(
        '--bad-images',
        choices=['stop', 'skip'],
        default='stop',
        help='an input that is empty, not an image, truncated or over '
        '--max-pixels: stop with an error naming it (default), or skip it '
        'with a warning naming it and predict the others',
    )
    parser.add_argument(
        '--max-pixels',
        type=int,
        default=DEFAULT_MAX_PIXELS,
        help='the most pixels an input image may have (default '
        f'{DEFAULT_MAX_PIXELS}, about 100 megapixels), read from its '
        'header before it is decoded',
    )
    parser.add_argument(
        '--device', help='e.g. cpu, cuda, cuda:1 (default: cuda if available)'
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
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings',
    )
    args = parser.parse_args()
    if args.batch_size < 1:
        parser.error(f'--batch-size must be at least 1, got {args.batch_size}')
    return args


def fail(message: str):
    sys.exit(f'tools/predict.py: error: {message}')


def checked_images(inputs, bad_images: str, max_pixels: int) -> list:
    """``inputs`` without the files that cannot be used, each named; with
    ``bad_images='stop'`` the first one is an error."""
    kept = []
    for path in inputs:
        problem = image_file_problem(path, max_pixels)
        if problem is None:
            kept.append(path)
        elif bad_images == 'stop':
            fail(
                f'{path}: {problem} (--bad-images skip predicts the other '
                'images)'
            )
        else:
            print(f'Skipped {path}: {problem}', file=sys.stderr)
    if not kept:
        fail('no usable image among the inputs')
    if len(kept) < len(inputs):
        print(
            f'Skipped {len(inputs) - len(kept)} of {len(inputs)} inputs.',
            file=sys.stderr,
        )
    return kept


def main():
    args = parse_args()
    try:
        inputs = expand_inputs(args.inputs)
    except (FileNotFoundError, ValueError) as err:
        fail(str(err))
    inputs = checked_images(inputs, args.bad_images, args.max_pixels)
    if args.thresholds and not osp.isfile(args.thresholds):
        fail(f'--thresholds: file {args.thresholds!r} not found')
    cfg = load_config(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    try:
        with suggest_registered_names():
            inferencer = SPMLInferencer(
                cfg,
                args.checkpoint,
                device=args.device,
                threshold=args.threshold,
                topk=args.topk,
                thresholds=args.thresholds,
                trust_checkpoint=args.trust_checkpoint,
            )
    except (FileNotFoundError, ValueError, pickle.UnpicklingError) as err:
        fail(str(err))
    print(
        f'{len(inputs)} images, checkpoint {inferencer.checkpoint}', flush=True
    )
    results = inferencer(
        inputs, batch_size=args.batch_size, show_dir=args.show_dir
    )
    if args.out:
        write_atomically(args.out, json.dumps(results, indent=2) + '\n')
        print(f'Wrote the predictions of {len(results)} images to {args.out}')
    else:
        for record in results:
            labels = ', '.join(
                f'{name} ({record["scores"][name]:.3f})'
                for name in record['labels']
            )
            print(f'{record["img_path"]}: {labels or "-"}')
    if args.show_dir:
        print(f'Drawn images in {args.show_dir}')


if __name__ == '__main__':
    main()
