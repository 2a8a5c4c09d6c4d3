"""Single positives drawn with the biases annotators have (Arroyo, Perona
and Cole, "Understanding Label Bias in Single Positive Multi-Label
Learning", ICLR 2023 Tiny Papers).

A bias gives every true positive of an image a non-negative weight, and the
observed positive is drawn with probability proportional to it:

- ``'size'``: the summed area of the class's instances in the image (the
  fraction of all instance area; the normalisation does not change the
  draw);
- ``'location'``: the sum over the class's instances of ``1 / d``, with
  ``d`` the distance from the centre of the instance's box to the centre of
  the image (``d = 0`` counts as 0.0005);
- ``'semantic'``: one weight per class, the same in every image; an image
  whose positives all weigh 0 draws uniformly among them (as the authors'
  code does).

``'uniform'`` is Cole et al.'s draw (:func:`draw_single_positive`),
bit-exact with the unbiased protocol.
"""

from typing import Optional, Sequence

import numpy as np

from .labels import POSITIVE, SparseLabels

BIASES = ('uniform', 'size', 'location', 'semantic')


def entry_weights(labels: SparseLabels, weights) -> np.ndarray:
    """The weight of every stored entry of ``labels`` (aligned with
    ``labels.indices``), checked.

    Args:
        labels (SparseLabels): The full labels.
        weights (np.ndarray): N x C weights, or one weight per stored entry
            of ``labels`` (1-D, aligned with ``labels.indices``).

    Returns:
        np.ndarray: float64 weight of every stored entry.

    Raises:
        ValueError: The shape does not fit, or a weight is NaN, infinite or
            negative (the error names the rows).
    """
    weights = np.asarray(weights, dtype=np.float64)
    num = len(labels)
    rows = np.repeat(np.arange(num), np.diff(labels.indptr))
    if weights.ndim == 2:
        if weights.shape != labels.shape:
            raise ValueError(
                f'weights: expected shape {labels.shape} (images x '
                f'classes), got {weights.shape}'
            )
        bad = ~np.isfinite(weights) | (weights < 0)
        if bad.any():
            raise _bad_rows(np.flatnonzero(bad.any(axis=1)), weights, bad)
        return weights[rows, labels.indices]
    if weights.shape != labels.indices.shape:
        raise ValueError(
            'weights: expected an N x C matrix or one weight per stored '
            f'label ({labels.indices.size}), got shape {weights.shape}'
        )
    bad = ~np.isfinite(weights) | (weights < 0)
    if bad.any():
        raise _bad_rows(np.unique(rows[bad]), None, None)
    return weights


def _bad_rows(rows, weights, bad) -> ValueError:
    detail = ''
    if weights is not None:
        row = int(rows[0])
        cols = np.flatnonzero(bad[row])[:5].tolist()
        detail = (
            f'; row {row} has {weights[row, cols].tolist()} at classes {cols}'
        )
    return ValueError(
        f'weights: {rows.size} rows hold NaN, infinite or negative weights '
        f'(first rows: {rows[:10].tolist()}){detail}; weights must be '
        'finite and >= 0.'
    )


def draw_weighted_positive(
    labels: SparseLabels, weights, seed: int = 1200
) -> np.ndarray:
    """One positive per image, drawn with probability proportional to its
    weight.

    One ``RandomState(seed)`` gives one uniform number ``u`` per row, in row
    order; the pick is the first positive (in class order) whose cumulative
    weight exceeds ``u`` times the row's total. A positive of weight 0 is
    never picked.

    Args:
        labels (SparseLabels): Full labels; with ``states``, only the
            POSITIVE entries can be picked.
        weights (np.ndarray): N x C non-negative weights (only those of the
            positives matter), or one per stored entry of ``labels``.
        seed (int): Seed of the ``RandomState``. Defaults to 1200.

    Returns:
        np.ndarray: The drawn class index of every row (int64).

    Raises:
        ValueError: A weight is NaN, infinite or negative, or a row's
            positives all weigh 0 (the error names the rows).
    """
    num = len(labels)
    w = entry_weights(labels, weights).copy()
    if labels.states is not None:
        w[labels.states != POSITIVE] = 0.0
    counts = np.diff(labels.indptr)
    rows = np.repeat(np.arange(num), counts)
    totals = np.bincount(rows, weights=w, minlength=num)
    empty = np.flatnonzero(totals <= 0)
    if empty.size:
        raise ValueError(
            f'weights: {empty.size} of {num} images have no positive with a '
            f'weight above 0 (first rows: {empty[:10].tolist()}); a positive '
            'cannot be drawn for them. Give each image at least one '
            'positive with a positive weight.'
        )
    huge = np.flatnonzero(~np.isfinite(totals))
    if huge.size:
        raise ValueError(
            f'weights: the positives of {huge.size} images weigh more than '
            f'a float64 can hold in total (first rows: '
            f'{huge[:10].tolist()}); scale the weights down.'
        )
    u = np.random.RandomState(seed).random_sample(num)
    # Each row's weights sum to 1 first, so that one image's huge weights
    # cannot swamp the others' in the global cumsum; the cumsum minus the
    # row's start is then exact to ~N ulp, and the last positive catches
    # rounding.
    w = w / np.repeat(totals, counts)
    csum = np.cumsum(w)
    before = np.concatenate([[0.0], csum])[labels.indptr[:-1]]
    local = csum - np.repeat(before, counts)
    row_total = local[labels.indptr[1:] - 1]
    hit = (local > np.repeat(u * row_total, counts)) & (w > 0)
    last = np.zeros(len(w), dtype=bool)
    positive_at = np.flatnonzero(w > 0)
    last_of_row = np.searchsorted(positive_at, labels.indptr[1:], 'left') - 1
    last[positive_at[last_of_row]] = True
    first = np.flatnonzero(hit | last)
    pick = first[np.searchsorted(first, labels.indptr[:-1], 'left')]
    return labels.indices[pick].astype(np.int64)


def picked_counts(
    observed: np.ndarray,
    full: SparseLabels,
    uniform: Optional[np.ndarray],
    classes: Optional[Sequence[str]] = None,
) -> str:
    """How often each class is the observed positive, as log lines.

    Args:
        observed (np.ndarray): The drawn class of every image.
        full (SparseLabels): The full labels (for the positives per class).
        uniform (np.ndarray, optional): The uniform draw, for comparison.
        classes (Sequence[str], optional): Class names. Defaults to None
            (class indices).

    Returns:
        str: One line per class: picked under the bias, under the uniform
        draw, and the number of images with the class.
    """
    num_classes = full.num_classes
    picked = np.bincount(observed, minlength=num_classes)
    present = np.bincount(full.indices, minlength=num_classes)
    base = (
        np.bincount(uniform, minlength=num_classes)
        if uniform is not None
        else None
    )
    lines = ['class | picked | uniform draw | images with it']
    for c in range(num_classes):
        ref = '-' if base is None else str(int(base[c]))
        name = c if classes is None else classes[c]
        lines.append(f'{name} | {picked[c]} | {ref} | {present[c]}')
    return '\n'.join(lines)
