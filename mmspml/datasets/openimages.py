"""OpenImages image-level labels read straight from the official files:
observed positives (``Confidence`` 1), verified negatives (``Confidence`` 0)
and everything else unknown, for millions of images.

The labels CSV is parsed column-wise with pyarrow (:func:`read_label_csv`)
and cached as a ``.npz`` next to it; the dataset keeps per-image arrays and
builds a sample's info only when it is asked for.
"""

import copy
import csv
import os.path as osp
from typing import Optional, Sequence

import numpy as np
from mmengine.logging import print_log
from mmpretrain.datasets import MultiLabelDataset
from mmpretrain.registry import DATASETS

from .csv_columns import read_class_list
from .label_csv_convert import split_observed
from .labels import POSITIVE, SparseLabels
from .multi_label import run_pipeline
from .openimages_cache import load_openimages_labels, openimages_cache_path

OPENIMAGES_LAYOUT = """<data_root>/
    <ann_file>, e.g. oidv6-train-annotations-human-imagelabels.csv
        (ImageID,Source,LabelName,Confidence; Confidence 1 or 0)
    oidv6-classes-trainable.txt     (classes_file: one LabelName per line)
    oidv6-class-descriptions.csv    (class_descriptions: LabelName,DisplayName)
    <img_prefix>/<ImageID>.jpg      (e.g. train/000002b66c9c498e.jpg)"""


def read_class_descriptions(path: str) -> dict:
    """The display name of every LabelName of ``oidv6-class-descriptions.csv``
    (``LabelName,DisplayName``; the header line is optional).

    Args:
        path (str): The class descriptions CSV.

    Returns:
        dict[str, str]: LabelName to DisplayName.

    Raises:
        ValueError: A line without two columns (the error names it).
    """
    names = {}
    with open(path, newline='', encoding='utf-8') as f:
        reader = csv.reader(f)
        for fields in reader:
            if not fields or fields == ['LabelName', 'DisplayName']:
                continue
            if len(fields) < 2:
                raise ValueError(
                    f'{path}: line {reader.line_num}: expected '
                    f'LabelName,DisplayName, got {",".join(fields)!r}'
                )
            names[fields[0]] = fields[1]
    return names


def display_classes(label_names: Sequence[str], descriptions: dict) -> list:
    """Class names for the metainfo: each LabelName's display name, with
    the LabelName added where two classes share one (the metainfo's names
    are unique), and the LabelName itself where it has none.

    Args:
        label_names (Sequence[str]): The LabelNames, in class order.
        descriptions (dict[str, str]): LabelName to DisplayName.

    Returns:
        list[str]: One unique name per class.
    """
    shown = [descriptions.get(name, name) for name in label_names]
    counts = {}
    for name in shown:
        counts[name] = counts.get(name, 0) + 1
    return [
        f'{display} ({name})' if counts[display] > 1 else display
        for display, name in zip(shown, label_names)
    ]


