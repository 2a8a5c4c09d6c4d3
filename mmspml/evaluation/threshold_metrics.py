"""How a set of thresholds does: the metrics of the rule
``score >= threshold`` on a split (against full labels, or estimated over
observed entries), the recall of the observed positives, and the table
``tools/analysis/calibrate_thresholds.py`` prints."""

from typing import Dict

import numpy as np

from .metrics.ap_functions import f1_scores


def observed_positive_recall(
    scores: np.ndarray, observed: np.ndarray, thresholds
) -> float:
    """Fraction of the observed positives that ``scores >= thresholds``
    predicts.

    With single positives drawn uniformly among an image's positives (Cole
    et al.'s protocol), this is an unbiased estimate of the mean per-image
    recall; it says nothing about precision.

    Args:
        scores (np.ndarray): N x C scores.
        observed (np.ndarray): N x C observed labels (1 = observed
            positive; -1 = verified negative and 0 = unknown are not
            counted).
        thresholds (float | np.ndarray): A threshold or C thresholds.

    Returns:
        float: The fraction (0-1); NaN without observed positives.
    """
    observed = np.asarray(observed) == 1
    if not observed.any():
        return float('nan')
    pred = np.asarray(scores, dtype=np.float64) >= np.asarray(thresholds)
    return float((pred & observed).sum() / observed.sum())


def threshold_metrics(
    scores: np.ndarray, targets: np.ndarray, thresholds
) -> dict:
    """CP, CR, CF1, OP, OR, OF1 (percent) of ``scores >= thresholds``,
    computed by :func:`~mmspml.evaluation.f1_scores` (the metric of
    :class:`SPMLAveragePrecision`), plus the mean number of predicted
    labels per image (``labels/img``).

    Args:
        scores (np.ndarray): N x C scores.
        targets (np.ndarray): N x C full 0/1 labels.
        thresholds (float | np.ndarray): A threshold or C thresholds.

    Returns:
        dict: Metric name to value.
    """
    scores = np.asarray(scores, dtype=np.float64)
    thr = np.asarray(thresholds, dtype=np.float64)
    metrics = {
        k: float(v)
        for k, v in f1_scores(scores, np.asarray(targets), thr).items()
    }
    metrics['labels/img'] = float((scores >= thr).sum(axis=1).mean())
    return metrics


def observed_threshold_metrics(
    scores: np.ndarray, observed: np.ndarray, thresholds
) -> dict:
    """The metrics of :func:`threshold_metrics` estimated over observed
    entries only: per class, its observed positives are the positives, its
    verified negatives the negatives, and an unknown entry is neither (it is
    never predicted, as ``observed_average_precision`` ranks it last). The
    class means (CP, CR, CF1) and the overall counts (OP, OR, OF1) take the
    classes with at least one observed positive and one verified negative,
    those ``mAP_observed`` counts; ``labels/img`` is over all entries.

    Args:
        scores (np.ndarray): N x C scores.
        observed (np.ndarray): N x C observed labels: 1, -1, 0 (unknown).
        thresholds (float | np.ndarray): A threshold or C thresholds.

    Returns:
        dict: Metric name to value, plus ``classes``, the number of classes
        the estimates rest on.
    """
    scores = np.asarray(scores, dtype=np.float64)
    observed = np.asarray(observed)
    thr = np.broadcast_to(
        np.asarray(thresholds, dtype=np.float64), scores.shape[1:]
    )
    valid = (observed == 1).any(axis=0) & (observed == -1).any(axis=0)
    if valid.any():
        masked = np.where(observed != 0, scores, -np.inf)[:, valid]
        targets = (observed[:, valid] == 1).astype(np.uint8)
        found = f1_scores(masked, targets, thr[valid])
        metrics = {k: float(v) for k, v in found.items()}
    else:  # nothing to estimate from: NaN, not 0
        metrics = dict.fromkeys(('CP', 'CR', 'CF1', 'OP', 'OR', 'OF1'), np.nan)
    metrics['labels/img'] = float((scores >= thr).sum(axis=1).mean())
    metrics['classes'] = int(valid.sum())
    return metrics


def format_metrics_table(rows: Dict[str, dict]) -> str:
    """A plain-text table: one row per named metrics dict (as returned by
    :func:`threshold_metrics`), one column per metric.

    Args:
        rows (dict[str, dict]): Row name -> metrics dict; every dict has
            the metrics of the first one, whose order gives the columns.

    Returns:
        str: A header line of metric names, then one line per row with
        values to two decimals (integers as they are).
    """
    names = list(next(iter(rows.values())))
    width = max(len(r) for r in rows)
    cols = [max(len(n), 6) for n in names]
    lines = [' ' * width + ''.join(f'  {n:>{w}}' for n, w in zip(names, cols))]
    for row, metrics in rows.items():
        lines.append(
            f'{row:<{width}}'
            + ''.join(
                f'  {metrics[n]:>{w}}'
                if isinstance(metrics[n], int)
                else f'  {metrics[n]:>{w}.2f}'
                for n, w in zip(names, cols)
            )
        )
    return '\n'.join(lines)
