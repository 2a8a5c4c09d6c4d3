"""Average precision and F1 scores as the SPML papers compute them, from
score and label arrays (no Runner): sklearn-exact with ties."""

from typing import Optional, Sequence

import numpy as np


def average_precision(scores: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Per-class average precision, equal to sklearn's
    ``average_precision_score`` (ties included).

    AP = sum over thresholds of (R_t - R_{t-1}) P_t, the thresholds being the
    distinct scores: every positive contributes precision/P at the end of its
    group of tied scores.

    Args:
        scores (np.ndarray): N x C predicted scores.
        targets (np.ndarray): N x C 0/1 labels.

    Returns:
        np.ndarray: AP of every class; NaN for a class without positives.
    """
    num, num_classes = scores.shape
    order = np.argsort(-scores, axis=0, kind='stable')
    sorted_scores = np.take_along_axis(scores, order, axis=0)
    sorted_targets = np.take_along_axis(targets, order, axis=0).astype(float)
    precision = (
        np.cumsum(sorted_targets, axis=0) / np.arange(1, num + 1)[:, None]
    )
    # Index of the last row of each row's tie group, per class.
    group_end = np.ones((num, num_classes), dtype=bool)
    group_end[:-1] = sorted_scores[1:] != sorted_scores[:-1]
    end_idx = np.where(group_end, np.arange(num)[:, None], num)
    end_idx = np.minimum.accumulate(end_idx[::-1], axis=0)[::-1]
    precision_at_end = np.take_along_axis(precision, end_idx, axis=0)
    num_pos = sorted_targets.sum(axis=0)
    with np.errstate(invalid='ignore', divide='ignore'):
        ap = (sorted_targets * precision_at_end).sum(axis=0) / num_pos
    return np.where(num_pos > 0, ap, np.nan)


def observed_average_precision(
    scores: np.ndarray, observed: np.ndarray
) -> tuple:
    """Per-class AP over the observed entries only: for class c, the images
    where c is observed (positive 1 or verified negative -1), the CSL
    ``mAP_partial`` and mlcpl convention.

    An unobserved entry is ranked below every observed one (score -inf), so
    it never enters a precision: the AP is sklearn's on the observed
    entries, ties included.

    Args:
        scores (np.ndarray): N x C predicted scores.
        observed (np.ndarray): N x C observed labels: 1, -1, 0 (unknown).

    Returns:
        tuple: ``(ap, valid)``: AP of every class (NaN where it does not
        count) and the mask of the classes that count, those with at least
        one observed positive and one observed negative.
    """
    observed = np.asarray(observed)
    masked = np.where(observed != 0, scores, -np.inf)
    ap = average_precision(masked, (observed == 1).astype(np.uint8))
    valid = (observed == 1).any(axis=0) & (observed == -1).any(axis=0)
    return np.where(valid, ap, np.nan), valid


def f1_scores(scores: np.ndarray, targets: np.ndarray, thr: float) -> dict:
    """Per-class (CP, CR, CF1) and overall (OP, OR, OF1) scores in percent
    for predictions ``scores >= thr``; a class without predictions or
    positives counts as precision or recall 0 in the class mean.

    Args:
        scores (np.ndarray): N x C predicted scores.
        targets (np.ndarray): N x C full 0/1 labels.
        thr (float | np.ndarray): The score threshold, or one threshold per
            class (broadcast against the C columns).

    Returns:
        dict: ``CP``, ``CR``, ``CF1``, ``OP``, ``OR`` and ``OF1``, in
        percent.
    """
    pred = scores >= thr
    tp = (pred & (targets == 1)).sum(axis=0).astype(float)
    pred_pos = pred.sum(axis=0)
    gt_pos = (targets == 1).sum(axis=0)

    def ratio(a, b):
        return np.divide(a, b, out=np.zeros_like(a, dtype=float), where=b > 0)

    def f1(p, r):
        return 2 * p * r / (p + r) if p + r > 0 else 0.0

    cp, cr = ratio(tp, pred_pos).mean(), ratio(tp, gt_pos).mean()
    op = tp.sum() / max(pred_pos.sum(), 1)
    o_r = tp.sum() / max(gt_pos.sum(), 1)
    return {
        'CP': 100 * cp,
        'CR': 100 * cr,
        'CF1': 100 * f1(cp, cr),
        'OP': 100 * op,
        'OR': 100 * o_r,
        'OF1': 100 * f1(op, o_r),
    }


def ap_table(
    ap: np.ndarray,
    targets: np.ndarray,
    classes: Optional[Sequence[str]] = None,
) -> str:
    """A plain-text table of per-class AP (percent) and positive counts.

    Args:
        ap (np.ndarray): AP of every class (fraction), as
            :func:`average_precision` gives it; NaN is shown as ``n/a``.
        targets (np.ndarray): N x C full 0/1 labels, to count the positives
            of each class.
        classes (Sequence[str], optional): Class names; the class indices
            when None or empty. Defaults to None.

    Returns:
        str: ``'Per-class AP:'`` and one line per class: name, AP and
        number of positives.
    """
    classes = classes or [str(i) for i in range(len(ap))]
    width = max(len('class'), *(len(c) for c in classes))
    lines = [f'{"class":<{width}}  {"AP":>6}  {"#pos":>6}']
    for name, value, count in zip(classes, ap, targets.sum(axis=0)):
        shown = 'n/a' if np.isnan(value) else f'{100 * value:.2f}'
        lines.append(f'{name:<{width}}  {shown:>6}  {int(count):>6}')
    return 'Per-class AP:\n' + '\n'.join(lines)