@DATASETS.register_module()
class SPMLOpenImages(MultiLabelDataset):
    """OpenImages image-level labels with verified negatives, read from the
    official files under ``data_root``:

    .. code-block:: none

        <data_root>/
            <ann_file>, e.g. oidv6-train-annotations-human-imagelabels.csv
            oidv6-classes-trainable.txt     (classes_file)
            oidv6-class-descriptions.csv    (class_descriptions)
            <img_prefix>/<ImageID>.jpg

    The classes are the LabelNames of ``classes_file``, in its order (the
    metainfo's ``classes`` are their display names, ``label_names`` the
    LabelNames); a CSV row of another LabelName is skipped and counted.
    Rows are the ImageIDs with at least one trainable label, sorted. The
    CSV is parsed with pyarrow and cached next to it
    (:func:`load_openimages_labels`).

    Partial labels, as :class:`SPMLMultiLabelDataset` with ``neg_label``:
    ``gt_labels`` (Confidence 1), ``neg_labels`` (Confidence 0) and
    :attr:`partial_labels`; every sample carries ``gt_label`` (its observed
    positives) and ``gt_score`` (1 = positive, -1 = verified negative, 0 =
    unknown), so ``PartialLabelDataset(known_frac='dataset')`` wraps it.
    The labels stay in arrays (about 100 bytes per image of five labels);
    a sample's info is built by :meth:`get_data_info` when asked for.

    Args:
        data_root (str): The folder of the files.
        ann_file (str): The labels CSV, relative to ``data_root``.
        img_prefix (str): The images' folder, relative to ``data_root``.
            Defaults to ``''``.
        classes_file (str): The trainable LabelNames, one per line,
            relative to ``data_root``. Defaults to
            ``'oidv6-classes-trainable.txt'``.
        class_descriptions (str, optional): ``LabelName,DisplayName`` rows,
            relative to ``data_root``; None names the classes by LabelName.
            Defaults to ``'oidv6-class-descriptions.csv'``.
        cache (bool): Read and write the ``.npz`` cache next to the CSV.
            Defaults to True.
        **kwargs: Other arguments of ``MultiLabelDataset`` (``pipeline``,
            ``metainfo``, ``indices``, ``lazy_init``...).
    """

    def __init__(
        self,
        data_root: str,
        ann_file: str,
        img_prefix: str = '',
        classes_file: str = 'oidv6-classes-trainable.txt',
        class_descriptions: Optional[str] = 'oidv6-class-descriptions.csv',
        cache: bool = True,
        **kwargs,
    ):
        self.classes_file = self._under(data_root, classes_file)
        self.class_descriptions = (
            None
            if class_descriptions is None
            else self._under(data_root, class_descriptions)
        )
        self.cache = cache
        self.from_cache = False
        self.image_ids = np.zeros(0, dtype='S16')
        self.gt_labels = self.neg_labels = self._partial = None
        super().__init__(
            ann_file=ann_file,
            data_root=data_root,
            data_prefix=dict(img_path=img_prefix),
            **kwargs,
        )

    @staticmethod
    def _under(root: str, path: str) -> str:
        return path if osp.isabs(path) or not root else osp.join(root, path)

    def _require(self, path: str, what: str) -> str:
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'{self.describe()}: {path} ({what}) does not exist. '
                f'Expected layout:\n{OPENIMAGES_LAYOUT}\nPoint a config at '
                'your copy with --data-root DIR (tools/train.py and '
                "tools/test.py), or set the dataset's data_root, ann_file, "
                'classes_file and class_descriptions.'
            )
        return path

    def full_init(self):
        """Read the classes and the labels (from the cache when valid); no
        data list is built."""
        if self._fully_initialized:
            return
        label_names = read_class_list(
            self._require(self.classes_file, 'the trainable classes')
        )
        descriptions = (
            {}
            if self.class_descriptions is None
            else read_class_descriptions(
                self._require(self.class_descriptions, 'the class names')
            )
        )
        classes = self._metainfo.get('classes')
        if classes is not None and len(classes) != len(label_names):
            raise ValueError(
                f'{self.describe()}: metainfo lists {len(classes)} classes, '
                f'{self.classes_file} {len(label_names)}'
            )
        if classes is None:
            self._metainfo['classes'] = tuple(
                display_classes(label_names, descriptions)
            )
        self._metainfo['label_names'] = tuple(label_names)
        table, self.from_cache = load_openimages_labels(
            self._require(self.ann_file, 'the image-level labels'),
            label_names,
            self.cache,
        )
        self.image_ids, self._partial = table.images, table.labels
        if self._indices is not None:
            self._take(self._rows_of(self._indices))
        else:
            self.gt_labels, self.neg_labels = split_observed(self._partial)
        print_log(
            f'{self.describe()}: {table.summary()}'
            + (
                f' ({len(self.image_ids)} kept by indices)'
                if self._indices is not None
                else ''
            )
            + (
                f'; read from {openimages_cache_path(self.ann_file)}'
                if self.from_cache
                else ''
            ),
            logger='current',
        )
        self._fully_initialized = True

    def _rows_of(self, indices) -> np.ndarray:
        """The rows MMEngine's ``indices`` keep: the first (or last) n,
        or the listed ones."""
        rows = np.arange(len(self.image_ids))
        if isinstance(indices, int):
            return rows[:indices] if indices >= 0 else rows[indices:]
        return rows[np.asarray(indices, dtype=np.int64)]

    def _take(self, rows: np.ndarray) -> None:
        self.image_ids = self.image_ids[rows]
        self._partial = self._partial.take(rows)
        self.gt_labels, self.neg_labels = split_observed(self._partial)

    def get_subset_(self, indices):
        """Keep only ``indices`` (MMEngine's meaning: an int keeps the
        first n, a negative one the last n, a sequence those rows).

        Args:
            indices (int | Sequence[int]): The rows to keep.
        """
        if not self._fully_initialized:
            self.full_init()
        self._take(self._rows_of(indices))

    def get_subset(self, indices) -> 'SPMLOpenImages':
        """A copy that keeps only ``indices`` (see :meth:`get_subset_`).

        Args:
            indices (int | Sequence[int]): The rows to keep.

        Returns:
            SPMLOpenImages: The subset; this dataset is unchanged.
        """
        if not self._fully_initialized:
            self.full_init()
        subset = copy.copy(self)
        subset._take(self._rows_of(indices))
        return subset

    @property
    def partial_labels(self) -> SparseLabels:
        """The observed positives and verified negatives of every image,
        with their states."""
        if not self._fully_initialized:
            self.full_init()
        return self._partial

    def __len__(self) -> int:
        if not self._fully_initialized:
            self.full_init()
        return len(self.image_ids)

    def image_paths(self, rows=None) -> list:
        """The ``img_path`` of every image (or of ``rows``), as
        :meth:`get_data_info` gives it, without the labels.

        Args:
            rows (Sequence[int], optional): Only these rows, in that order.

        Returns:
            list[str]: One path per row.
        """
        self.full_init()
        ids = self.image_ids
        ids = ids if rows is None else ids[np.asarray(rows, dtype=np.int64)]
        return [
            osp.join(self.img_prefix, i.decode('utf-8') + '.jpg') for i in ids
        ]

    def get_data_info(self, idx: int) -> dict:
        """The info of sample ``idx``, built from the label arrays.

        Args:
            idx (int): The sample's index (negative counts from the end).

        Returns:
            dict: ``img_path``, ``image_id``, ``gt_label`` (the observed
            positives), ``gt_score`` (float32, 1 / -1 / 0 per class) and
            ``sample_idx``.
        """
        if not self._fully_initialized:
            self.full_init()
        idx = int(idx) + (len(self) if idx < 0 else 0)
        labels = self._partial
        start, end = labels.indptr[idx], labels.indptr[idx + 1]
        classes = labels.indices[start:end]
        positive = labels.states[start:end] == POSITIVE
        score = np.zeros(labels.num_classes, dtype=np.float32)
        score[classes] = np.where(positive, 1, -1)
        image_id = self.image_ids[idx].decode('utf-8')
        return dict(
            img_path=osp.join(self.img_prefix, image_id + '.jpg'),
            image_id=image_id,
            gt_label=classes[positive].tolist(),
            gt_score=score,
            sample_idx=idx,
        )

    def get_cat_ids(self, idx: int) -> list:
        """The observed positive classes of sample ``idx``.

        Args:
            idx (int): The sample's index.

        Returns:
            list[int]: Its sorted positive class indices.
        """
        if not self._fully_initialized:
            self.full_init()
        return self.gt_labels.positives(idx).tolist()

    def describe(self) -> str:
        """The dataset's name in messages: its class and labels CSV.

        Returns:
            str: E.g. ``"SPMLOpenImages('data/oi/train-labels.csv')"``.
        """
        return f'{type(self).__name__}({self.ann_file!r})'

    def prepare_data(self, idx: int):
        return run_pipeline(
            self.pipeline, self.get_data_info(idx), self.describe()
        )

    def __getitem__(self, idx: int) -> dict:
        if not self._fully_initialized:
            self.full_init()
        return self.prepare_data(idx)
