"""CUB-200-2011's 312 binary attributes as multi-label targets."""

import os.path as osp

import numpy as np
from mmpretrain.registry import DATASETS

from .dataset import SPMLBenchmarkDataset
from .label_table import LabelTable, check_split, read_columns


def load_cub_attributes(root: str, split: str) -> LabelTable:
    """CUB-200-2011's 312 binary attributes (``is_present``) as labels.

    Rows in ``images.txt`` order, split by ``train_test_split.txt``.

    Args:
        root (str): Folder that contains ``attributes.txt`` and
            ``CUB_200_2011/``.
        split (str): ``'train'`` or ``'test'`` (the SPML test set).

    Returns:
        LabelTable: The images of ``split`` with their present attributes,
        paths relative to ``root`` (``CUB_200_2011/images/...``), and the
        312 attribute names; nothing is dropped.

    Raises:
        FileNotFoundError: A file of the layout is missing.
        ValueError: An unknown ``split``, a line with too few columns, an
            unknown image or attribute, or an (image, attribute) pair with
            no ``is_present`` value.
    """
    check_split(split, ('train', 'test'))
    cub = osp.join(root, 'CUB_200_2011')
    classes = [
        r[1] for r in read_columns(osp.join(root, 'attributes.txt'), 2, 'cub')
    ]
    images = read_columns(osp.join(cub, 'images.txt'), 2, 'cub')
    is_train = {
        r[0]: r[1] == '1'
        for r in read_columns(osp.join(cub, 'train_test_split.txt'), 2, 'cub')
    }
    path = osp.join(cub, 'attributes', 'image_attribute_labels.txt')
    row_of = {image_id: row for row, (image_id, _) in enumerate(images)}
    labels = np.zeros((len(images), len(classes)), dtype=np.uint8)
    seen = np.zeros_like(labels, dtype=bool)
    for parts in read_columns(path, 3, 'cub'):
        row, col = row_of.get(parts[0]), int(parts[1]) - 1
        if row is None or not 0 <= col < len(classes):
            raise ValueError(
                f'{path}: unknown image {parts[0]} or attribute {parts[1]}'
            )
        labels[row, col] = parts[2] == '1'
        seen[row, col] = True
    if not seen.all():
        row, col = np.argwhere(~seen)[0]
        raise ValueError(
            f'{path}: no is_present value for image '
            f'{images[row][0]}, attribute {col + 1}'
        )
    keep = [
        i
        for i, (image_id, _) in enumerate(images)
        if is_train[image_id] == (split == 'train')
    ]
    return LabelTable(
        img_paths=[f'CUB_200_2011/images/{images[i][1]}' for i in keep],
        labels=labels[keep],
        classes=classes,
    )


@DATASETS.register_module()
class SPMLCUB(SPMLBenchmarkDataset):
    """CUB-200-2011's 312 attributes for SPML (:func:`load_cub_attributes`);
    ``split`` is ``'train'`` or ``'test'``."""

    loader = staticmethod(load_cub_attributes)
    splits = ('train', 'test')
