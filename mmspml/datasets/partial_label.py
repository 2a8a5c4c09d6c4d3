"""Partial labels: some positives and some verified negatives per image,
everything else unknown, simulated from full labels or read from a file."""

from typing import Optional, Union

from mmpretrain.registry import DATASETS

from .single_positive import SinglePositiveDataset


@DATASETS.register_module()
class PartialLabelDataset(SinglePositiveDataset):
    """Wrap a multi-label dataset so that only part of each image's labels
    is known, positives and verified negatives alike.

    ``known_frac=0.1`` simulates partial labels from the full ones (the
    protocol of Durand et al., CVPR 2019): each image keeps ``round(0.1 *
    C)`` of its entries (at least one), chosen uniformly at random with
    ``seed`` (:func:`draw_partial_labels`), each with its true state; the
    rest is unknown. ``known_frac='dataset'`` takes the partial labels the
    wrapped dataset has (an annotation file's ``gt_label`` and
    ``neg_label``: :class:`SPMLMultiLabelDataset`); such data has no full
    labels, so its samples carry none and are evaluated with
    ``SPMLAveragePrecision(mode='observed')``.

    Every sample's ``gt_score`` holds its observed labels in the losses'
    convention, 1 = observed positive, -1 = observed negative, 0 = unknown
    (``gt_label`` lists its observed positives); with simulated labels its
    ``full_gt_label`` keeps all positives for evaluation, as the
    single-positive wrapper does. Rows, the 80/20 split and the sharing of
    one parse between a config's train and val wrappers are those of
    :class:`SinglePositiveDataset`, so partial and single-positive runs of
    one config train and validate on the same images.

    Args:
        dataset (dict | Dataset): The multi-label dataset, or its config.
        known_frac (float | str): The fraction of every image's entries
            that is known, in (0, 1]; or ``'dataset'`` for the dataset's own
            partial labels. Defaults to 0.1.
        split (str, optional): ``'train'`` or ``'val'`` keeps that part of
            the split; None keeps every row. Defaults to None.
        seed (int): Seed of the draw. Defaults to 1200.
        val_frac (float): Fraction of rows in the val split. Defaults to
            0.2.
        split_seed (int): Seed of the split. Defaults to 1200.
        on_no_positive (str): Images without any positive in the full
            labels: ``'error'`` or ``'drop'`` (simulated labels only; real
            partial data keeps every image). Defaults to ``'error'``.

    Raises:
        ValueError: An argument outside its values.
    """

    def __init__(
        self,
        dataset: Union[dict, object],
        known_frac: Union[float, str] = 0.1,
        split: Optional[str] = None,
        seed: int = 1200,
        val_frac: float = 0.2,
        split_seed: int = 1200,
        on_no_positive: str = 'error',
    ):
        if known_frac == 'dataset':
            protocol = dict(
                observed='dataset_partial', seed=seed, on_no_positive='keep'
            )
        elif isinstance(known_frac, (int, float)) and 0 < known_frac <= 1:
            protocol = dict(
                observed='partial',
                seed=seed,
                on_no_positive=on_no_positive,
                known_frac=float(known_frac),
            )
        else:
            raise ValueError(
                'PartialLabelDataset: known_frac must be a fraction in '
                f"(0, 1] or 'dataset', got {known_frac!r}"
            )
        if on_no_positive not in ('error', 'drop'):
            raise ValueError(
                'PartialLabelDataset: on_no_positive must be '
                f"'error' or 'drop', got {on_no_positive!r}"
            )
        self.known_frac = known_frac
        self._setup(dataset, split, 'partial', protocol, val_frac, split_seed)

    def __repr__(self) -> str:
        return (
            f'{self.where}: {len(self)} images, split={self.split}, '
            f'known_frac={self.known_frac!r}'
        )
