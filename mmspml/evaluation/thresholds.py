"""Decision thresholds for multi-label predictions: label sets from scores,
per-class thresholds that maximise F1 on a fully labelled split (or over
the observed entries of partial labels), a global threshold for
single-positive data (the file the predictor reads is
:mod:`.thresholds_file`).

Every prediction rule here is ``score >= threshold``, as in MMPretrain's
multi-label heads and :func:`~mmspml.evaluation.f1_scores`.
"""

from typing import Dict, List, Optional, Sequence

import numpy as np


def predicted_labels(
    scores: np.ndarray,
    threshold: Optional[float] = None,
    topk: Optional[int] = None,
    thresholds: Optional[Sequence[float]] = None,
) -> List[List[int]]:
    """The predicted label set of every image, most confident first.

    Exactly one rule applies: ``thresholds`` (class ``c`` is predicted when
    ``score_c >= thresholds[c]``), else ``topk`` (the ``topk`` highest
    scores, ties broken by the lower class index), else ``threshold``
    (``score >= threshold``; 0.5 when nothing is given).

    Args:
        scores (np.ndarray): N x C scores (sigmoid probabilities).
        threshold (float, optional): One threshold for every class.
            Defaults to None (0.5 when no other rule is given).
        topk (int, optional): Number of labels per image. Defaults to None.
        thresholds (Sequence[float], optional): One threshold per class.
            Defaults to None.

    Returns:
        List[List[int]]: Per image, the predicted class indices in order of
        descending score (ties: lower class index first).
    """
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 2:
        raise ValueError(f'scores must be N x C, got shape {scores.shape}')
    given = [
        name
        for name, value in (
            ('threshold', threshold),
            ('topk', topk),
            ('thresholds', thresholds),
        )
        if value is not None
    ]
    if len(given) > 1:
        raise ValueError(
            f'give one of threshold, topk and thresholds, not '
            f'{" and ".join(given)}'
        )
    num_classes = scores.shape[1]
    order = np.argsort(-scores, axis=1, kind='stable')
    if topk is not None:
        if not 1 <= int(topk) <= num_classes:
            raise ValueError(
                f'topk must be between 1 and {num_classes} '
                f'(the number of classes), got {topk}'
            )
        return order[:, : int(topk)].tolist()
    if thresholds is not None:
        thr = np.asarray(thresholds, dtype=np.float64)
        if thr.shape != (num_classes,):
            raise ValueError(
                f'thresholds must hold one value per class '
                f'({num_classes}), got shape {thr.shape}'
            )
    else:
        thr = np.full(
            num_classes,
            0.5 if threshold is None else threshold,
            dtype=np.float64,
        )
    keep = np.take_along_axis(scores >= thr, order, axis=1)
    return [row[mask].tolist() for row, mask in zip(order, keep)]


def f1_curve(
    scores: np.ndarray,
    targets: np.ndarray,
    candidates: Optional[np.ndarray] = None,
) -> Dict[str, np.ndarray]:
    """Predicted positives, true positives and F1 of the rule ``scores >= t``
    for every candidate threshold ``t`` of one class (or of flattened
    scores, which gives the overall F1, OF1).

    Args:
        scores (np.ndarray): 1-D scores.
        targets (np.ndarray): 1-D 0/1 labels of the same length.
        candidates (np.ndarray, optional): Thresholds to try. Defaults to
            None: the distinct values of ``scores`` (every different
            prediction the rule can make, except predicting nothing).

    Returns:
        dict: ``thresholds`` (ascending candidates), ``predicted`` and
        ``true_positives`` (counts at each), ``f1`` (2 TP / (predicted +
        positives); 0 when both are 0).
    """
    scores = np.asarray(scores, dtype=np.float64).ravel()
    targets = np.asarray(targets).ravel().astype(bool)
    if scores.shape != targets.shape:
        raise ValueError(
            f'scores {scores.shape} and targets '
            f'{targets.shape} differ in length'
        )
    if candidates is None:
        candidates = np.unique(scores)
    candidates = np.sort(np.asarray(candidates, dtype=np.float64))
    order = np.argsort(scores, kind='stable')
    sorted_scores = scores[order]
    # Positives among the i lowest scores, for i = 0..N.
    positives_below = np.concatenate([[0], np.cumsum(targets[order])])
    below = np.searchsorted(sorted_scores, candidates, side='left')
    predicted = len(scores) - below
    true_positives = positives_below[-1] - positives_below[below]
    denominator = predicted + positives_below[-1]
    f1 = np.divide(
        2.0 * true_positives,
        denominator,
        out=np.zeros(len(candidates)),
        where=denominator > 0,
    )
    return dict(
        thresholds=candidates,
        predicted=predicted,
        true_positives=true_positives,
        f1=f1,
    )


