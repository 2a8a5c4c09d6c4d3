"""A multi-label dataset that says which file is wrong when loading fails."""
import os.path as osp
from typing import Any, Callable

import numpy as np
from mmpretrain.datasets import MultiLabelDataset
from mmpretrain.registry import DATASETS


def run_pipeline(pipeline: Callable, data_info: dict, where: str) -> Any:
    """Run ``pipeline`` on ``data_info``; re-raise any failure with the image
    and the dataset it came from, and never return ``None`` silently (the
    mmengine default would swap in a random other image)."""
    img_path = data_info.get('img_path', '<no img_path>')
    try:
        result = pipeline(data_info)
    except Exception as err:
        raise RuntimeError(
            f'{where}: could not load sample {data_info.get("sample_idx")} '
            f'(image {img_path!r}): {type(err).__name__}: {err}. Is the image '
            'missing or corrupt?') from err
    if result is None:
        raise RuntimeError(f'{where}: the pipeline returned None for image '
                           f'{img_path!r}; samples are never skipped.')
    return result


def label_matrix(dataset, num_classes: int, where: str) -> np.ndarray:
    """The N x C 0/1 matrix of a multi-label dataset's ``gt_label`` lists,
    checking every index against ``num_classes``."""
    labels = np.zeros((len(dataset), num_classes), dtype=np.uint8)
    for row in range(len(dataset)):
        cat_ids = np.asarray(dataset.get_cat_ids(row), dtype=np.int64)
        bad = cat_ids[(cat_ids < 0) | (cat_ids >= num_classes)]
        if bad.size:
            info = dataset.get_data_info(row)
            raise ValueError(
                f'{where}: row {row} (image {info.get("img_path")!r}) has '
                f'gt_label {bad.tolist()} outside [0, {num_classes}); the '
                f'metainfo lists {num_classes} classes.')
        labels[row, cat_ids] = 1
    return labels


@DATASETS.register_module()
class SPMLMultiLabelDataset(MultiLabelDataset):
    """:class:`mmpretrain.datasets.MultiLabelDataset` with strict checks.

    On load it checks that every ``gt_label`` index is a valid class; when a
    sample cannot be loaded it raises an error naming the image and the
    annotation file instead of silently training on another image.
    Arguments are those of ``MultiLabelDataset``.
    """

    def full_init(self):
        if self._fully_initialized:
            return
        if self.ann_file and not osp.isfile(self.ann_file):
            raise FileNotFoundError(
                f'{type(self).__name__}: annotation file {self.ann_file!r} '
                'does not exist (check data_root and ann_file).')
        super().full_init()
        label_matrix(self, len(self.CLASSES), self.describe())

    def describe(self) -> str:
        return f'{type(self).__name__}({self.ann_file!r})'

    def prepare_data(self, idx: int) -> Any:
        return run_pipeline(self.pipeline, self.get_data_info(idx),
                            self.describe())

    def __getitem__(self, idx: int) -> dict:
        if not self._fully_initialized:
            self.full_init()
        return self.prepare_data(idx)


def describe_dataset(dataset) -> str:
    """A short name for error messages: the class and its annotation file."""
    if hasattr(dataset, 'describe'):
        return dataset.describe()
    ann_file = getattr(dataset, 'ann_file', None)
    return f'{type(dataset).__name__}({ann_file!r})'
