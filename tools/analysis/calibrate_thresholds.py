"""Choose per-class decision thresholds for tools/predict.py --thresholds.

    python tools/analysis/calibrate_thresholds.py CONFIG CHECKPOINT
        [--split test|val] [--out thresholds.json]
        [--mode f1 | --mode expected-count --expected-positives K]
        [--min-positives 5] [--grid N] [--eval-split test|val]
        [--batch-size N] [--device DEV] [--data-root DIR]
        [--cfg-options key=value ...] [--trust-checkpoint]

CHECKPOINT is a .pth file or a work dir (its best-val checkpoint). The
scores come from the config's ``<split>_dataloader`` through the model's
``test_step``, as in tools/test.py.

``--mode f1`` (default) uses FULL labels: the test split of the configs has
them, and the val split of a SinglePositiveDataset keeps them in
``full_gt_label``, which is what is used (never the single observed
positive). Each class gets the threshold, among the distinct scores (or a
``--grid`` of N values), that maximises its F1 on the split; a class with
fewer than ``--min-positives`` positives gets the global threshold that
maximises the overall F1 (OF1) instead. The table of CP/CR/CF1/OP/OR/OF1 at
0.5 and at the chosen thresholds is IN-SAMPLE (the thresholds were fitted
on those very labels, so it is optimistic); ``--eval-split`` adds the same
table on another split.

A split with partial labels and no full labels (a PartialLabelDataset over
an annotation file with ``neg_label``) has verified negatives: then F1 is
ESTIMATED over the observed entries only. Per class, its observed positives
are the positives and its verified negatives the negatives; unknown entries
count for nothing. The table says on how many positives and negatives each
class rests; a class with fewer than ``--min-positives`` observed positives
or without a verified negative gets the global threshold (max F1 over all
observed entries). The estimates are as good as the observed entries are a
fair sample of each class.

``--mode expected-count --expected-positives K`` is for models whose data
has only single positives. It needs no labels at all: it chooses ONE
threshold for all classes such that images of the split get K predicted
labels on average (K from domain knowledge or a small fully labelled
sample). That is all it promises: the number of predicted labels, not
which ones are right. Without negatives it cannot know precision, recall or
F1, and it does not adapt thresholds to classes. It prints the fraction of
the split's observed positives (its ``gt_label``) that the threshold keeps:
with single positives drawn uniformly among an image's positives, an
estimate of the mean per-image recall, still with nothing said about
precision. On a split with verified negatives and no full labels it prints
instead the precision, recall and F1 estimated over the observed entries.
``--eval-split`` scores it against full labels where they exist (else over
observed entries, where there are verified negatives).

The JSON written (see docs/prediction.md) holds the class names, the
thresholds, the mode, the split and how many classes fell back.
"""

import argparse
import os.path as osp
import pickle
import sys

import numpy as np
from mmengine.config import DictAction

import mmspml  # noqa: F401  (registers mmspml's modules)
from mmspml.apis import SPMLInferencer
from mmspml.evaluation.threshold_metrics import (
    format_metrics_table,
    observed_positive_recall,
    observed_threshold_metrics,
    threshold_metrics,
)
from mmspml.evaluation.thresholds import (
    expected_count_threshold,
    search_f1_thresholds,
    search_observed_f1_thresholds,
)
from mmspml.evaluation.thresholds_file import save_thresholds
from mmspml.utils import set_data_root, suggest_registered_names
from mmspml.utils.config_names import load_config

SPLITS = ('test', 'val')