def best_f1_threshold(
    scores: np.ndarray,
    targets: np.ndarray,
    candidates: Optional[np.ndarray] = None,
) -> tuple:
    """The candidate threshold with the highest F1 of ``scores >= t``; the
    highest such threshold (fewest predicted positives) when several tie.

    Args:
        scores (np.ndarray): 1-D scores (or any shape, flattened).
        targets (np.ndarray): 0/1 labels of the same shape.
        candidates (np.ndarray, optional): See :func:`f1_curve`.

    Returns:
        tuple: ``(threshold, f1)`` as floats.
    """
    curve = f1_curve(scores, targets, candidates)
    if not len(curve['thresholds']):
        raise ValueError('no candidate threshold to choose from')
    best = len(curve['f1']) - 1 - int(np.argmax(curve['f1'][::-1]))
    return float(curve['thresholds'][best]), float(curve['f1'][best])


def grid_candidates(num: int) -> np.ndarray:
    """``num`` evenly spaced thresholds strictly between 0 and 1
    (``1/(num+1), ..., num/(num+1)``).

    Args:
        num (int): Number of thresholds, at least 1.

    Returns:
        np.ndarray: The ``num`` thresholds, float64, increasing.

    Raises:
        ValueError: ``num`` is less than 1.
    """
    if num < 1:
        raise ValueError(f'a threshold grid needs at least 1 point, got {num}')
    return np.arange(1, num + 1, dtype=np.float64) / (num + 1)


def search_f1_thresholds(
    scores: np.ndarray,
    targets: np.ndarray,
    min_positives: int = 5,
    grid: Optional[int] = None,
) -> dict:
    """Per-class thresholds that maximise each class's F1 on fully labelled
    data, with a global fallback for rare classes.

    Class ``c`` gets :func:`best_f1_threshold` of its column. A class with
    fewer than ``max(min_positives, 1)`` positives gets instead the global
    threshold: the one that maximises the overall F1 (OF1, the F1 of all
    N x C decisions together) of a single threshold shared by all classes.

    Args:
        scores (np.ndarray): N x C scores.
        targets (np.ndarray): N x C full 0/1 labels (never single positives:
            an unannotated entry would count as a negative).
        min_positives (int): Classes with fewer positives fall back to the
            global threshold. Defaults to 5.
        grid (int, optional): Try ``grid`` evenly spaced thresholds
            (:func:`grid_candidates`) instead of the distinct scores.
            Defaults to None.

    Returns:
        dict: ``thresholds`` (C floats), ``fallback`` (C bools),
        ``global_threshold`` and ``global_f1`` (the OF1 it attains, 0-1),
        ``class_f1``, ``class_precision`` and ``class_recall`` (C floats:
        each class's F1, precision and recall at its threshold, 0-1),
        ``num_positives`` and ``num_negatives`` (C ints).
    """
    scores, targets = _checked(scores, targets, 'targets')
    if not (targets == 1).any():
        raise ValueError(
            'the labels hold no positive at all: F1 '
            'thresholds need a fully labelled split'
        )
    return _search(scores, targets == 1, None, min_positives, 0, grid)


