"""Rewrite a pickle annotation file you trust as JSON.

    python tools/dataset_converters/annotations_to_json.py ann.pkl ann.json

mmspml reads annotation files as JSON or YAML only: a pickle can run code
when it is read. This reads ANN.PKL ONCE WITH PICKLE -- only for a file from
a source you trust -- and writes the same contents as JSON (numpy arrays
and numbers become lists and numbers), which ``SPMLMultiLabelDataset``
then reads.
"""

import argparse
import json
import pickle
import sys

import numpy as np

from mmspml.utils import write_atomically


def plain(obj):
    """``obj`` with numpy arrays and scalars as lists and numbers."""
    if isinstance(obj, dict):
        return {
            str(k) if not isinstance(k, (str, int, float, bool)) else k: plain(
                v
            )
            for k, v in obj.items()
        }
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return plain(obj.tolist())
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def main():
    parser = argparse.ArgumentParser(
        description='Rewrite a trusted pickle annotation file as JSON '
        '(reading it runs any code it holds).'
    )
    parser.add_argument('src', help='the .pkl annotation file you trust')
    parser.add_argument('dst', help='the .json file to write')
    args = parser.parse_args()
    with open(args.src, 'rb') as f:
        annotations = pickle.load(f)
    try:
        text = json.dumps(plain(annotations), indent=1, allow_nan=False)
    except (TypeError, ValueError, RecursionError, MemoryError) as err:
        sys.exit(
            f'annotations_to_json.py: error: {args.src}: cannot be '
            f'written as JSON ({type(err).__name__}: {err}); an '
            'annotation file holds lists, dicts, strings and finite '
            'numbers'
        )
    write_atomically(args.dst, text + '\n')
    rows = (
        len(annotations.get('data_list', []))
        if isinstance(annotations, dict)
        else '?'
    )
    print(f'Wrote {args.dst} ({rows} images) from {args.src}.')


if __name__ == '__main__':
    main()
