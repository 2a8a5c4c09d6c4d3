"""A multi-label dataset that says which file is wrong when loading fails."""
import itertools
import logging
import numbers
import os.path as osp
from typing import Any, Callable, Optional, Sequence

import numpy as np
from mmengine import fileio
from mmengine.dataset import BaseDataset as MMEngineBaseDataset
from mmengine.logging import print_log
from mmpretrain.datasets import MultiLabelDataset
from mmpretrain.registry import DATASETS

from .annotation_file import read_annotation_file
from .labels import SparseLabels
from .transforms import image_file_problem


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


def gt_labels_of(dataset, num_classes: int, where: str) -> SparseLabels:
    """The positives of every row of a multi-label dataset.

    Uses the dataset's ``gt_labels`` (a :class:`SparseLabels` that
    :class:`SPMLMultiLabelDataset` indexes once at load time) when it has
    them, else reads every row's ``get_cat_ids``. An index outside
    ``[0, num_classes)`` raises a ``ValueError`` naming the row and image.
    """
    labels = getattr(dataset, 'gt_labels', None)
    if isinstance(labels, SparseLabels) and len(labels) == len(dataset):
        if labels.num_classes != num_classes:
            raise ValueError(f'{where}: the dataset indexes '
                             f'{labels.num_classes} classes, its metainfo '
                             f'lists {num_classes}.')
        return labels
    lists = [dataset.get_cat_ids(row) for row in range(len(dataset))]
    return SparseLabels.from_lists(
        lists, num_classes, where,
        lambda row: f'row {row} (image '
        f'{dataset.get_data_info(row).get("img_path")!r})')


