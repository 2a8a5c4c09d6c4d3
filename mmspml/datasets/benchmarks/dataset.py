"""The base of the benchmark datasets: a reader's :class:`LabelTable`
becomes an mmpretrain data list."""

import os.path as osp

import numpy as np
from mmengine.logging import print_log

from ..multi_label import SPMLMultiLabelDataset
from .label_table import LabelTable, check_split


class SPMLBenchmarkDataset(SPMLMultiLabelDataset):
    """Base of the benchmark datasets: a :class:`LabelTable` loader becomes
    an mmpretrain data list (``img_path``, ``gt_label`` and, when the layout
    has them, ``observed_label``).

    A subclass sets ``loader`` (a ``load_*`` function of
    :mod:`mmspml.datasets.benchmarks`) and ``splits`` (the splits it
    takes); there is no annotation file. Images are found under
    ``data_prefix['img_path']`` when given, else under ``data_root``.

    Args:
        data_root (str): Folder of the benchmark in its official layout.
        split (str): One of the class's ``splits``. Defaults to
            ``'train'``.
        **kwargs: Other arguments of :class:`SPMLMultiLabelDataset`
            (``pipeline``, ``metainfo``, ``on_bad_image``...).

    Raises:
        ValueError: ``split`` is not one of the class's ``splits``.
    """

    loader = None
    splits = ('train', 'val')

    def __init__(self, data_root: str, split: str = 'train', **kwargs):
        check_split(split, self.splits)
        self.split = split
        super().__init__(ann_file='', data_root=data_root, **kwargs)

    def load_table(self) -> LabelTable:
        """Read the benchmark with the class's ``loader``.

        Returns:
            LabelTable: The rows of ``split`` under ``data_root``.
        """
        return type(self).loader(self.data_root, self.split)

    def load_data_list(self) -> list:
        table = self.load_table()
        print_log(f'{self.describe()}: {table.summary()}', logger='current')
        if self._metainfo.get('classes') is None:
            self._metainfo['classes'] = tuple(table.classes)
        elif len(self._metainfo['classes']) != len(table.classes):
            raise ValueError(
                f'{self.describe()}: metainfo lists '
                f'{len(self._metainfo["classes"])} classes, the data '
                f'{len(table.classes)}'
            )
        data_list = []
        for row, path in enumerate(table.img_paths):
            info = dict(
                img_path=osp.join(
                    self.data_prefix.get('img_path', '') or self.data_root,
                    path,
                ),
                gt_label=np.flatnonzero(table.labels[row]).tolist(),
            )
            if table.extra is not None:
                info.update(table.extra[row])
            if table.observed is not None:
                info['observed_label'] = np.flatnonzero(
                    table.observed[row]
                ).tolist()
            data_list.append(info)
        return data_list

    def describe(self) -> str:
        return f'{type(self).__name__}({self.data_root!r}, {self.split!r})'
