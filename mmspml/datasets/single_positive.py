"""Turn any fully labelled multi-label dataset into a single-positive one."""
import copy
import json
import numbers
import os
import os.path as osp
import weakref
from typing import Dict, Optional, Tuple, Union

import numpy as np
import torch
from mmengine.dataset import Compose
from mmengine.logging import print_log
from mmpretrain.registry import DATASETS, TRANSFORMS

from .multi_label import describe_dataset, gt_labels_of, run_pipeline
from .labels import SparseLabels
from .protocol import draw_single_positive, split_train_val


class LabelSource:
    """What the wrappers of one annotation source share: the wrapped dataset
    (parsed once), its full labels, the rows with a positive, the drawn
    single positives and the splits.

    Args:
        dataset (Dataset): The fully labelled dataset.
        where (str): Its name in messages.
        observed (str): ``'draw'`` or ``'dataset'`` (see
            :class:`SinglePositiveDataset`).
        seed (int): Seed of the draw.
        on_no_positive (str): ``'error'`` or ``'drop'``.
    """

    def __init__(self, dataset, where: str, observed: str, seed: int,
                 on_no_positive: str):
        self.dataset = dataset
        self.where = where
        num_classes = len(dataset.metainfo['classes'])
        full = gt_labels_of(dataset, num_classes, where)
        self.rows = self._rows_with_positive(full, on_no_positive)
        self.full = full if len(self.rows) == len(full) else full.take(
            self.rows)
        if observed == 'draw':
            self.observed = SparseLabels.from_single(
                draw_single_positive(self.full, seed=seed), num_classes)
        else:
            self.observed = self._observed_from_dataset(num_classes)
        self._splits: Dict[tuple, Tuple[np.ndarray, np.ndarray]] = {}

    def split(self, val_frac: float,
              split_seed: int) -> Tuple[np.ndarray, np.ndarray]:
        """Train and val positions (into :attr:`rows`), computed once."""
        key = (val_frac, split_seed)
        if key not in self._splits:
            self._splits[key] = split_train_val(len(self.rows), val_frac,
                                                split_seed)
        return self._splits[key]

    def _rows_with_positive(self, full: SparseLabels,
                            on_no_positive: str) -> np.ndarray:
        counts = full.counts()
        empty = np.flatnonzero(counts == 0)
        if empty.size and on_no_positive == 'error':
            paths = [
                self.dataset.get_data_info(int(i)).get('img_path')
                for i in empty[:5]
            ]
            raise ValueError(
                f'{self.where}: {empty.size} of {len(full)} images have no '
                f'positive label (first: {paths}). A single positive cannot '
                'be drawn for them; remove them from the annotation file or '
                "set on_no_positive='drop' to leave them out.")
        if empty.size:
            print_log(
                f'{self.where}: dropped {empty.size} of {len(full)} images '
                'without any positive label before the single-positive draw.',
                logger='current')
        return np.flatnonzero(counts > 0)

    def _observed_from_dataset(self, num_classes: int) -> SparseLabels:
        """The wrapped dataset's ``observed_label`` of :attr:`rows`: exactly
        one observed positive per image, or an error naming the row."""
        source = getattr(self.dataset, 'observed_file', None)
        source = f' (observed labels from {source})' if source else ''
        positive = np.zeros(len(self.rows), dtype=np.int64)
        for i, row in enumerate(self.rows):
            info = self.dataset.get_data_info(int(row))
            if 'observed_label' not in info:
                raise ValueError(
                    f"{self.where}: observed='dataset' but image "
                    f"{info.get('img_path')!r} has no observed_label; use "
                    "observed='draw' or a dataset that provides them.")
            positives = list(info['observed_label'])
            if len(positives) != 1:
                raise ValueError(
                    f'{self.where}: observed=\'dataset\' needs exactly one '
                    f'observed positive per image, but row {row} (image '
                    f"{info.get('img_path')!r}) has {len(positives)}: "
                    f'{positives}{source}. Fix the observed labels or use '
                    "observed='draw'.")
            if not (isinstance(positives[0], numbers.Integral)
                    and 0 <= positives[0] < num_classes):
                raise ValueError(
                    f'{self.where}: the observed positive of row {row} '
                    f"(image {info.get('img_path')!r}) is "
                    f'{positives[0]!r}, not a class index in [0, '
                    f'{num_classes}){source}.')
            positive[i] = positives[0]
        return SparseLabels.from_single(positive, num_classes)