def search_observed_f1_thresholds(
    scores: np.ndarray,
    observed: np.ndarray,
    min_positives: int = 5,
    grid: Optional[int] = None,
    min_negatives: int = 1,
) -> dict:
    """Per-class thresholds that maximise each class's F1 estimated over
    its observed entries only, for partial labels without full labels.

    As :func:`search_f1_thresholds`, with class ``c`` judged on the images
    where ``c`` is observed: its observed positives (1) are the positives,
    its verified negatives (-1) the negatives, and its unknown entries (0)
    count for nothing (never as negatives). Precision, recall and F1 are
    therefore estimates over the observed entries, as good as those entries
    are a fair sample of the class. A class with fewer than
    ``max(min_positives, 1)`` observed positives or fewer than
    ``max(min_negatives, 1)`` verified negatives (without a negative, F1 is
    highest when everything is predicted) gets the global threshold: the
    one that maximises the F1 of all observed entries together. With no
    unknown entry (full labels, their 0 written -1) it gives what
    :func:`search_f1_thresholds` gives, but for the fallback of a class
    without negatives.

    Args:
        scores (np.ndarray): N x C scores.
        observed (np.ndarray): N x C observed labels: 1 (observed positive),
            -1 (verified negative) or 0 (unknown).
        min_positives (int): Classes with fewer observed positives fall
            back to the global threshold. Defaults to 5.
        grid (int, optional): See :func:`search_f1_thresholds`. Defaults to
            None.
        min_negatives (int): Classes with fewer verified negatives fall
            back to the global threshold. Defaults to 1.

    Returns:
        dict: As :func:`search_f1_thresholds`, every count and score over
        observed entries: ``num_positives`` the observed positives and
        ``num_negatives`` the verified negatives of each class.

    Raises:
        ValueError: ``observed`` holds a value other than 1, -1 and 0, or
            no observed positive or no verified negative at all.
    """
    scores, observed = _checked(scores, observed, 'observed')
    bad = ~np.isin(observed, (-1, 0, 1))
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise ValueError(
            f'observed labels must be 1, -1 or 0, got '
            f'{observed[row, col].item()!r} at row {row}, class {col}'
        )
    if not (observed == 1).any() or not (observed == -1).any():
        raise ValueError(
            'F1 over observed entries needs observed positives (1) and '
            f'verified negatives (-1); the labels hold '
            f'{int((observed == 1).sum())} and '
            f'{int((observed == -1).sum())}'
        )
    return _search(
        scores,
        observed == 1,
        observed != 0,
        min_positives,
        max(int(min_negatives), 1),
        grid,
    )


def _checked(scores, labels, name: str) -> tuple:
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels)
    if scores.ndim != 2 or scores.shape != labels.shape:
        raise ValueError(
            f'scores {scores.shape} and {name} '
            f'{labels.shape} must both be N x C'
        )
    return scores, labels


def _search(
    scores, positive, known, min_positives, min_negatives, grid
) -> dict:
    """The thresholds of :func:`search_f1_thresholds` over the ``known``
    entries only (all of them when ``known`` is None)."""
    candidates = None if grid is None else grid_candidates(grid)
    if known is None:
        known = np.ones(positive.shape, dtype=bool)
    num_positives = positive.sum(axis=0)
    num_negatives = (known & ~positive).sum(axis=0)
    global_thr, global_f1 = best_f1_threshold(
        scores[known], positive[known], candidates
    )
    fallback = (num_positives < max(int(min_positives), 1)) | (
        num_negatives < int(min_negatives)
    )
    thresholds = np.full(scores.shape[1], global_thr)
    for c in np.flatnonzero(~fallback):
        rows = known[:, c]
        thresholds[c] = best_f1_threshold(
            scores[rows, c], positive[rows, c], candidates
        )[0]
    pred = (scores >= thresholds) & known
    true_pos = (pred & positive).sum(axis=0)
    predicted = pred.sum(axis=0)
    denominator = predicted + num_positives

    def ratio(a, b):
        return np.divide(a, b, out=np.zeros(len(thresholds)), where=b > 0)

    return dict(
        thresholds=thresholds,
        fallback=fallback,
        global_threshold=global_thr,
        global_f1=global_f1,
        class_f1=ratio(2.0 * true_pos, denominator),
        class_precision=ratio(true_pos, predicted),
        class_recall=ratio(true_pos, num_positives),
        num_positives=num_positives,
        num_negatives=num_negatives,
    )


def expected_count_threshold(
    scores: np.ndarray, expected_positives: float
) -> float:
    """One threshold for all classes such that images get, on average,
    ``expected_positives`` predicted labels: the ``round(K N)``-th highest
    of the N x C scores (more labels when scores tie there).

    It uses no labels, so it promises the number of predicted labels only,
    never which ones are right: precision, recall and F1 cannot be known
    without negatives.

    Args:
        scores (np.ndarray): N x C scores.
        expected_positives (float): K, the mean number of positive labels
            per image (from domain knowledge or a small fully labelled
            sample).

    Returns:
        float: The threshold.
    """
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 2 or not scores.size:
        raise ValueError(
            f'scores must be a non-empty N x C array, got shape {scores.shape}'
        )
    num, num_classes = scores.shape
    if not 0 < expected_positives <= num_classes:
        raise ValueError(
            f'expected_positives must be in (0, {num_classes}] '
            f'(the number of classes), got {expected_positives}'
        )
    count = min(max(int(round(expected_positives * num)), 1), scores.size)
    return float(np.sort(scores, axis=None)[::-1][count - 1])
