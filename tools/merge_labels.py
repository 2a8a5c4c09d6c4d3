"""Merge answered suggestions into an annotation file.

    python tools/merge_labels.py ANNOTATIONS ANSWERS.csv [--out NEW.json]
        [--overwrite]

A yes (1) adds the class to the image's ``gt_label`` (observed positives),
a no (0) to its ``neg_label`` (verified negatives); an empty answer is
skipped. An answer that contradicts an observed label stops the merge
unless ``--overwrite``. Without ``--out`` the file is rewritten in place
after a backup next to it (``<file>.bak``, numbered if that exists).
"""

import argparse
import json
import os.path as osp
import shutil

import mmspml  # noqa: F401
from mmspml.apis.labelling import merge_answers, read_answers
from mmspml.datasets.annotation_checks import check_annotations
from mmspml.datasets.annotation_file import read_annotation_file
from mmspml.utils import stop_with_message, write_atomically


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('annotations', help='the annotation file (JSON)')
    parser.add_argument('answers', help='the answered suggestions CSV')
    parser.add_argument('--out', help='write here instead of in place')
    parser.add_argument(
        '--overwrite',
        action='store_true',
        help='replace observed labels that an answer contradicts',
    )
    return parser.parse_args()


def backup(path: str) -> str:
    """Copy ``path`` to a free ``<path>.bak[.<n>]``; return that name."""
    target, n = f'{path}.bak', 1
    while osp.exists(target):
        target, n = f'{path}.bak.{n}', n + 1
    shutil.copy2(path, target)
    return target


def main():
    args = parse_args()
    tool = 'tools/merge_labels.py'
    with stop_with_message(tool):
        try:
            annotations = read_annotation_file(args.annotations)
            check_annotations(annotations, args.annotations, None)
            classes = annotations['metainfo']['classes']
            answers = read_answers(args.answers, classes)
            counts = merge_answers(annotations, answers, args.overwrite)
            check_annotations(annotations, args.annotations, None)
        except ValueError as err:
            raise SystemExit(f'{tool}: error: {err}') from None
        out = args.out or args.annotations
        saved = None if args.out else backup(args.annotations)
        write_atomically(out, json.dumps(annotations) + '\n')
    print(
        f'Merged {len(answers)} answers into {out}: {counts["positives"]} '
        f'positives and {counts["negatives"]} verified negatives added, '
        f'{counts["same"]} already observed, {counts["changed"]} changed'
        + (f'; the previous file is {saved}' if saved else '')
    )


if __name__ == '__main__':
    main()
