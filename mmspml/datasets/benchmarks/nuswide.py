"""NUS-WIDE's 81 concepts from the official release."""

import os.path as osp

import numpy as np
from mmpretrain.registry import DATASETS

from .dataset import SPMLBenchmarkDataset
from .label_table import LabelTable, check_split, require_path


def load_nuswide(root: str, split: str) -> LabelTable:
    """NUS-WIDE's 81 concepts from the official release.

    Rows in image-list order. Images without any of the 81 labels are dropped
    and reported (the official files list them as all-negative).

    Args:
        root (str): Folder that contains ``Concepts81.txt``, ``ImageList/``,
            ``Groundtruth/`` and ``Flickr/``.
        split (str): ``'train'`` or ``'test'``.

    Returns:
        LabelTable: The images with at least one of the 81 labels, paths
        relative to ``root`` (``Flickr/...``), the concept names of
        ``Concepts81.txt``, and the images without a label under
        ``dropped``.

    Raises:
        FileNotFoundError: A file of the layout is missing.
        ValueError: An unknown ``split``, or a label file that does not
            hold one 0 or 1 per listed image.
    """
    check_split(split, ('train', 'test'))
    concepts = require_path(
        osp.join(root, 'Concepts81.txt'), 'file', 'nuswide'
    )
    with open(concepts) as f:
        classes = [line.strip() for line in f if line.strip()]
    list_file = osp.join(
        root, 'ImageList', f'{split.capitalize()}Imagelist.txt'
    )
    with open(require_path(list_file, 'file', 'nuswide')) as f:
        img_paths = [
            'Flickr/' + line.strip().replace('\\', '/')
            for line in f
            if line.strip()
        ]
    labels = np.zeros((len(img_paths), len(classes)), dtype=np.uint8)
    for col, name in enumerate(classes):
        path = require_path(
            osp.join(
                root,
                'Groundtruth',
                'TrainTestLabels',
                f'Labels_{name}_{split.capitalize()}.txt',
            ),
            'file',
            'nuswide',
        )
        with open(path) as f:
            values = np.array(f.read().split(), dtype=np.int64)
        valid = np.isin(values, [0, 1]).all()
        if values.shape != (len(img_paths),) or not valid:
            raise ValueError(
                f'{path}: expected {len(img_paths)} values of 0 '
                f'or 1 (one per line of {list_file})'
            )
        labels[:, col] = values
    keep = labels.sum(axis=1) > 0
    return LabelTable(
        img_paths=[p for p, k in zip(img_paths, keep) if k],
        labels=labels[keep],
        classes=classes,
        dropped={
            'no label among the 81 concepts': [
                p for p, k in zip(img_paths, keep) if not k
            ]
        }
        if not keep.all()
        else {},
    )


@DATASETS.register_module()
class SPMLNUSWIDE(SPMLBenchmarkDataset):
    """NUS-WIDE's 81 concepts from the official release
    (:func:`load_nuswide`); ``split`` is ``'train'`` or ``'test'``."""

    loader = staticmethod(load_nuswide)
    splits = ('train', 'test')
