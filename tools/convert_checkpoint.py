"""Rewrite a checkpoint you trust in mmspml's plain format.

    python tools/convert_checkpoint.py OLD.pth NEW.pth

Checkpoints written by plain MMEngine or by mmspml before its plain format
hold numpy and ``HistoryBuffer`` objects, which safe loading refuses. This
loads OLD.pth ONCE WITH FULL UNPICKLING -- it runs any code the file holds,
so convert only files from a source you trust -- and writes NEW.pth as
plain data (docs/checkpoints.md), which every tool then loads with
``weights_only=True``. OLD.pth is left as it is.
"""

import argparse
import os.path as osp
import sys

import mmspml  # noqa: F401  (registers mmspml's modules)
from mmspml.engine.runner.checkpoint import (
    FORMAT_KEY,
    load_checkpoint_file,
    save_plain_checkpoint,
)
from mmspml.utils import stop_with_message


def main():
    parser = argparse.ArgumentParser(
        description='Rewrite a trusted checkpoint as plain data (loading it '
        'runs any code it holds).'
    )
    parser.add_argument('src', help='the checkpoint you trust')
    parser.add_argument('dst', help='where to write the plain checkpoint')
    args = parser.parse_args()
    if osp.abspath(args.src) == osp.abspath(args.dst):
        sys.exit(
            'tools/convert_checkpoint.py: error: write to another '
            'file; the original is kept.'
        )
    with stop_with_message('tools/convert_checkpoint.py'):
        checkpoint = load_checkpoint_file(args.src, trust=True)
        if not isinstance(checkpoint, dict):
            sys.exit(
                f'tools/convert_checkpoint.py: error: {args.src} holds '
                f'a {type(checkpoint).__name__}, not a checkpoint dict'
            )
        try:
            save_plain_checkpoint(checkpoint, args.dst)
        except TypeError as err:
            sys.exit(f'tools/convert_checkpoint.py: error: {args.src}: {err}')
        # What was written loads safely, as every tool will load it.
        load_checkpoint_file(args.dst)
    print(
        f'Wrote {args.dst} ({FORMAT_KEY} 1) from {args.src}; it loads '
        'with weights_only=True.'
    )


if __name__ == '__main__':
    main()
