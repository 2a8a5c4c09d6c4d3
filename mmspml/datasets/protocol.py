"""The data protocol of Cole et al. (CVPR 2021) that every SPML paper uses.

These two functions are the only place where the single-positive draw and the
train/val split are made; datasets, wrappers and tools import them.
"""

from typing import Tuple

import numpy as np

from .label_bias import draw_weighted_positive
from .labels import NEGATIVE, POSITIVE, SparseLabels


def check_label_matrix(labels: np.ndarray, source: str = 'labels') -> None:
    """Raise ``ValueError`` unless ``labels`` is an N x C matrix of 0/1 whose
    every row has at least one positive.

    Args:
        labels (np.ndarray): The full label matrix to check.
        source (str): Its name in the error. Defaults to ``'labels'``.

    Raises:
        ValueError: ``labels`` is not 2-D, holds a value other than 0 or
            1, or has a row without a positive.
    """
    if labels.ndim != 2:
        raise ValueError(
            f'{source}: expected an N x C label matrix, got '
            f'shape {labels.shape}'
        )
    bad_values = np.setdiff1d(np.unique(labels), [0, 1])
    if bad_values.size:
        raise ValueError(
            f'{source}: labels must be 0 or 1, found values '
            f'{bad_values[:10].tolist()}'
        )
    empty = np.flatnonzero(labels.sum(axis=1) == 0)
    if empty.size:
        raise ValueError(
            f'{source}: {empty.size} of {labels.shape[0]} rows have no '
            f'positive label (first rows: {empty[:10].tolist()}); a single '
            'positive cannot be drawn for them.'
        )


def draw_single_positive(
    labels: SparseLabels, seed: int = 1200, weights=None
) -> np.ndarray:
    """Draw one observed positive per image, bit-exactly as Cole et al.

    A fresh ``RandomState(seed)`` walks the rows in order; for each row it
    shuffles the ascending indices of the positives and keeps the first, then
    shuffles the indices of the negatives and keeps none. That second shuffle
    only consumes random state (how much depends only on the number of
    negatives), but published splits depend on it; it is replayed on a
    scratch array, so the draw never builds a dense row.

    Args:
        labels (SparseLabels): Full labels, at least one positive per row.
        seed (int): Seed of the ``RandomState``. Defaults to 1200.
        weights (np.ndarray, optional): N x C non-negative weights (or one
            per stored entry of ``labels``): each row's positive is drawn
            with probability proportional to its weight
            (:func:`~mmspml.datasets.label_bias.draw_weighted_positive`, the
            label-bias protocols). None draws uniformly, as above. Defaults
            to None.

    Returns:
        np.ndarray: The drawn class index of every row (int64).
    """
    if weights is not None:
        return draw_weighted_positive(labels, weights, seed)
    counts = labels.counts()
    empty = np.flatnonzero(counts == 0)
    if empty.size:
        raise ValueError(
            f'labels: {empty.size} of {len(labels)} rows have no positive '
            f'label (first rows: {empty[:10].tolist()}); a single positive '
            'cannot be drawn for them.'
        )
    rng = np.random.RandomState(seed)
    shuffle = rng.shuffle
    num_classes = labels.num_classes
    # Views of one scratch array, one per possible number of negatives.
    scratch = np.empty(num_classes, dtype=np.int64)
    negatives_of = [scratch[:n] for n in range(num_classes + 1)]
    if labels.states is None:
        chosen = labels.indices[labels.indptr[:-1]].astype(np.int64)
        several = counts > 1
    else:
        chosen = np.zeros(len(labels), dtype=np.int64)
        several = np.ones(len(labels), dtype=bool)
    for row, (many, count) in enumerate(
        zip(several.tolist(), counts.tolist())
    ):
        if many:
            positives = labels.positives(row).astype(np.int64)
            shuffle(positives)
            chosen[row] = positives[0]
        shuffle(negatives_of[num_classes - count])
    return chosen


