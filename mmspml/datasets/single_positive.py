"""Turn any fully labelled multi-label dataset into a single-positive one."""

import copy
from typing import Optional, Union

import numpy as np
import torch
from mmengine.dataset import Compose
from mmpretrain.registry import DATASETS, TRANSFORMS

from .image_files import image_paths_of
from .label_bias import BIASES
from .label_source import _SOURCES, LabelSource, source_key
from .multi_label import describe_dataset, run_pipeline


def build_pipeline(pipeline) -> Compose:
    """An mmpretrain pipeline (a list of transform configs or callables).

    Args:
        pipeline (list[dict | Callable] | None): The transforms; configs
            are built with ``TRANSFORMS``, callables kept. None gives an
            empty pipeline.

    Returns:
        Compose: The pipeline.
    """
    return Compose(
        [
            TRANSFORMS.build(t) if isinstance(t, dict) else t
            for t in (pipeline or [])
        ]
    )


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
    config (the pipeline aside) and the same ``observed``, ``seed``,
    ``on_no_positive`` and ``on_verified_negatives`` share one
    :class:`LabelSource` while either is alive: the train and val wrappers
    of a config parse the annotation file and draw the single positives
    once; each runs its own pipeline.

    A file with verified negatives (``neg_label``) is refused: single
    positives cannot keep them, and :class:`PartialLabelDataset` with
    ``known_frac='dataset'`` trains on them (``on_verified_negatives``).

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
        bias (str): How the draw picks an image's positive (Arroyo et al.,
            ``docs/label_bias.md``): ``'uniform'`` (Cole et al.'s draw,
            bit-exact), ``'size'`` (in proportion to the class's instance
            area), ``'location'`` (to the sum of 1 / distance of its
            instances from the image centre) or ``'semantic'`` (to a
            per-class weight in ``bias_file``). ``'size'`` and
            ``'location'`` read each image's ``instances`` (``label``,
            ``area``, ``bbox``; ``width`` and ``height``). Defaults to
            ``'uniform'``.
        bias_file (str, optional): JSON class weights of
            ``bias='semantic'``. Defaults to None.
        on_verified_negatives (str): What to do with the verified
            negatives of a dataset that has some (a file's ``neg_label``),
            which this wrapper cannot keep: ``'error'`` raises, names the
            file, counts them and points to
            ``PartialLabelDataset(known_frac='dataset')``, which trains on
            them; ``'drop'`` drops them and logs how many. Defaults to
            ``'error'``.
    """

    def __init__(
        self,
        dataset: Union[dict, object],
        split: Optional[str] = None,
        labels: str = 'single_positive',
        observed: str = 'draw',
        seed: int = 1200,
        val_frac: float = 0.2,
        split_seed: int = 1200,
        on_no_positive: str = 'error',
        bias: str = 'uniform',
        bias_file: Optional[str] = None,
        on_verified_negatives: str = 'error',
    ):
        if labels not in ('single_positive', 'full'):
            raise ValueError(
                'SinglePositiveDataset: labels must be '
                f"'single_positive' or 'full', got {labels!r}"
            )
        if observed not in ('draw', 'dataset'):
            raise ValueError(
                "SinglePositiveDataset: observed must be 'draw' "
                f"or 'dataset', got {observed!r}"
            )
        if on_no_positive not in ('error', 'drop'):
            raise ValueError(
                'SinglePositiveDataset: on_no_positive must be '
                f"'error' or 'drop', got {on_no_positive!r}"
            )
        if on_verified_negatives not in ('error', 'drop'):
            raise ValueError(
                'SinglePositiveDataset: on_verified_negatives must be '
                f"'error' or 'drop', got {on_verified_negatives!r}"
            )
        if bias not in BIASES:
            raise ValueError(
                f'SinglePositiveDataset: bias must be one of {BIASES}, got '
                f'{bias!r}'
            )
        protocol = dict(
            observed=observed,
            seed=seed,
            on_no_positive=on_no_positive,
            on_verified_negatives=on_verified_negatives,
        )
        if bias != 'uniform':
            if observed != 'draw':
                raise ValueError(
                    f'SinglePositiveDataset: bias={bias!r} biases the draw; '
                    f"it needs observed='draw', got {observed!r}"
                )
            protocol.update(bias=bias, bias_file=bias_file)
        self._setup(dataset, split, labels, protocol, val_frac, split_seed)

    def _setup(
        self, dataset, split, labels, protocol, val_frac, split_seed
    ) -> None:
        """Build (or share) the label source and keep ``split``'s rows."""
        if split not in (None, 'train', 'val'):
            raise ValueError(
                f'{type(self).__name__}: split must be None, '
                f"'train' or 'val', got {split!r}"
            )
        key = (
            source_key(dataset, **protocol)
            if isinstance(dataset, dict)
            else None
        )
        source = _SOURCES.get(key) if key is not None else None
        if source is None:
            built = (
                DATASETS.build(dataset)
                if isinstance(dataset, dict)
                else dataset
            )
            source = LabelSource(
                built,
                f'{type(self).__name__}({describe_dataset(built)})',
                **protocol,
            )
            if key is not None:
                _SOURCES[key] = source
        self.source = source
        self.dataset = source.dataset
        self.where = source.where
        self.split = split
        self.labels = labels
        # Each wrapper runs its own pipeline on the shared dataset's rows.
        self.pipeline = (
            build_pipeline(dataset.get('pipeline'))
            if isinstance(dataset, dict)
            else self.dataset.pipeline
        )
        if split is None:
            keep = np.arange(len(source.rows))
        else:
            train_idx, val_idx = source.split(val_frac, split_seed)
            keep = train_idx if split == 'train' else val_idx
        # Row in the wrapped dataset, full and observed labels of each
        # sample (no full labels for real partial data).
        self.rows = source.rows[keep]
        self.full = None if source.full is None else source.full.take(keep)
        self.observed = source.observed.take(keep)

    @property
    def full_labels(self) -> Optional[np.ndarray]:
        """All positives as a dense N x C uint8 matrix (a copy of
        :attr:`full`, which is sparse; for small datasets); None when the
        data has no full labels."""
        return None if self.full is None else self.full.to_dense()

    @property
    def observed_labels(self) -> np.ndarray:
        """The observed labels as a dense N x C matrix (a copy of
        :attr:`observed`; for small datasets): uint8 1/0, or int8 1/-1/0
        when there are verified negatives."""
        if self.observed.states is None:
            return self.observed.to_dense()
        return self.observed.to_dense(dtype=np.int8, negative=-1)

    @property
    def metainfo(self) -> dict:
        return copy.deepcopy(self.dataset.metainfo)

    def __len__(self) -> int:
        return len(self.rows)

    def get_data_info(self, idx: int) -> dict:
        """The wrapped dataset's info for sample ``idx`` with ``gt_label``
        set to the training labels and ``sample_idx`` to ``idx``.

        Args:
            idx (int): The sample's index in this wrapper.

        Returns:
            dict: The info; ``gt_label`` is the observed positive (a list
            of one class index), or all positives with
            ``labels='full'``; with verified negatives (partial labels)
            also ``gt_score``, the observed labels 1 / -1 / 0, which the
            head passes to the loss.
        """
        info = self.dataset.get_data_info(int(self.rows[idx]))
        info.pop('gt_score', None)  # the wrapped file's, not these labels
        train_labels = self.full if self.labels == 'full' else self.observed
        info['gt_label'] = train_labels.positives(idx).tolist()
        if train_labels.states is not None:
            info['gt_score'] = train_labels.to_dense(
                dtype=np.float32, rows=np.array([idx]), negative=-1
            )[0]
        info['sample_idx'] = idx
        return info

    def get_cat_ids(self, idx: int) -> list:
        """All (full) positive class indices of sample ``idx``.

        Args:
            idx (int): The sample's index in this wrapper.

        Returns:
            list[int]: The sorted positive class indices (the observed ones
            when the data has no full labels).
        """
        labels = self.observed if self.full is None else self.full
        return labels.positives(idx).tolist()

    def image_paths(self, rows=None) -> list:
        """The ``img_path`` of every sample (or of ``rows``), read from the
        wrapped dataset (:func:`image_paths_of`).

        Args:
            rows (Sequence[int], optional): Only these samples, in that
                order. Defaults to None (all samples).

        Returns:
            list[str | None]: One path per sample.
        """
        keep = (
            self.rows
            if rows is None
            else self.rows[np.asarray(rows, dtype=np.int64)]
        )
        return image_paths_of(self.dataset, keep)

    def describe(self) -> str:
        """The wrapper's name in messages, with the wrapped dataset's.

        Returns:
            str: E.g. ``"SinglePositiveDataset(SPMLMultiLabelDataset(
            'data/train.json'))"``.
        """
        return self.where

    def __getitem__(self, idx: int) -> dict:
        result = run_pipeline(
            self.pipeline, self.get_data_info(idx), self.where
        )
        if self.full is None:
            return result
        result['data_samples'].set_field(
            torch.from_numpy(self.full.positives(idx).astype(np.int64)),
            'full_gt_label',
            dtype=torch.Tensor,
        )
        return result

    def __repr__(self) -> str:
        return (
            f'{self.where}: {len(self)} images, split={self.split}, '
            f'labels={self.labels!r}'
        )
