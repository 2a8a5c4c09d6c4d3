"""A multi-label dataset that says which file is wrong when loading fails."""

import logging
import os.path as osp
from typing import Any, Callable, Optional

import numpy as np
from mmengine import fileio
from mmengine.dataset import BaseDataset as MMEngineBaseDataset
from mmengine.logging import print_log
from mmpretrain.datasets import MultiLabelDataset
from mmpretrain.registry import DATASETS

from .annotation_checks import check_annotations, short_repr
from .annotation_file import read_annotation_file
from .labels import SparseLabels
from .transforms import image_file_problem


def run_pipeline(pipeline: Callable, data_info: dict, where: str) -> Any:
    """Run ``pipeline`` on ``data_info``; re-raise any failure with the image
    and the dataset it came from, and never return ``None`` silently (the
    mmengine default would swap in a random other image).

    Args:
        pipeline (Callable): The dataset's pipeline.
        data_info (dict): The sample's info (``img_path``, ``gt_label``,
            ``sample_idx``...).
        where (str): The dataset's name in the error.

    Returns:
        Any: What the pipeline returns for the sample.

    Raises:
        RuntimeError: The pipeline failed or returned None.
    """
    img_path = data_info.get('img_path', '<no img_path>')
    try:
        result = pipeline(data_info)
    except Exception as err:
        raise RuntimeError(
            f'{where}: could not load sample {data_info.get("sample_idx")} '
            f'(image {img_path!r}): {type(err).__name__}: {err}. Is the image '
            'missing or corrupt?'
        ) from err
    if result is None:
        raise RuntimeError(
            f'{where}: the pipeline returned None for image '
            f'{img_path!r}; samples are never skipped.'
        )
    return result


def gt_labels_of(dataset, num_classes: int, where: str) -> SparseLabels:
    """The positives of every row of a multi-label dataset.

    Uses the dataset's ``gt_labels`` (a :class:`SparseLabels` that
    :class:`SPMLMultiLabelDataset` indexes once at load time) when it has
    them, else reads every row's ``get_cat_ids``. An index outside
    ``[0, num_classes)`` raises a ``ValueError`` naming the row and image.

    Args:
        dataset (Dataset): A multi-label dataset with ``get_cat_ids`` and
            ``get_data_info``.
        num_classes (int): The number of classes of its metainfo.
        where (str): The dataset's name in the errors.

    Returns:
        SparseLabels: The positives of every row, in dataset order.

    Raises:
        ValueError: An index outside ``[0, num_classes)``, or indexed
            ``gt_labels`` over another number of classes.
    """
    labels = getattr(dataset, 'gt_labels', None)
    if isinstance(labels, SparseLabels) and len(labels) == len(dataset):
        if labels.num_classes != num_classes:
            raise ValueError(
                f'{where}: the dataset indexes '
                f'{labels.num_classes} classes, its metainfo '
                f'lists {num_classes}.'
            )
        return labels
    lists = [dataset.get_cat_ids(row) for row in range(len(dataset))]
    return SparseLabels.from_lists(
        lists,
        num_classes,
        where,
        lambda row: (
            f'row {row} (image {dataset.get_data_info(row).get("img_path")!r})'
        ),
    )