# Sources by key while a wrapper holds them: the train and val wrappers of a
# config (alive together in a runner) parse their file and draw once.
_SOURCES: 'weakref.WeakValueDictionary[str, LabelSource]' = \
    weakref.WeakValueDictionary()


def source_key(dataset_cfg: dict, **protocol) -> Optional[str]:
    """The key under which wrappers share a :class:`LabelSource`: the
    dataset config without its pipeline, the protocol arguments and, for a
    local ``ann_file``, its inode, size and modification time (so a
    rewritten annotation file is read again; the files a benchmark reader
    finds under ``data_root`` are not stamped). None when the config cannot
    be written as JSON (nothing is shared then)."""
    cfg = {k: v for k, v in dict(dataset_cfg).items() if k != 'pipeline'}
    ann_file = cfg.get('ann_file')
    stamp = None
    if isinstance(ann_file, str) and ann_file:
        path = ann_file if osp.isabs(ann_file) else osp.join(
            cfg.get('data_root') or '', ann_file)
        if osp.isfile(path):
            stat = os.stat(path)
            stamp = [path, stat.st_ino, stat.st_size, stat.st_mtime_ns]
    try:
        return json.dumps([cfg, protocol, stamp], sort_keys=True)
    except (TypeError, ValueError):
        return None


def build_pipeline(pipeline) -> Compose:
    """An mmpretrain pipeline (a list of transform configs or callables)."""
    return Compose([
        TRANSFORMS.build(t) if isinstance(t, dict) else t
        for t in (pipeline or [])
    ])