def parse_args():
    parser = argparse.ArgumentParser(
        description='Per-class decision thresholds for tools/predict.py'
    )
    parser.add_argument('config', help='config file of the model')
    parser.add_argument(
        'checkpoint',
        help='checkpoint file, or a work dir (its best-val checkpoint)',
    )
    parser.add_argument(
        '--split',
        choices=SPLITS,
        default='test',
        help='split to choose the thresholds on (default: test, which has '
        'full labels)',
    )
    parser.add_argument(
        '--out',
        default='thresholds.json',
        help='thresholds file to write (default: thresholds.json)',
    )
    parser.add_argument(
        '--mode',
        choices=('f1', 'expected-count'),
        default='f1',
        help='f1: max F1 per class on full labels (estimated over the '
        'observed entries of a split with verified negatives and no full '
        'labels); expected-count: one '
        'threshold giving --expected-positives labels per image on average '
        '(no labels needed)',
    )
    parser.add_argument(
        '--min-positives',
        type=int,
        default=5,
        help='f1 mode: classes with fewer positives get the global '
        'threshold (default 5)',
    )
    parser.add_argument(
        '--grid',
        type=int,
        help='f1 mode: try N evenly spaced thresholds in (0, 1) instead of '
        'the distinct scores',
    )
    parser.add_argument(
        '--expected-positives',
        type=float,
        metavar='K',
        help='expected-count mode: mean number of positive labels per image',
    )
    parser.add_argument(
        '--eval-split',
        choices=SPLITS,
        help='also report the metrics on this split (full labels, else '
        'its observed entries)',
    )
    parser.add_argument(
        '--batch-size', type=int, help='replaces the config batch size'
    )
    parser.add_argument(
        '--device', help='e.g. cpu, cuda (default: cuda if available)'
    )
    parser.add_argument(
        '--data-root',
        help='folder of the dataset: replaces every data_root in the '
        'train/val/test datasets of the config',
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
    if args.mode == 'expected-count' and args.expected_positives is None:
        parser.error('--mode expected-count needs --expected-positives K')
    if args.mode == 'f1' and args.expected_positives is not None:
        parser.error('--expected-positives is for --mode expected-count')
    return args


def split_scores(inferencer, split, batch_size):
    data = inferencer.score_dataloader(
        inferencer.build_dataloader(split, batch_size)
    )
    print(f'{split} split: {len(data["scores"])} images', flush=True)
    return data


def only_observed(data) -> bool:
    """No full labels, but verified negatives: the split's labels are
    partial, and only its observed entries say anything."""
    return not data['has_full_gt_label'] and bool(
        (data['observed'] == -1).any()
    )


def observed_counts(data) -> str:
    observed = data['observed']
    return (
        f'{int((observed == 1).sum())} observed positives, '
        f'{int((observed == -1).sum())} verified negatives; unknown entries '
        'not counted'
    )


def calibrate_f1(args, inferencer, data):
    if only_observed(data):
        return calibrate_observed_f1(args, inferencer, data)
    labels = data['labels']
    if (labels.sum(axis=1) == 1).all():
        print(
            f'warning: every image of the {args.split} split has exactly '
            'one positive label. If these are single positives rather '
            'than full labels, F1 counts every unannotated positive as a '
            'negative and the thresholds come out too high; use --mode '
            'expected-count then.',
            file=sys.stderr,
        )
    found = search_f1_thresholds(
        data['scores'], labels, args.min_positives, args.grid
    )
    classes = inferencer.classes
    fallback = [c for c, f in zip(classes, found['fallback']) if f]
    width = max(len('class'), *(len(c) for c in classes))
    lines = [
        f'{"class":<{width}}  {"#pos":>5}  {"threshold":>9}  '
        f'{"F1":>6}  chosen by'
    ]
    for c, name in enumerate(classes):
        how = (
            f'global (fewer than {max(args.min_positives, 1)} positives)'
            if found['fallback'][c]
            else 'max F1 of the class'
        )
        lines.append(
            f'{name:<{width}}  {int(found["num_positives"][c]):>5}  '
            f'{found["thresholds"][c]:>9.4f}  '
            f'{100 * found["class_f1"][c]:>6.2f}  {how}'
        )
    print('\n'.join(lines))
    print(
        f'Global threshold (max OF1): {found["global_threshold"]:.4f}; '
        f'{len(fallback)} of {len(classes)} classes fell back to it.'
    )
    info = dict(
        min_positives=args.min_positives,
        candidates=f'grid of {args.grid}' if args.grid else 'distinct scores',
        global_threshold=found['global_threshold'],
        num_fallback=len(fallback),
        fallback_classes=fallback,
        num_positives=[int(n) for n in found['num_positives']],
    )
    return found['thresholds'], info


def calibrate_observed_f1(args, inferencer, data):
    print(
        f'The {args.split} split has no full labels but '
        f'{int((data["observed"] == -1).sum())} verified negatives: the '
        'thresholds maximise F1 ESTIMATED over its observed entries only '
        '(per class, its observed positives and verified negatives; '
        'unknown entries are not counted).'
    )
    found = search_observed_f1_thresholds(
        data['scores'], data['observed'], args.min_positives, args.grid
    )
    classes = inferencer.classes
    fallback = [c for c, f in zip(classes, found['fallback']) if f]
    width = max(len('class'), *(len(c) for c in classes))
    lines = [
        f'{"class":<{width}}  {"#pos":>5}  {"#neg":>5}  {"threshold":>9}  '
        f'{"P":>6}  {"R":>6}  {"F1":>6}  chosen by'
    ]
    for c, name in enumerate(classes):
        if not found['fallback'][c]:
            how = 'max F1 of the class'
        elif found['num_positives'][c] < max(args.min_positives, 1):
            how = (
                f'global (fewer than {max(args.min_positives, 1)} '
                'observed positives)'
            )
        else:
            how = 'global (no verified negative)'
        lines.append(
            f'{name:<{width}}  {int(found["num_positives"][c]):>5}  '
            f'{int(found["num_negatives"][c]):>5}  '
            f'{found["thresholds"][c]:>9.4f}  '
            f'{100 * found["class_precision"][c]:>6.2f}  '
            f'{100 * found["class_recall"][c]:>6.2f}  '
            f'{100 * found["class_f1"][c]:>6.2f}  {how}'
        )
    print('\n'.join(lines))
    print(
        '#pos / #neg: the observed positives and verified negatives each '
        'class rests on; P, R, F1 are estimates over those entries only.'
    )
    print(
        f'Global threshold (max F1 over observed entries): '
        f'{found["global_threshold"]:.4f}; {len(fallback)} of '
        f'{len(classes)} classes fell back to it.'
    )
    info = dict(
        labels='observed entries',
        min_positives=args.min_positives,
        candidates=f'grid of {args.grid}' if args.grid else 'distinct scores',
        global_threshold=found['global_threshold'],
        num_fallback=len(fallback),
        fallback_classes=fallback,
        num_positives=[int(n) for n in found['num_positives']],
        num_negatives=[int(n) for n in found['num_negatives']],
    )
    return found['thresholds'], info


def calibrate_expected_count(args, inferencer, data):
    thr = expected_count_threshold(data['scores'], args.expected_positives)
    per_image = float((data['scores'] >= thr).sum(axis=1).mean())
    recall = observed_positive_recall(data['scores'], data['observed'], thr)
    print(
        f'One threshold for all classes: {thr:.4f}, giving '
        f'{per_image:.2f} predicted labels per image on the {args.split} '
        f'split (asked for {args.expected_positives:g}).'
    )
    if only_observed(data):
        found = observed_threshold_metrics(
            data['scores'], data['observed'], thr
        )
        print(
            f"It keeps {100 * recall:.2f}% of the split's observed "
            f'positives. Estimated over the observed entries only '
            f'({observed_counts(data)}; {found["classes"]} classes with '
            f'both): precision {found["OP"]:.2f}%, recall '
            f'{found["OR"]:.2f}%, F1 {found["OF1"]:.2f}%.'
        )
    else:
        print(
            f"It keeps {100 * recall:.2f}% of the split's observed (gt_label) "
            'positives. Precision cannot be known without negatives.'
        )
    info = dict(
        expected_positives=args.expected_positives,
        global_threshold=thr,
        labels_per_image=per_image,
        observed_positive_recall=recall,
        num_fallback=0,
        fallback_classes=[],
    )
    return np.full(len(inferencer.classes), thr), info


def report(title, data, thresholds):
    if only_observed(data):
        rows = {
            name: observed_threshold_metrics(
                data['scores'], data['observed'], thr
            )
            for name, thr in (
                ('threshold 0.5', 0.5),
                ('calibrated', thresholds),
            )
        }
        title = (
            f'{title}\nESTIMATED over the observed entries only '
            f'({observed_counts(data)}; CP/CR/CF1 and OP/OR/OF1 over the '
            'classes with both):'
        )
    else:
        rows = {
            'threshold 0.5': threshold_metrics(
                data['scores'], data['labels'], 0.5
            ),
            'calibrated': threshold_metrics(
                data['scores'], data['labels'], thresholds
            ),
        }
    print(f'{title}\n{format_metrics_table(rows)}')
    return rows


def main():
    args = parse_args()
    cfg = load_config(args.config)
    if args.data_root is not None:
        set_data_root(cfg, args.data_root)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    with suggest_registered_names():
        try:
            inferencer = SPMLInferencer(
                cfg,
                args.checkpoint,
                device=args.device,
                trust_checkpoint=args.trust_checkpoint,
            )
        except (FileNotFoundError, ValueError, pickle.UnpicklingError) as err:
            sys.exit(f'calibrate_thresholds.py: error: {err}')
        print(f'checkpoint {inferencer.checkpoint}', flush=True)
        data = split_scores(inferencer, args.split, args.batch_size)
        evaluation = None
        if args.eval_split and args.eval_split != args.split:
            evaluation = split_scores(
                inferencer, args.eval_split, args.batch_size
            )
    if args.mode == 'f1':
        thresholds, info = calibrate_f1(args, inferencer, data)
    else:
        thresholds, info = calibrate_expected_count(args, inferencer, data)
    metrics = {}
    if args.mode == 'f1':
        metrics[args.split] = report(
            f'Metrics on the {args.split} split, IN-SAMPLE: the thresholds '
            'were chosen on these labels, so expect less on new images.',
            data,
            thresholds,
        )
    elif args.eval_split == args.split:
        evaluation = data
    if evaluation is not None:
        where = args.eval_split
        labels = (
            'its observed entries'
            if only_observed(evaluation)
            else 'its full labels'
        )
        metrics[where] = report(
            f'Metrics on the {where} split (against {labels}'
            f'{"" if where == args.split else "; held out"}):',
            evaluation,
            thresholds,
        )
    save_thresholds(
        args.out,
        inferencer.classes,
        thresholds,
        args.mode,
        args.split,
        config=osp.abspath(args.config),
        checkpoint=osp.abspath(inferencer.checkpoint),
        num_images=len(data['scores']),
        metrics=dict(in_sample=args.mode == 'f1', **metrics),
        **info,
    )
    print(
        f'Wrote {len(thresholds)} thresholds ({args.mode}, '
        f'{args.split} split) to {args.out}'
    )


if __name__ == '__main__':
    main()
