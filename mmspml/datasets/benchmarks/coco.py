"""MS-COCO 2014 image-level labels in Cole et al.'s row order."""

import os.path as osp

import numpy as np
from mmpretrain.registry import DATASETS

from mmspml.utils import read_json

from .dataset import SPMLBenchmarkDataset
from .label_table import LabelTable, check_split, require_path


def load_coco2014(root: str, split: str) -> LabelTable:
    """MS-COCO 2014 image-level labels (Cole et al.'s row order).

    Images with at least one instance annotation, sorted by image id as a
    string; class index = position in the json's ``categories`` list.

    Args:
        root (str): Folder that contains ``annotations/`` and the images.
        split (str): ``'train'`` or ``'val'`` (the SPML test set).

    Returns:
        LabelTable: The images with their positives, paths relative to
        ``root`` (``{split}2014/<file name>``), the category names of the
        file, the images without any instance annotation under
        ``dropped``, and each image's instances (``label``, ``bbox``,
        ``area``) with its ``width`` and ``height`` under ``extra`` (what
        the size and location label biases read).

    Raises:
        FileNotFoundError: The annotation file is missing.
        ValueError: An unknown ``split``, a file that is not JSON or not
            an instances annotation file, or an annotation of an unknown
            category.
    """
    check_split(split, ('train', 'val'))
    path = require_path(
        osp.join(root, 'annotations', f'instances_{split}2014.json'),
        'file',
        'coco',
    )
    data = read_json(path, 'a COCO instances annotation file')
    for key in ('categories', 'annotations', 'images'):
        if key not in data:
            raise ValueError(
                f'{path}: no {key!r} field; is it an instances '
                'annotation file?'
            )
    index_of = {cat['id']: i for i, cat in enumerate(data['categories'])}
    positives, instances = {}, {}
    for ann in data['annotations']:
        if ann['category_id'] not in index_of:
            raise ValueError(
                f'{path}: annotation {ann.get("id")} has unknown '
                f'category_id {ann["category_id"]}'
            )
        label = index_of[ann['category_id']]
        positives.setdefault(ann['image_id'], set()).add(label)
        instances.setdefault(ann['image_id'], []).append(
            dict(label=label, bbox=ann.get('bbox'), area=ann.get('area'))
        )
    file_names = {img['id']: img.get('file_name') for img in data['images']}
    sizes = {
        img['id']: dict(width=img.get('width'), height=img.get('height'))
        for img in data['images']
    }
    ids = sorted(positives, key=str)  # as strings, like the published split
    labels = np.zeros((len(ids), len(index_of)), dtype=np.uint8)
    for row, image_id in enumerate(ids):
        labels[row, sorted(positives[image_id])] = 1
    img_paths = [
        f'{split}2014/'
        + (file_names.get(image_id) or f'COCO_{split}2014_{image_id:012d}.jpg')
        for image_id in ids
    ]
    unannotated = sorted(
        str(file_names[i]) for i in file_names if i not in positives
    )
    return LabelTable(
        img_paths=img_paths,
        labels=labels,
        classes=[cat['name'] for cat in data['categories']],
        dropped={'no instance annotation': unannotated} if unannotated else {},
        extra=[
            dict(sizes.get(image_id, {}), instances=instances[image_id])
            for image_id in ids
        ],
    )


@DATASETS.register_module()
class SPMLCOCO(SPMLBenchmarkDataset):
    """MS-COCO 2014 for SPML (:func:`load_coco2014`); the 80 classes come
    from the annotation file. Arguments as :class:`SPMLVOC`."""

    loader = staticmethod(load_coco2014)
