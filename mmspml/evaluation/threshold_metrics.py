"""How a set of thresholds does: the metrics of the rule
``score >= threshold`` on a split, the recall of the observed positives, and
the table ``tools/analysis/calibrate_thresholds.py`` prints."""

from typing import Dict

import numpy as np

from .metrics.spml_ap import f1_scores


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
        observed (np.ndarray): N x C 0/1 observed labels.
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


def format_metrics_table(rows: Dict[str, dict]) -> str:
    """A plain-text table: one row per named metrics dict (as returned by
    :func:`threshold_metrics`), one column per metric.

    Args:
        rows (dict[str, dict]): Row name -> metrics dict; every dict has
            the metrics of the first one, whose order gives the columns.

    Returns:
        str: A header line of metric names, then one line per row with
        values to two decimals.
    """
    names = list(next(iter(rows.values())))
    width = max(len(r) for r in rows)
    cols = [max(len(n), 6) for n in names]
    lines = [' ' * width + ''.join(f'  {n:>{w}}' for n, w in zip(names, cols))]
    for row, metrics in rows.items():
        lines.append(
            f'{row:<{width}}'
            + ''.join(f'  {metrics[n]:>{w}.2f}' for n, w in zip(names, cols))
        )
    return '\n'.join(lines)
