"""Convert an image,label,confidence CSV into an mmspml annotation file.

    python tools/dataset_converters/labels_csv_to_json.py CSV OUT.json \
        --classes CLASSES.txt [--img-prefix DIR] [--data-root DIR] \
        [--skip-missing]

CSV has a header naming the columns ``image`` (the image's path, relative
to --img-prefix), ``label`` (a class name of CLASSES.txt, one name per
line) and ``confidence``: 1 = present (an observed positive), 0 = verified
absent (a verified negative); nothing else, -1 included. A pair without a
row is unknown. OUT.json lists the images in the order they first appear,
each with ``img_path``, ``gt_label`` and ``neg_label`` (class indices), which
``PartialLabelDataset(known_frac='dataset')`` reads (docs/partial_labels.md).
With --data-root, every image must exist at DATA_ROOT/IMG_PREFIX/IMAGE: the
tool stops and names the first ten missing ones, or leaves them out with
--skip-missing. Needs pyarrow (pip install -r requirements/optional.txt).
"""

import argparse
import json
import sys

from mmspml.datasets.label_csv_convert import labels_csv_to_annotations
from mmspml.utils import stop_with_message, write_atomically

TOOL = 'labels_csv_to_json.py'


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        epilog='confidence is 1 (present) or 0 (verified absent); -1 is not '
        'accepted: write 0 for a verified negative and leave unknown pairs '
        'out.',
    )
    parser.add_argument('csv', help='the image,label,confidence CSV')
    parser.add_argument('out', help='the annotation file to write (.json)')
    parser.add_argument(
        '--classes',
        required=True,
        help='the class list: one class name per line, no header (not a CSV)',
    )
    parser.add_argument(
        '--img-prefix', default='', help='folder put before every image'
    )
    parser.add_argument(
        '--data-root',
        help='look for every image at DATA_ROOT/IMG_PREFIX/IMAGE',
    )
    parser.add_argument(
        '--skip-missing',
        action='store_true',
        help='leave out (and count) the images not under --data-root',
    )
    args = parser.parse_args()
    with stop_with_message(TOOL):
        try:
            annotations, report = labels_csv_to_annotations(
                args.csv,
                args.classes,
                img_prefix=args.img_prefix,
                data_root=args.data_root,
                skip_missing=args.skip_missing,
            )
        except (ValueError, ImportError) as err:
            sys.exit(f'{TOOL}: error: {err}')
        write_atomically(args.out, json.dumps(annotations) + '\n')
    print(
        f'Wrote {args.out}: {report["images"]} images, '
        f'{report["positives"]} positives, {report["negatives"]} verified '
        f'negatives over {len(annotations["metainfo"]["classes"])} classes'
        + (
            f'; {report["repeated_rows"]} repeated rows counted once'
            if report['repeated_rows']
            else ''
        )
    )
    if report['missing']:
        print(
            f'Left out {len(report["missing"])} images not under '
            f'{args.data_root} (--skip-missing), first ten: '
            f'{report["missing"][:10]}'
        )
    elif args.data_root is None:
        print('Images were not looked for on disk (no --data-root).')


if __name__ == '__main__':
    main()
