"""What the single-positive wrappers of one annotation source share: the
dataset parsed once, its full labels, the drawn single positives and the
train/val split (one parse and draw for a config's train and val
wrappers)."""

import json
import logging
import numbers
import os
import os.path as osp
import weakref
from typing import Dict, Optional, Tuple

import numpy as np
from mmengine.logging import print_log

from .bias_weights import instance_bias_weights, semantic_weights
from .label_bias import picked_counts
from .labels import NEGATIVE, SparseLabels
from .multi_label import gt_labels_of
from .protocol import (
    draw_partial_labels,
    draw_single_positive,
    split_train_val,
)


class LabelSource:
    """What the wrappers of one annotation source share: the wrapped dataset
    (parsed once), its full labels, the rows with a positive, the drawn
    single positives and the splits.

    Args:
        dataset (Dataset): The fully labelled dataset.
        where (str): Its name in messages.
        observed (str): How the observed labels come about: ``'draw'``
            (one positive, Cole et al.'s draw) or ``'dataset'`` (the one
            positive of the dataset's ``observed_label``), see
            :class:`SinglePositiveDataset`; ``'partial'`` (a fraction
            ``known_frac`` of every image's labels,
            :func:`draw_partial_labels`) or ``'dataset_partial'`` (the
            dataset's own partial labels: ``gt_label`` and ``neg_label`` of
            its file, and no full labels), see :class:`PartialLabelDataset`.
        seed (int): Seed of the draw.
        on_no_positive (str): ``'error'`` or ``'drop'``: what happens to
            images without a positive (not used by ``'dataset_partial'``,
            which keeps every image).
        known_frac (float, optional): The fraction of ``'partial'``.
            Defaults to None.
        bias (str): How ``'draw'`` picks the positive: ``'uniform'`` (Cole
            et al.) or a label bias, ``'size'``, ``'location'`` or
            ``'semantic'`` (:mod:`~mmspml.datasets.label_bias`). Defaults
            to ``'uniform'``.
        bias_file (str, optional): The class weights of ``'semantic'``.
            Defaults to None.
        on_verified_negatives (str): What ``'draw'`` and ``'dataset'``,
            which keep positives only, do with the verified negatives of a
            file with ``neg_label``: ``'error'`` raises and counts them,
            ``'drop'`` drops them and logs how many. Defaults to
            ``'error'``.
    """

    def __init__(
        self,
        dataset,
        where: str,
        observed: str,
        seed: int,
        on_no_positive: str,
        known_frac: Optional[float] = None,
        bias: str = 'uniform',
        bias_file: Optional[str] = None,
        on_verified_negatives: str = 'error',
    ):
        self.dataset = dataset
        self.where = where
        num_classes = len(dataset.metainfo['classes'])
        full = gt_labels_of(dataset, num_classes, where)
        if observed == 'dataset_partial':
            # Real partial labels: what the file observed is all there is.
            partial = getattr(dataset, 'partial_labels', None)
            self.rows = np.arange(len(full))
            self.full = None
            self.observed = full if partial is None else partial
            self._splits: Dict[tuple, Tuple[np.ndarray, np.ndarray]] = {}
            return
        if observed in ('draw', 'dataset'):
            self._refuse_verified_negatives(on_verified_negatives)
        elif observed == 'partial':
            # Simulating partial labels reads gt_label as FULL labels; a
            # file with verified negatives is already partial.
            self._refuse_verified_negatives('error', simulated=True)
        self.rows = self._rows_with_positive(full, on_no_positive)
        self.full = (
            full if len(self.rows) == len(full) else full.take(self.rows)
        )
        if observed == 'draw':
            self.observed = SparseLabels.from_single(
                self._draw(seed, bias, bias_file), num_classes
            )
        elif observed == 'partial':
            self.observed = draw_partial_labels(self.full, known_frac, seed)
        else:
            self.observed = self._observed_from_dataset(num_classes)
        self._splits: Dict[tuple, Tuple[np.ndarray, np.ndarray]] = {}

    def _draw(self, seed: int, bias: str, bias_file) -> np.ndarray:
        """The single positives of :attr:`full` under ``bias``; a biased
        draw logs how often each class was picked."""
        uniform = draw_single_positive(self.full, seed=seed)
        if bias == 'uniform':
            return uniform
        classes = list(self.dataset.metainfo['classes'])
        if bias == 'semantic':
            weights = semantic_weights(bias_file, classes, self.full)
        else:
            weights = instance_bias_weights(
                self.dataset, self.rows, self.full, bias, self.where
            )
        chosen = draw_single_positive(self.full, seed, weights)
        moved = int((chosen != uniform).sum())
        print_log(
            f'{self.where}: single positives drawn with {bias} bias; '
            f'{moved} of {len(chosen)} differ from the uniform draw. '
            f'Picked per class:\n'
            + picked_counts(chosen, self.full, uniform, classes),
            logger='current',
        )
        return chosen

    def split(
        self, val_frac: float, split_seed: int
    ) -> Tuple[np.ndarray, np.ndarray]:
        """Train and val positions (into :attr:`rows`), computed once.

        Args:
            val_frac (float): Fraction of the rows in the val split.
            split_seed (int): Seed of the split.

        Returns:
            tuple[np.ndarray, np.ndarray]: The sorted train and val
            positions of :func:`split_train_val`, cached per
            ``(val_frac, split_seed)``.
        """
        key = (val_frac, split_seed)
        if key not in self._splits:
            self._splits[key] = split_train_val(
                len(self.rows), val_frac, split_seed
            )
        return self._splits[key]

    def _rows_with_positive(
        self, full: SparseLabels, on_no_positive: str
    ) -> np.ndarray:
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
                "set on_no_positive='drop' to leave them out."
            )
        if empty.size:
            print_log(
                f'{self.where}: dropped {empty.size} of {len(full)} images '
                'without any positive label before the single-positive draw.',
                logger='current',
            )
        return np.flatnonzero(counts > 0)

    def _refuse_verified_negatives(
        self, on_verified_negatives: str, simulated: bool = False
    ) -> None:
        """Single positives keep no verified negative: refuse a dataset
        that has some (its file's ``neg_label``), or drop them and say how
        many with ``'drop'``. Simulated partial labels (``simulated``)
        read ``gt_label`` as full labels, so such a file is refused."""
        partial = getattr(self.dataset, 'partial_labels', None)
        if partial is None or partial.states is None:
            return
        negative = partial.states == NEGATIVE
        count = int(np.count_nonzero(negative))
        if not count:
            return
        row_of = np.repeat(np.arange(len(partial)), np.diff(partial.indptr))
        images = len(np.unique(row_of[negative]))
        what = (
            f'{count} verified negatives (neg_label) in {images} of '
            f'{len(partial)} images'
        )
        if simulated:
            raise ValueError(
                f'{self.where}: the annotation file has {what}, so its '
                'gt_label are partial, not full labels, and partial labels '
                'cannot be simulated from them (known_frac would read every '
                'unlabelled entry as a negative). Use its own labels: '
                "known_frac='dataset'."
            )
        if on_verified_negatives == 'error':
            raise ValueError(
                f'{self.where}: the annotation file has {what}; single '
                'positives keep positives only, so every one of them would '
                "be dropped. Train on them with dict(type='"
                "PartialLabelDataset', known_frac='dataset', dataset=..., "
                'split=...) (docs/partial_labels.md), or set '
                "on_verified_negatives='drop' to drop them on purpose."
            )
        print_log(
            f"{self.where}: on_verified_negatives='drop' dropped {what}; "
            'training uses the positives only.',
            logger='current',
            level=logging.WARNING,
        )

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
                    f'{info.get("img_path")!r} has no observed_label; use '
                    "observed='draw' or a dataset that provides them."
                )
            positives = list(info['observed_label'])
            if len(positives) != 1:
                raise ValueError(
                    f"{self.where}: observed='dataset' needs exactly one "
                    f'observed positive per image, but row {row} (image '
                    f'{info.get("img_path")!r}) has {len(positives)}: '
                    f'{positives}{source}. Fix the observed labels or use '
                    "observed='draw'."
                )
            if not (
                isinstance(positives[0], numbers.Integral)
                and 0 <= positives[0] < num_classes
            ):
                raise ValueError(
                    f'{self.where}: the observed positive of row {row} '
                    f'(image {info.get("img_path")!r}) is '
                    f'{positives[0]!r}, not a class index in [0, '
                    f'{num_classes}){source}.'
                )
            positive[i] = positives[0]
        return SparseLabels.from_single(positive, num_classes)


