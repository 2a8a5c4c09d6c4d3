"""Turn any fully labelled multi-label dataset into a single-positive one."""
import copy
from typing import Optional, Union

import numpy as np
import torch
from mmengine.logging import print_log
from mmpretrain.registry import DATASETS

from .base import describe_dataset, label_matrix, run_pipeline
from .protocol import sample_single_positive, split_train_val


@DATASETS.register_module()
class SinglePositiveDataset:
    """Wrap a multi-label dataset so that each image keeps one positive.

    The single positive is drawn once over all rows of the wrapped dataset,
    in file order, exactly as Cole et al. (:func:`sample_single_positive`);
    the optional train/val split (:func:`split_train_val`) is made after the
    draw, so the train and val wrappers of one annotation file agree.

    Each sample's ``gt_label`` is the observed positive (what the losses
    train on); its ``full_gt_label`` field keeps all positives for
    evaluation and diagnostics (:class:`SPMLAveragePrecision` scores against
    it), and its ``sample_idx`` is the index in this wrapper, which stateful
    losses use as a key.

    Args:
        dataset (dict | Dataset): The fully labelled multi-label dataset, or
            its config. Its ``gt_label`` lists every positive of an image.
        split (str, optional): ``'train'`` or ``'val'`` keeps that part of the
            80/20 split; None keeps every row. Defaults to None.
        labels (str): ``'single_positive'`` trains on the drawn positive;
            ``'full'`` trains on all positives (the fully labelled upper
            bound, same rows and split). Defaults to ``'single_positive'``.
        observed (str): ``'draw'`` draws the single positives with
            :func:`sample_single_positive`; ``'dataset'`` takes them from the
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
        self.dataset = DATASETS.build(dataset) if isinstance(dataset,
                                                             dict) else dataset
        self.split = split
        self.labels = labels
        self.where = f'SinglePositiveDataset({describe_dataset(self.dataset)})'

        num_classes = len(self.metainfo['classes'])
        full = label_matrix(self.dataset, num_classes, self.where)
        rows = self._rows_with_positive(full, on_no_positive)
        if observed == 'draw':
            observed = sample_single_positive(full[rows], seed=seed)
        else:
            observed = self._observed_from_dataset(rows, num_classes)
        if split is not None:
            train_idx, val_idx = split_train_val(len(rows), val_frac,
                                                 split_seed)
            keep = train_idx if split == 'train' else val_idx
        else:
            keep = np.arange(len(rows))
        # Row in the wrapped dataset, full and observed labels of each sample.
        self.rows = rows[keep]
        self.full_labels = full[self.rows]
        self.observed_labels = observed[keep]

    def _rows_with_positive(self, full: np.ndarray,
                            on_no_positive: str) -> np.ndarray:
        empty = np.flatnonzero(full.sum(axis=1) == 0)
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
        return np.flatnonzero(full.sum(axis=1) > 0)

    def _observed_from_dataset(self, rows: np.ndarray,
                               num_classes: int) -> np.ndarray:
        """The wrapped dataset's ``observed_label`` of ``rows``: exactly one
        observed positive per image, or an error naming the row."""
        source = getattr(self.dataset, 'observed_file', None)
        source = f' (observed labels from {source})' if source else ''
        observed = np.zeros((len(rows), num_classes), dtype=np.uint8)
        for i, row in enumerate(rows):
            info = self.dataset.get_data_info(int(row))
            if 'observed_label' not in info:
                raise ValueError(
                    f"{self.where}: observed='dataset' but image "
                    f"{info.get('img_path')!r} has no observed_label; use "
                    "observed='draw' or a dataset that provides them.")
            positives = list(info['observed_label'])
            if len(positives) != 1:
                raise ValueError(
                    f"{self.where}: observed='dataset' needs exactly one "
                    f'observed positive per image, but row {row} (image '
                    f"{info.get('img_path')!r}) has {len(positives)}: "
                    f'{positives}{source}. Fix the observed labels or use '
                    "observed='draw'.")
            observed[i, positives] = 1
        return observed

    @property
    def metainfo(self) -> dict:
        return copy.deepcopy(self.dataset.metainfo)

    def __len__(self) -> int:
        return len(self.rows)

    def get_data_info(self, idx: int) -> dict:
        """The wrapped dataset's info for sample ``idx`` with ``gt_label``
        set to the training labels and ``sample_idx`` to ``idx``."""
        info = self.dataset.get_data_info(int(self.rows[idx]))
        train_labels = (self.full_labels if self.labels == 'full' else
                        self.observed_labels)
        info['gt_label'] = np.flatnonzero(train_labels[idx]).tolist()
        info['sample_idx'] = idx
        return info

    def get_cat_ids(self, idx: int) -> list:
        """All (full) positive class indices of sample ``idx``."""
        return np.flatnonzero(self.full_labels[idx]).tolist()

    def __getitem__(self, idx: int) -> dict:
        result = run_pipeline(self.dataset.pipeline, self.get_data_info(idx),
                              self.where)
        result['data_samples'].set_field(
            torch.from_numpy(np.flatnonzero(self.full_labels[idx])),
            'full_gt_label',
            dtype=torch.Tensor)
        return result

    def __repr__(self) -> str:
        return (f'{self.where}: {len(self)} images, split={self.split}, '
                f'labels={self.labels!r}')
