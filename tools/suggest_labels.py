"""Suggest the image-class pairs a person should verify next.

    python tools/suggest_labels.py CONFIG CHECKPOINT --out suggestions.csv
        (--num N | --frac F) [--batch-size 64] [--trust-checkpoint]
        [--cfg-options key=value ...]

Scores the config's training set (in order, through the test pipeline)
with the checkpoint (a .pth file or a work dir), and writes the N unknown
entries whose label the model is least sure of (score closest to 0.5),
balanced over classes, as ``image,class,answer,score`` with the answer
empty. Fill in the answers (1 = present, 0 = absent; an empty answer is
skipped) and merge them with tools/merge_labels.py. See
docs/partial_labels.md, "A labelling loop".
"""

import argparse
import sys

from mmengine.config import DictAction
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

import mmspml  # noqa: F401  (registers mmspml's modules)
from mmspml.apis import SPMLInferencer
from mmspml.apis.labelling import (
    annotation_paths,
    suggest_pairs,
    training_set_loader,
    write_suggestions,
)
from mmspml.utils import stop_with_message, suggest_registered_names
from mmspml.utils.config_names import load_config


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint', help='a .pth file or a work dir')
    parser.add_argument('--out', required=True, help='the CSV to write')
    size = parser.add_mutually_exclusive_group(required=True)
    size.add_argument('--num', type=int, help='how many pairs to suggest')
    size.add_argument(
        '--frac',
        type=float,
        help='suggest this fraction of all training entries (N x C)',
    )
    parser.add_argument('--batch-size', type=int, default=64)
    parser.add_argument('--trust-checkpoint', action='store_true')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


def main():
    args = parse_args()
    cfg = load_config(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    with (
        suggest_registered_names(),
        stop_with_message('tools/suggest_labels.py'),
    ):
        inferencer = SPMLInferencer(
            cfg, args.checkpoint, trust_checkpoint=args.trust_checkpoint
        )
        with DefaultScope.overwrite_default_scope(
            inferencer.config.get('default_scope', 'mmpretrain')
        ):
            loader = Runner.build_dataloader(
                training_set_loader(inferencer.config, args.batch_size)
            )
    dataset = loader.dataset
    data = inferencer.score_dataloader(loader)
    observed = dataset.observed_labels
    num = args.num or int(round(args.frac * observed.size))
    if num < 1:
        sys.exit(
            'tools/suggest_labels.py: error: nothing to suggest (--num '
            'or --frac gives 0 pairs)'
        )
    pairs = suggest_pairs(data['scores'], observed, num)
    classes = inferencer.classes
    write_suggestions(args.out, pairs, annotation_paths(dataset), classes)
    unknown = int((observed == 0).sum())
    print(
        f'Wrote {len(pairs)} suggestions ({len(pairs) / observed.size:.2%} of '
        f'{observed.size} training entries; {unknown} unknown) over '
        f'{len({c for _, c, _ in pairs})} classes to {args.out}; fill in '
        'the answer column (1 = present, 0 = absent) and run '
        'tools/merge_labels.py.'
    )


if __name__ == '__main__':
    main()