def short_repr(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + '...'


def check_annotations(annotations: Any, path: str,
                      classes: Optional[Sequence[str]]) -> None:
    """Check a ``MultiLabelDataset`` annotation file once, at load time.

    Raises a ``TypeError`` (wrong type) or ``ValueError`` (wrong value) that
    names ``path``, the row (``data_list[i]``), the field and the value for:
    a file that is not ``{"metainfo": {...}, "data_list": [...]}``, an entry
    that is not a dict, a missing or non-string ``img_path``, an image listed
    twice, a missing ``gt_label``, a ``gt_label`` that is not a list of
    integer class indices (a class name, float, bool, nested list...) and an
    index outside ``[0, len(classes))``. ``classes`` are the metainfo classes
    (those of the annotation file when None), checked by
    :func:`check_classes`.
    """
    if not isinstance(annotations, dict):
        raise TypeError(f'{path}: expected a dict with "metainfo" and '
                        f'"data_list", got {type(annotations).__name__}')
    for key, kind in (('metainfo', dict), ('data_list', list)):
        if key not in annotations:
            raise ValueError(f'{path}: has no "{key}"; expected a dict with '
                             f'"metainfo" and "data_list", got the keys '
                             f'{sorted(annotations)}')
        if not isinstance(annotations[key], kind):
            raise TypeError(f'{path}: {key} must be a {kind.__name__}, got '
                            f'{type(annotations[key]).__name__} '
                            f'{short_repr(annotations[key])}')
    if not annotations['data_list']:
        raise ValueError(f'{path}: data_list is empty; an annotation file '
                         'lists at least one image.')
    if classes is None:
        classes = annotations['metainfo'].get('classes')
    check_classes(classes, path)
    if looks_valid(annotations['data_list'], classes):
        return
    first_row = {}
    for row, info in enumerate(annotations['data_list']):
        where = f'{path}: data_list[{row}]'
        if not isinstance(info, dict):
            raise TypeError(f'{where} must be a dict with "img_path" and '
                            f'"gt_label", got {short_repr(info)}')
        for key in ('img_path', 'gt_label'):
            if key not in info:
                raise ValueError(f'{where} has no "{key}"; every entry needs '
                                 f'"img_path" and "gt_label", got '
                                 f'{short_repr(info)}')
        img_path = info['img_path']
        if not isinstance(img_path, str) or not img_path:
            raise TypeError(f'{where}: img_path must be a non-empty string '
                            f'(a path relative to data_root), got '
                            f'{img_path!r}')
        first = first_row.setdefault(osp.normpath(img_path), row)
        if first != row:
            raise ValueError(f'{where}: img_path {img_path!r} is also '
                             f'data_list[{first}]; list each image once, '
                             'with all its positives in one gt_label')
        check_gt_label(info['gt_label'], f'{where} (image {img_path!r})',
                       classes)


def check_classes(classes: Any, path: str) -> None:
    """The class names: a non-empty list of unique non-empty strings, in
    the annotation file's ``metainfo.classes`` or the dataset's
    ``metainfo``; a ``ValueError`` / ``TypeError`` naming ``path``."""
    if classes is None:
        raise ValueError(
            f'{path}: no class names: give metainfo.classes in the file (a '
            "list of names) or metainfo=dict(classes=[...]) in the dataset's "
            'config')
    if isinstance(classes, str) or not isinstance(classes, (list, tuple)):
        raise TypeError(f'{path}: metainfo.classes must be a list of class '
                        f'names, got {type(classes).__name__} '
                        f'{short_repr(classes)}')
    bad = [c for c in classes if not isinstance(c, str) or not c]
    if bad or not classes:
        raise TypeError(f'{path}: metainfo.classes must be non-empty strings'
                        f', got {short_repr(bad[0]) if bad else "none"}'
                        + (' (YAML reads yes/no/on/off as booleans: quote '
                           'them)' if bad and isinstance(bad[0], bool)
                           else ''))
    if len(set(classes)) != len(classes):
        repeated = sorted({c for c in classes if classes.count(c) > 1})
        raise ValueError(f'{path}: metainfo.classes names {repeated[:5]} '
                         'more than once')


def looks_valid(data_list: list, classes: Optional[Sequence[str]]) -> bool:
    """A vectorised pass over the common case (dicts with a string
    ``img_path`` and an int-list ``gt_label`` in range, no image twice).
    False sends :func:`check_annotations` row by row, which names the first
    problem; True guarantees it would find none."""
    if not data_list:
        return True
    if set(map(type, data_list)) != {dict}:
        return False
    paths = [info.get('img_path') for info in data_list]
    labels = [info.get('gt_label') for info in data_list]
    if set(map(type, paths)) != {str} or not all(paths):
        return False
    if set(map(type, labels)) != {list}:
        return False
    values = list(itertools.chain.from_iterable(labels))
    if not set(map(type, values)) <= {int}:
        return False
    if classes is not None and values:
        try:
            values = np.asarray(values, dtype=np.int64)
        except OverflowError:  # the row-by-row check names it
            return False
        if values.min() < 0 or values.max() >= len(classes):
            return False
    return len(set(map(osp.normpath, paths))) == len(paths)


def check_gt_label(gt_label: Any, where: str,
                   classes: Optional[Sequence[str]]) -> None:
    """Check one ``gt_label``: a list of integer indices into ``classes``."""
    expected = (f'gt_label must be a list of class indices (integers in '
                f'[0, {len(classes)}))' if classes is not None else
                'gt_label must be a list of class indices (integers)')
    if not isinstance(gt_label, (list, tuple, np.ndarray)):
        raise TypeError(f'{where}: {expected}, got {gt_label!r} '
                        f'({type(gt_label).__name__})')
    for value in gt_label:
        if isinstance(value, str):
            found = (f'{value!r} is index {list(classes).index(value)} in '
                     'the metainfo classes' if classes is not None
                     and value in classes else
                     f'{value!r} is not in the metainfo classes either')
            raise TypeError(f'{where}: gt_label holds class indices, not '
                            f'class names; got {value!r} in {gt_label!r} '
                            f'({found})')
        if isinstance(value, (bool, np.bool_)) or not isinstance(
                value, numbers.Integral):
            raise TypeError(f'{where}: {expected}, got {value!r} '
                            f'({type(value).__name__}) in {gt_label!r}')
        if classes is not None and not 0 <= value < len(classes):
            raise ValueError(
                f'{where}: gt_label {value} in {gt_label!r} is outside '
                f'[0, {len(classes)}); the metainfo lists {len(classes)} '
                'classes')


@DATASETS.register_module()
class SPMLMultiLabelDataset(MultiLabelDataset):
    """:class:`mmpretrain.datasets.MultiLabelDataset` with strict checks.

    On load it checks the annotation file (:func:`check_annotations`: its
    structure, every ``img_path`` and ``gt_label``, duplicate images, class
    indices) and raises an error naming the file, the row and the field;
    when a sample cannot be loaded it raises an error naming the image and
    the annotation file instead of silently training on another image.

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
        **kwargs: The arguments of ``MultiLabelDataset``.
    """

    def __init__(self, *args, on_bad_image: str = 'error', **kwargs):
        if on_bad_image not in ('error', 'skip'):
            raise ValueError(f'{type(self).__name__}: on_bad_image must be '
                             f"'error' or 'skip', got {on_bad_image!r}")
        self.on_bad_image = on_bad_image
        self.skipped_images = []
        super().__init__(*args, **kwargs)

    def full_init(self):
        if self._fully_initialized:
            return
        if self.ann_file and not osp.isfile(self.ann_file):
            raise FileNotFoundError(
                f'{type(self).__name__}: annotation file {self.ann_file!r} '
                'does not exist (check data_root and ann_file).')
        self.gt_labels = None
        super().full_init()
        # ``filter_data`` indexed the labels of the final data list unless
        # ``indices`` took a subset (or reordered it) after it; index them
        # again then.
        if (self.gt_labels is None or self._indices is not None
                or len(self.gt_labels) != len(self)):
            self.gt_labels = None
            self.gt_labels = gt_labels_of(self, len(self.CLASSES),
                                          self.describe())

    def load_data_list(self) -> list:
        """MMEngine's ``load_data_list`` with :func:`check_annotations`; the
        ``data_prefix`` joins resolve their file backend once, not per row."""
        annotations = read_annotation_file(self.ann_file)
        check_annotations(annotations, self.ann_file,
                          self._metainfo.get('classes'))
        for key, value in annotations['metainfo'].items():
            self._metainfo.setdefault(key, value)
        raw_list = annotations['data_list']
        if (type(self).parse_data_info is
                not MMEngineBaseDataset.parse_data_info):
            return [self.parse_data_info(info) for info in raw_list]
        for key, prefix in self.data_prefix.items():
            join = fileio.get_file_backend(prefix).join_path
            for row, info in enumerate(raw_list):
                if key not in info:
                    raise ValueError(
                        f'{self.ann_file}: data_list[{row}] has no {key!r} '
                        f'for the data_prefix {key}={prefix!r}: '
                        f'{short_repr(info)}')
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
                + (f' ({len(self.skipped_images)} skipped as missing or '
                   'corrupt)' if self.skipped_images else
                   ' after filtering (filter_cfg)') + '.')
        classes = self._metainfo.get('classes')
        if classes is not None:
            self.gt_labels = SparseLabels.from_lists(
                [info['gt_label'] for info in data_list], len(classes),
                self.describe(), lambda row:
                f"row {row} (image {data_list[row].get('img_path')!r})")
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
            print_log(f'{self.describe()}: skipped image '
                      f'{info["img_path"]!r}: {reason}', logger='current',
                      level=logging.WARNING)
        print_log(f"{self.describe()}: on_bad_image='skip' left out "
                  f'{len(self.skipped_images)} of {len(data_list)} images '
                  'that cannot be read', logger='current',
                  level=logging.WARNING if self.skipped_images else
                  logging.INFO)
        return kept

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
