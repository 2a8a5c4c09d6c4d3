"""Add a COCO instances file's boxes and areas to an annotation file.

    python tools/dataset_converters/add_coco_instances.py ann.json \
        --instances annotations/instances_train2014.json --out ann_inst.json

ANN.JSON is an mmpretrain-style multi-label file (``metainfo.classes`` and
a ``data_list`` of ``img_path`` / ``gt_label``). Each entry gets the
``instances`` of its image (``label``, ``bbox`` as ``[x, y, w, h]``,
``area``) and the image's ``width`` and ``height``: what
``SinglePositiveDataset(bias='size' | 'location')`` reads. Images are
matched by file name, categories by name. (``SPMLCOCO``, which reads the
instances file itself, needs no conversion.)
"""

import argparse
import json
import sys

from mmspml.datasets.bias_weights import add_coco_instances
from mmspml.utils import read_json, write_atomically
from mmspml.utils.cli import stop_with_message


def convert(args):
    """Read both files, add the instances and write ``args.out``.

    Args:
        args (argparse.Namespace): ``ann_file``, ``instances`` and ``out``.

    Returns:
        tuple[dict, int]: The annotation dict and the number of instances
        added.

    Raises:
        ValueError: A file is not what it should be (the message names it).
    """
    ann = read_json(args.ann_file, 'an mmpretrain annotation file')
    classes = ann.get('metainfo', {}).get('classes')
    if not classes or not isinstance(ann.get('data_list'), list):
        raise ValueError(
            f'{args.ann_file}: expected metainfo.classes and a data_list'
        )
    coco = read_json(args.instances, 'a COCO instances annotation file')
    try:
        added = add_coco_instances(ann, coco, classes)
    except (ValueError, KeyError, TypeError) as err:
        raise ValueError(f'{args.instances}: {err}') from None
    write_atomically(args.out, json.dumps(ann))
    return ann, added


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('ann_file', help='mmpretrain-style annotation json')
    parser.add_argument(
        '--instances', required=True, help='COCO instances_*.json'
    )
    parser.add_argument('--out', required=True, help='output json')
    args = parser.parse_args()
    with stop_with_message('add_coco_instances'):
        try:
            ann, added = convert(args)
        except ValueError as err:
            sys.exit(f'add_coco_instances: error: {err}')
    print(
        f'{args.out}: {len(ann["data_list"])} images, {added} instances '
        f'from {args.instances}'
    )


if __name__ == '__main__':
    main()