def sample_single_positive(
    labels: np.ndarray, seed: int = 1200, weights=None
) -> np.ndarray:
    """:func:`draw_single_positive` for a dense N x C 0/1 matrix.

    Args:
        labels (np.ndarray): N x C matrix of full labels, 0 or 1, with at
            least one positive per row.
        seed (int): Seed of the ``RandomState``. Defaults to 1200.
        weights (np.ndarray, optional): N x C non-negative weights; a row's
            positive is drawn with probability proportional to its weight.
            None keeps the uniform draw exactly. Defaults to None.

    Returns:
        np.ndarray: N x C matrix (same dtype as ``labels``) with a single 1
        per row, at an index where ``labels`` is 1.
    """
    labels = np.asarray(labels)
    check_label_matrix(labels)
    chosen = draw_single_positive(
        SparseLabels.from_dense(labels), seed, weights
    )
    observed = np.zeros_like(labels)
    observed[np.arange(len(labels)), chosen] = 1
    return observed


def split_train_val(
    num: int, val_frac: float = 0.2, seed: int = 1200
) -> Tuple[np.ndarray, np.ndarray]:
    """Split ``num`` rows of the official train set into train and val.

    ``n_val = round(val_frac * num)``; ``perm = RandomState(seed)
    .permutation(num)``; train is the sorted first ``num - n_val`` entries of
    ``perm`` and val the sorted last ``n_val``.

    Args:
        num (int): Number of rows.
        val_frac (float): Fraction held out for validation. Defaults to 0.2.
        seed (int): Seed of the ``RandomState``. Defaults to 1200.

    Returns:
        tuple[np.ndarray, np.ndarray]: Sorted train and val row indices.
    """
    if not 0 <= val_frac < 1:
        raise ValueError(f'val_frac must be in [0, 1), got {val_frac}')
    num_val = int(np.round(val_frac * num))
    perm = np.random.RandomState(seed).permutation(num)
    return np.sort(perm[: num - num_val]), np.sort(perm[num - num_val :])


def draw_partial_labels(
    labels: SparseLabels,
    known_frac: float,
    seed: int = 1200,
    chunk: int = 4096,
) -> SparseLabels:
    """Keep a fraction of every image's labels, positives and negatives
    alike, chosen uniformly at random (the partial-label protocol of Durand
    et al., CVPR 2019): each image keeps ``k = max(1, round(known_frac *
    C))`` of its C entries, each stored with its true state; the others
    become unknown.

    Rows are drawn in order, ``chunk`` at a time, from one
    ``RandomState(seed)``: the k entries of a row are those of its k
    smallest uniform draws, so no N x C matrix is built beyond a chunk.

    Args:
        labels (SparseLabels): Full labels (positives; everything else a
            true negative).
        known_frac (float): Fraction of each image's entries to keep, in
            (0, 1].
        seed (int): Seed of the ``RandomState``. Defaults to 1200.
        chunk (int): Rows drawn together. Defaults to 4096; the draw
            depends on it only through the order of the random numbers,
            which it does not change (rows are drawn in order either way).

    Returns:
        SparseLabels: The kept entries, ``states`` POSITIVE or NEGATIVE.

    Raises:
        ValueError: ``known_frac`` is outside (0, 1].
    """
    if not 0 < known_frac <= 1:
        raise ValueError(f'known_frac must be in (0, 1], got {known_frac}')
    num, num_classes = labels.shape
    keep = max(1, int(round(known_frac * num_classes)))
    rng = np.random.RandomState(seed)
    indices, states = [], []
    for start in range(0, num, chunk):
        rows = np.arange(start, min(start + chunk, num))
        draws = rng.random_sample((len(rows), num_classes))
        if keep < num_classes:
            chosen = np.argpartition(draws, keep - 1, axis=1)[:, :keep]
        else:
            chosen = np.tile(np.arange(num_classes), (len(rows), 1))
        chosen.sort(axis=1)
        full = labels.to_dense(rows=rows)
        indices.append(chosen.ravel())
        states.append(
            np.where(
                np.take_along_axis(full, chosen, axis=1) == 1,
                POSITIVE,
                NEGATIVE,
            ).ravel()
        )
    indptr = np.arange(num + 1, dtype=np.int64) * keep
    return SparseLabels(
        indptr,
        np.concatenate(indices) if indices else np.zeros(0, np.int32),
        num_classes,
        np.concatenate(states) if states else np.zeros(0, np.int8),
    )