# Sources by key while a wrapper holds them: the train and val wrappers of a
# config (alive together in a runner) parse their file and draw once.
_SOURCES: 'weakref.WeakValueDictionary[str, LabelSource]' = (
    weakref.WeakValueDictionary()
)


def source_key(dataset_cfg: dict, **protocol) -> Optional[str]:
    """The key under which wrappers share a :class:`LabelSource`: the
    dataset config without its pipeline, the protocol arguments and, for a
    local ``ann_file``, its inode, size and modification time (so a
    rewritten annotation file is read again; the files a benchmark reader
    finds under ``data_root`` are not stamped). None when the config cannot
    be written as JSON (nothing is shared then).

    Args:
        dataset_cfg (dict): The wrapped dataset's config.
        **protocol: The protocol arguments of the wrapper (``observed``,
            ``seed``, ``on_no_positive``).

    Returns:
        str | None: The key (a JSON string), or None.
    """
    cfg = {k: v for k, v in dict(dataset_cfg).items() if k != 'pipeline'}
    ann_file = cfg.get('ann_file')
    stamp = None
    if isinstance(ann_file, str) and ann_file:
        path = (
            ann_file
            if osp.isabs(ann_file)
            else osp.join(cfg.get('data_root') or '', ann_file)
        )
        if osp.isfile(path):
            stat = os.stat(path)
            stamp = [path, stat.st_ino, stat.st_size, stat.st_mtime_ns]
    try:
        return json.dumps([cfg, protocol, stamp], sort_keys=True)
    except (TypeError, ValueError):
        return None