@DATASETS.register_module()
class SinglePositiveDataset:
    """Wrap a multi-label dataset so that each image keeps one positive.

    The single positive is drawn once over all rows of the wrapped dataset,
    in file order, exactly as Cole et al. (:func:`draw_single_positive`);
    the optional train/val split (:func:`split_train_val`) is made after the
    draw, so the train and val wrappers of one annotation file agree.

    Each sample's ``gt_label`` is the observed positive (what the losses
    train on); its ``full_gt_label`` field keeps all positives for
    evaluation and diagnostics (:class:`SPMLAveragePrecision` scores against
    it), and its ``sample_idx`` is the index in this wrapper, which stateful
    losses use as a key.

    Labels are kept sparse (:class:`SparseLabels` in :attr:`full` and
    :attr:`observed`; the ``full_labels`` and ``observed_labels`` properties
    give dense copies for small sets). Wrappers built from the same dataset
    config (the pipeline aside) and the same ``observed``, ``seed`` and
    ``on_no_positive`` share one :class:`LabelSource` while either is
    alive: the train and val wrappers of a config parse the annotation file
    and draw the single positives once; each runs its own pipeline.

    Args:
        dataset (dict | Dataset): The fully labelled multi-label dataset, or
            its config. Its ``gt_label`` lists every positive of an image.
        split (str, optional): ``'train'`` or ``'val'`` keeps that part of the
            80/20 split; None keeps every row. Defaults to None.
        labels (str): ``'single_positive'`` trains on the drawn positive;
            ``'full'`` trains on all positives (the fully labelled upper
            bound, same rows and split). Defaults to ``'single_positive'``.
        observed (str): ``'draw'`` draws the single positives with
            :func:`draw_single_positive`; ``'dataset'`` takes them from the
            wrapped dataset's ``observed_label`` (e.g. the ``labels_obs`` of
            :class:`SPMLFormatted`), which must hold exactly one positive
            per image (an error names the row otherwise). Defaults to
            ``'draw'``.
        seed (int): Seed of the single-positive draw. Defaults to 1200.
        val_frac (float): Fraction of rows in the val split. Defaults to 0.2.
        split_seed (int): Seed of the split. Defaults to 1200.
        on_no_positive (str): What to do with images without any positive
            label: ``'error'`` raises and names them; ``'drop'`` removes them
            before the draw and the split and logs how many. Defaults to
            ``'error'``.
    """

    def __init__(self,
                 dataset: Union[dict, object],
                 split: Optional[str] = None,
                 labels: str = 'single_positive',
                 observed: str = 'draw',
                 seed: int = 1200,
                 val_frac: float = 0.2,
                 split_seed: int = 1200,
                 on_no_positive: str = 'error'):
        if split not in (None, 'train', 'val'):
            raise ValueError("SinglePositiveDataset: split must be None, "
                             f"'train' or 'val', got {split!r}")
        if labels not in ('single_positive', 'full'):
            raise ValueError("SinglePositiveDataset: labels must be "
                             f"'single_positive' or 'full', got {labels!r}")
        if observed not in ('draw', 'dataset'):
            raise ValueError("SinglePositiveDataset: observed must be 'draw' "
                             f"or 'dataset', got {observed!r}")
        if on_no_positive not in ('error', 'drop'):
            raise ValueError("SinglePositiveDataset: on_no_positive must be "
                             f"'error' or 'drop', got {on_no_positive!r}")
        protocol = dict(observed=observed, seed=seed,
                        on_no_positive=on_no_positive)
        key = source_key(dataset, **protocol) if isinstance(dataset,
                                                            dict) else None
        source = _SOURCES.get(key) if key is not None else None
        if source is None:
            built = DATASETS.build(dataset) if isinstance(dataset,
                                                          dict) else dataset
            source = LabelSource(
                built, f'SinglePositiveDataset({describe_dataset(built)})',
                **protocol)
            if key is not None:
                _SOURCES[key] = source
        self.source = source
        self.dataset = source.dataset
        self.where = source.where
        self.split = split
        self.labels = labels
        # Each wrapper runs its own pipeline on the shared dataset's rows.
        self.pipeline = (build_pipeline(dataset.get('pipeline')) if
                         isinstance(dataset, dict) else self.dataset.pipeline)
        if split is None:
            keep = np.arange(len(source.rows))
        else:
            train_idx, val_idx = source.split(val_frac, split_seed)
            keep = train_idx if split == 'train' else val_idx
        # Row in the wrapped dataset, full and observed labels of each sample.
        self.rows = source.rows[keep]
        self.full = source.full.take(keep)
        self.observed = source.observed.take(keep)

    @property
    def full_labels(self) -> np.ndarray:
        """All positives as a dense N x C uint8 matrix (a copy of
        :attr:`full`, which is sparse; for small datasets)."""
        return self.full.to_dense()

    @property
    def observed_labels(self) -> np.ndarray:
        """The observed labels as a dense N x C uint8 matrix (a copy of
        :attr:`observed`; for small datasets)."""
        return self.observed.to_dense()

    @property
    def metainfo(self) -> dict:
        return copy.deepcopy(self.dataset.metainfo)

    def __len__(self) -> int:
        return len(self.rows)

    def get_data_info(self, idx: int) -> dict:
        """The wrapped dataset's info for sample ``idx`` with ``gt_label``
        set to the training labels and ``sample_idx`` to ``idx``."""
        info = self.dataset.get_data_info(int(self.rows[idx]))
        train_labels = self.full if self.labels == 'full' else self.observed
        info['gt_label'] = train_labels.positives(idx).tolist()
        info['sample_idx'] = idx
        return info

    def get_cat_ids(self, idx: int) -> list:
        """All (full) positive class indices of sample ``idx``."""
        return self.full.positives(idx).tolist()

    def __getitem__(self, idx: int) -> dict:
        result = run_pipeline(self.pipeline, self.get_data_info(idx),
                              self.where)
        result['data_samples'].set_field(
            torch.from_numpy(self.full.positives(idx).astype(np.int64)),
            'full_gt_label',
            dtype=torch.Tensor)
        return result

    def __repr__(self) -> str:
        return (f'{self.where}: {len(self)} images, split={self.split}, '
                f'labels={self.labels!r}')