@DATASETS.register_module()
class SPMLMultiLabelDataset(MultiLabelDataset):
    """:class:`mmpretrain.datasets.MultiLabelDataset` with strict checks.

    On load it checks the annotation file (:func:`check_annotations`: its
    structure, every ``img_path`` and ``gt_label``, duplicate images, class
    indices) and raises an error naming the file, the row and the field;
    when a sample cannot be loaded it raises an error naming the image and
    the annotation file instead of silently training on another image.

    Partial labels: a row may list verified negatives in ``neg_label``
    (class indices, disjoint from its ``gt_label``); every class in neither
    is unknown. When any row has one, ``neg_labels`` and
    :attr:`partial_labels` hold them and every sample carries its observed
    labels as ``gt_score`` (1 = ``gt_label``, -1 = ``neg_label``, 0 =
    unknown), which an MMPretrain head passes to the loss as its target.

    Args:
        on_bad_image (str): What to do with images that are missing or
            corrupt. ``'error'`` raises an error naming the image when the
            sample is loaded. ``'skip'`` opens and fully decodes every image
            once at load (``full_init``), removes the bad ones from the data
            list before anything else uses it (so the single-positive draw
            and the split only see good rows), logs each one with its path
            and reason and a count, and records them in
            ``skipped_images`` (a list of ``(img_path, reason)``). Defaults
            to ``'error'``.
        *args: The positional arguments of ``MultiLabelDataset``.
        **kwargs: The arguments of ``MultiLabelDataset``.

    Raises:
        ValueError: ``on_bad_image`` is not ``'error'`` or ``'skip'``.
    """

    def __init__(self, *args, on_bad_image: str = 'error', **kwargs):
        if on_bad_image not in ('error', 'skip'):
            raise ValueError(
                f'{type(self).__name__}: on_bad_image must be '
                f"'error' or 'skip', got {on_bad_image!r}"
            )
        self.on_bad_image = on_bad_image
        self.skipped_images = []
        super().__init__(*args, **kwargs)

    def full_init(self):
        if self._fully_initialized:
            return
        if self.ann_file and not osp.isfile(self.ann_file):
            raise FileNotFoundError(
                f'{type(self).__name__}: annotation file {self.ann_file!r} '
                'does not exist (check data_root and ann_file).'
            )
        self.gt_labels = None
        self.neg_labels = None
        super().full_init()
        # ``filter_data`` indexed the labels of the final data list unless
        # ``indices`` took a subset (or reordered it) after it; index them
        # again then.
        if (
            self.gt_labels is None
            or self._indices is not None
            or len(self.gt_labels) != len(self)
        ):
            self.gt_labels = None
            self.gt_labels = gt_labels_of(
                self, len(self.CLASSES), self.describe()
            )
            if self.neg_labels is not None:
                self.neg_labels = None  # get_data_info must not use it
                negatives = [
                    self.get_data_info(row).get('neg_label', [])
                    for row in range(len(self))
                ]
                self.neg_labels = SparseLabels.from_lists(
                    negatives, len(self.CLASSES), self.describe()
                )

    def load_data_list(self) -> list:
        """MMEngine's ``load_data_list`` with :func:`check_annotations`; the
        ``data_prefix`` joins resolve their file backend once, not per row."""
        annotations = read_annotation_file(self.ann_file)
        check_annotations(
            annotations, self.ann_file, self._metainfo.get('classes')
        )
        for key, value in annotations['metainfo'].items():
            self._metainfo.setdefault(key, value)
        raw_list = annotations['data_list']
        if (
            type(self).parse_data_info
            is not MMEngineBaseDataset.parse_data_info
        ):
            return [self.parse_data_info(info) for info in raw_list]
        for key, prefix in self.data_prefix.items():
            join = fileio.get_file_backend(prefix).join_path
            for row, info in enumerate(raw_list):
                if key not in info:
                    raise ValueError(
                        f'{self.ann_file}: data_list[{row}] has no {key!r} '
                        f'for the data_prefix {key}={prefix!r}: '
                        f'{short_repr(info)}'
                    )
                info[key] = join(prefix, info[key])
        return raw_list

    def filter_data(self) -> list:
        """With ``on_bad_image='skip'``, leave out the images that cannot be
        read (run once in ``full_init``, before any other use); then index
        the labels of what is kept (``gt_labels``, a :class:`SparseLabels`)
        before MMEngine serializes the data list."""
        data_list = self._skip_bad_images(super().filter_data())
        if not data_list:
            raise ValueError(
                f'{self.ann_file}: no image is left to use'
                + (
                    f' ({len(self.skipped_images)} skipped as missing or '
                    'corrupt)'
                    if self.skipped_images
                    else ' after filtering (filter_cfg)'
                )
                + '.'
            )
        classes = self._metainfo.get('classes')
        if classes is not None and any('neg_label' in i for i in data_list):
            self.neg_labels = SparseLabels.from_lists(
                [info.get('neg_label', []) for info in data_list],
                len(classes),
                self.describe(),
            )
        if classes is not None:
            self.gt_labels = SparseLabels.from_lists(
                [info['gt_label'] for info in data_list],
                len(classes),
                self.describe(),
                lambda row: (
                    f'row {row} (image {data_list[row].get("img_path")!r})'
                ),
            )
        return data_list

    def _skip_bad_images(self, data_list: list) -> list:
        if self.on_bad_image == 'error':
            return data_list
        kept = []
        for info in data_list:
            reason = image_file_problem(info['img_path'])
            if reason is None:
                kept.append(info)
                continue
            self.skipped_images.append((info['img_path'], reason))
            print_log(
                f'{self.describe()}: skipped image '
                f'{info["img_path"]!r}: {reason}',
                logger='current',
                level=logging.WARNING,
            )
        print_log(
            f"{self.describe()}: on_bad_image='skip' left out "
            f'{len(self.skipped_images)} of {len(data_list)} images '
            'that cannot be read',
            logger='current',
            level=logging.WARNING if self.skipped_images else logging.INFO,
        )
        return kept

    @property
    def partial_labels(self) -> Optional[SparseLabels]:
        """The partial labels of a file with ``neg_label``: observed
        positives and verified negatives with their states; None when no
        row has a ``neg_label`` (the ``gt_label`` are then the full
        labels)."""
        if not self._fully_initialized:
            self.full_init()
        if self.neg_labels is None:
            return None
        return SparseLabels.from_observed(self.gt_labels, self.neg_labels)

    def get_data_info(self, idx: int) -> dict:
        """MMEngine's sample info; with partial labels also ``gt_score``,
        the observed labels 1 / -1 / 0 of the sample.

        Args:
            idx (int): The sample's index.

        Returns:
            dict: The info of sample ``idx``.
        """
        info = super().get_data_info(idx)
        if getattr(self, 'neg_labels', None) is not None:
            row = np.zeros(self.neg_labels.num_classes, dtype=np.float32)
            row[self.gt_labels.positives(idx)] = 1
            row[self.neg_labels.positives(idx)] = -1
            info['gt_score'] = row
        return info

    def image_paths(self, rows=None) -> list:
        """The ``img_path`` of every row (or of ``rows``), without the
        labels that :meth:`get_data_info` adds
        (:func:`~mmspml.datasets.image_files.unreadable_images`).

        Args:
            rows (Sequence[int], optional): Only these rows, in that order.
                Defaults to None (all rows).

        Returns:
            list[str | None]: One path per row (None for a row without).
        """
        rows = range(len(self)) if rows is None else rows
        info_of = super().get_data_info
        return [info_of(int(row)).get('img_path') for row in rows]

    def describe(self) -> str:
        """The dataset's name in messages: its class and annotation file.

        Returns:
            str: E.g. ``"SPMLMultiLabelDataset('data/train.json')"``.
        """
        return f'{type(self).__name__}({self.ann_file!r})'

    def prepare_data(self, idx: int) -> Any:
        return run_pipeline(
            self.pipeline, self.get_data_info(idx), self.describe()
        )

    def __getitem__(self, idx: int) -> dict:
        if not self._fully_initialized:
            self.full_init()
        return self.prepare_data(idx)


def describe_dataset(dataset) -> str:
    """A short name for error messages: the class and its annotation file.

    Args:
        dataset (Dataset): Any dataset; its own ``describe()`` is used
            when it has one.

    Returns:
        str: The name, e.g. ``"SPMLVOC('data/voc', 'train')"``.
    """
    if hasattr(dataset, 'describe'):
        return dataset.describe()
    ann_file = getattr(dataset, 'ann_file', None)
    return f'{type(dataset).__name__}({ann_file!r})'
