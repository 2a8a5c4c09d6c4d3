"""PASCAL VOC 2012 image-level labels in Cole et al.'s row order."""

import os.path as osp

import numpy as np
from mmpretrain.registry import DATASETS

from .dataset import SPMLBenchmarkDataset
from .label_table import LabelTable, check_split, require_path

VOC_CLASSES = (
    'aeroplane',
    'bicycle',
    'bird',
    'boat',
    'bottle',
    'bus',
    'car',
    'cat',
    'chair',
    'cow',
    'diningtable',
    'dog',
    'horse',
    'motorbike',
    'person',
    'pottedplant',
    'sheep',
    'sofa',
    'train',
    'tvmonitor',
)


def load_voc2012(root: str, split: str) -> LabelTable:
    """PASCAL VOC 2012 image-level labels (Cole et al.'s row order).

    Images listed with label 1 for at least one class, sorted by file name;
    ``0`` (difficult) and ``-1`` are not positive. Images listed with no
    positive are dropped and reported.

    Args:
        root (str): Folder that contains ``VOCdevkit/``.
        split (str): ``'train'`` or ``'val'`` (the SPML test set).

    Returns:
        LabelTable: The images with a positive, paths relative to ``root``
        (``VOCdevkit/VOC2012/JPEGImages/<id>.jpg``), the 20
        :data:`VOC_CLASSES`, and the images listed with no positive under
        ``dropped``.

    Raises:
        FileNotFoundError: A folder or file of the layout is missing.
        ValueError: An unknown ``split``, or a line that is not
            ``"<image id> <-1|0|1>"``.
    """
    check_split(split, ('train', 'val'))
    main = require_path(
        osp.join(root, 'VOCdevkit', 'VOC2012', 'ImageSets', 'Main'),
        'dir',
        'voc',
    )
    positives, listed = {}, set()
    for index, name in enumerate(VOC_CLASSES):
        path = require_path(
            osp.join(main, f'{name}_{split}.txt'), 'file', 'voc'
        )
        with open(path) as f:
            for line_no, line in enumerate(f, 1):
                parts = line.split()
                if not parts:
                    continue
                if len(parts) != 2 or parts[1] not in ('-1', '0', '1'):
                    raise ValueError(
                        f'{path}:{line_no}: expected "<image id> '
                        f'<-1|0|1>", got {line.rstrip()!r}'
                    )
                listed.add(parts[0])
                if parts[1] == '1':
                    positives.setdefault(parts[0], []).append(index)
    files = sorted(f'{image_id}.jpg' for image_id in positives)
    labels = np.zeros((len(files), len(VOC_CLASSES)), dtype=np.uint8)
    for row, fname in enumerate(files):
        labels[row, positives[fname[:-4]]] = 1
    no_positive = sorted(listed - set(positives))
    return LabelTable(
        img_paths=[f'VOCdevkit/VOC2012/JPEGImages/{f}' for f in files],
        labels=labels,
        classes=list(VOC_CLASSES),
        dropped={'no positive label (only -1 or difficult)': no_positive}
        if no_positive
        else {},
    )


@DATASETS.register_module()
class SPMLVOC(SPMLBenchmarkDataset):
    """PASCAL VOC 2012 for SPML (:func:`load_voc2012`).

    Args:
        data_root (str): Folder that contains ``VOCdevkit/``.
        split (str): ``'train'`` (official train, split 80/20 by
            :class:`SinglePositiveDataset`) or ``'val'`` (the test set).
        **kwargs: Other arguments of ``MultiLabelDataset`` (``pipeline``...).
    """

    loader = staticmethod(load_voc2012)
    METAINFO = dict(classes=VOC_CLASSES)
