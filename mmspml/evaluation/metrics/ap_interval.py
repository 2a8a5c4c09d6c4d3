"""How far an mAP can be trusted: its chance level and a bootstrap
interval over images.

Both work on the entries an AP counts, per class: every image in the full
mode, the images where the class is observed (a positive or a verified
negative) in the observed mode. Counts enter as ``labels``: 1 a positive,
-1 a negative, 0 an entry the AP does not count.
"""

import warnings
from typing import Callable, Optional

import numpy as np
from scipy import sparse


def chance_average_precision(num_pos, num_neg) -> np.ndarray:
    """Expected AP of scores that carry no information: a uniformly random
    ranking of ``num_pos`` positives among ``num_pos + num_neg`` entries.

    With T entries and P positives, the entry at rank k is a positive with
    probability P / T and two given ranks are both positives with
    probability P (P - 1) / (T (T - 1)), so summing precision at each
    positive over ranks gives

        E[AP] = (H_T + (P - 1) / (T - 1) * (T - H_T)) / T,

    H_T the T-th harmonic number (Bestgen, 2015). It is the exact
    expectation, not a Monte Carlo estimate; scores that tie (a constant
    per class) get P / T instead, which is lower.

    Args:
        num_pos (array-like): Positives of each class.
        num_neg (array-like): Negatives of each class.

    Returns:
        np.ndarray: Expected AP of each class (fraction); NaN where a class
        has no positive.
    """
    pos = np.asarray(num_pos, dtype=np.float64)
    total = pos + np.asarray(num_neg, dtype=np.float64)
    harmonic = np.array(
        [np.sum(1.0 / np.arange(1, t + 1)) for t in total.astype(np.int64)]
    )
    with np.errstate(invalid='ignore', divide='ignore'):
        slope = np.where(total > 1, (pos - 1) / np.maximum(total - 1, 1), 0)
        expected = (harmonic + slope * (total - harmonic)) / total
    return np.where(pos > 0, expected, np.nan)


class RankedEntries:
    """The entries of every class sorted once by score, so that each
    bootstrap resample only re-weights them (no sort per resample).

    For class c the entries are the images with a non-zero label, sorted by
    decreasing score (stable, as :func:`average_precision`); those after
    the last positive's tie group never enter an AP and are cut. A
    resample that takes image i ``w_i`` times gives AP_c =
    sum_pos w_i prec_i / sum_pos w_i, prec_i the weighted share of
    positives among the entries up to the end of i's tie group: exactly
    sklearn's AP on the resampled images, ties included.

    Args:
        scores (np.ndarray): N x C scores.
        labels (np.ndarray): N x C labels: 1 positive, -1 negative, 0 not
            counted.
    """

    def __init__(self, scores: np.ndarray, labels: np.ndarray):
        num, num_classes = scores.shape
        self.num_images = num
        self.num_classes = num_classes
        images, group_end, is_pos, starts = [], [], [], [0]
        for c in range(num_classes):
            idx = np.flatnonzero(labels[:, c])
            order = idx[np.argsort(-scores[idx, c], kind='stable')]
            pos = labels[order, c] == 1
            if not pos.any():
                order, pos = order[:0], pos[:0]
            sorted_scores = scores[order, c]
            last = len(order)
            if pos.any():
                # Keep up to the end of the last positive's tie group.
                last_pos = np.flatnonzero(pos)[-1]
                tail = sorted_scores[last_pos:] == sorted_scores[last_pos]
                last = (
                    last_pos + int(np.argmin(tail)) if not tail.all() else last
                )
            order, pos = order[:last], pos[:last]
            ends = np.ones(last, dtype=bool)
            ends[:-1] = sorted_scores[1:last] != sorted_scores[: last - 1]
            end_idx = np.where(ends, np.arange(last), last)
            end_idx = np.minimum.accumulate(end_idx[::-1])[::-1]
            images.append(order)
            group_end.append(end_idx + starts[-1])
            is_pos.append(pos)
            starts.append(starts[-1] + last)
        images = np.concatenate(images).astype(np.intp)
        group_end = np.concatenate(group_end).astype(np.intp)
        is_pos = np.concatenate(is_pos)
        starts = np.asarray(starts[:-1], dtype=np.intp)
        num_entries = len(images)
        pos_entries = np.flatnonzero(is_pos)
        # A positive's precision needs the weight of the entries up to the
        # end of its tie group: cut each class's list at its start and
        # after each such end, and a resample's segment sums are two
        # sparse products (all entries, positives only) with its weights.
        ends = group_end[pos_entries]
        cuts = np.unique(np.concatenate([starts, ends + 1]))
        cuts = cuts[cuts < num_entries]
        segment = np.searchsorted(cuts, np.arange(num_entries), 'right') - 1
        # Stored segment-major (S x N) for row-wise products; float32 sums
        # of counts are exact below 2**24 images.
        shape = (max(len(cuts), 1), num)
        self.dtype = np.float32 if num < 2**24 else np.float64
        self.segment_of_all = sparse.csr_matrix(
            (np.ones(num_entries, self.dtype), (segment, images)), shape=shape
        )
        self.segment_of_pos = sparse.csr_matrix(
            (
                np.ones(len(pos_entries), self.dtype),
                (segment[pos_entries], images[pos_entries]),
            ),
            shape=shape,
        )
        # Segment of each positive's group end, and the first segment of
        # its class, whose running sums bound the class's prefix.
        self.end_segment = segment[ends] if len(ends) else ends
        self.pos_class = np.searchsorted(starts, pos_entries, 'right') - 1
        self.class_first_segment = np.searchsorted(cuts, starts)
        self.pos_images = images[pos_entries]
        self.pos_to_class = sparse.csr_matrix(
            (
                np.ones(len(pos_entries)),
                (np.arange(len(pos_entries)), self.pos_class),
            ),
            shape=(len(pos_entries), num_classes),
        )
        # Each class's positives and negatives, uncut: a resample's counts.
        self.pos_matrix = sparse.csr_matrix((labels == 1).T, dtype=self.dtype)
        self.neg_matrix = sparse.csr_matrix((labels == -1).T, dtype=self.dtype)

    def average_precision(self, weights: np.ndarray) -> tuple:
        """Per-class AP of ``B`` resamples.

        Args:
            weights (np.ndarray): B x N times each image is drawn.

        Returns:
            tuple: ``(ap, pos, neg)``, each B x C: the AP (NaN where a
            class has no positive in the resample) and the weighted
            positive and negative counts.
        """
        weights_t = np.ascontiguousarray(np.transpose(weights), self.dtype)
        # Running sums over segments in float64 (they reach C x N), each
        # class read relative to the sum before its first segment.
        ends, cls = self.end_segment, self.pos_class
        up_to = []
        for matrix in (self.segment_of_all, self.segment_of_pos):
            sums = (matrix @ weights_t).astype(np.float64)
            np.cumsum(sums, axis=0, out=sums)
            first = self.class_first_segment
            before = np.zeros((len(first), sums.shape[1]))
            before[first > 0] = sums[first[first > 0] - 1]
            up_to.append(sums[ends] - before[cls])
        seen_up_to, hits_up_to = up_to
        precision = hits_up_to / np.maximum(seen_up_to, 1)
        ap_sum = self.pos_to_class.T @ (weights_t[self.pos_images] * precision)
        pos = (self.pos_matrix @ weights_t).T.astype(np.float64)
        neg = (self.neg_matrix @ weights_t).T.astype(np.float64)
        with np.errstate(invalid='ignore', divide='ignore'):
            ap = np.where(pos > 0, ap_sum.T / np.maximum(pos, 1), np.nan)
        return ap, pos, neg


def bootstrap_mean_ap(
    scores: np.ndarray,
    labels: np.ndarray,
    reduce,
    num_resamples: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    chunk: Optional[int] = None,
) -> tuple:
    """A percentile bootstrap interval of a mean AP over images.

    Each resample draws the N images with replacement (``numpy``'s PCG64
    generator seeded with ``seed``, so the interval is reproducible) and
    recomputes the mean AP with ``reduce``, the same rule that made the
    reported value (which classes count, how an empty class counts).

    Args:
        scores (np.ndarray): N x C scores.
        labels (np.ndarray): N x C labels: 1 positive, -1 negative, 0 not
            counted.
        reduce (Callable): ``reduce(ap, pos, neg)`` -> B mean APs
            (fractions) from B x C AP, positive and negative counts.
        num_resamples (int): Resamples. Defaults to 1000.
        seed (int): Seed of the resampling. Defaults to 0.
        level (float): Coverage of the interval. Defaults to 0.95.
        chunk (int, optional): Resamples computed at once; None picks one
            that keeps the weights to about 32 MB. Defaults to None.

    Returns:
        tuple: ``(low, high)`` as fractions; NaN when no resample has a
        defined mean AP.
    """
    entries = RankedEntries(scores, labels)
    num = len(scores)
    rng = np.random.default_rng(seed)
    if chunk is None:
        chunk = int(np.clip(4e6 / max(num, 1), 1, 1000))
    means = []
    for start in range(0, num_resamples, chunk):
        size = min(chunk, num_resamples - start)
        draws = rng.integers(0, num, size=(size, num))
        weights = np.stack(
            [np.bincount(d, minlength=num) for d in draws]
        ).astype(np.int32)
        means.append(reduce(*entries.average_precision(weights)))
    means = np.concatenate(means)
    means = means[np.isfinite(means)]
    if not len(means):
        return float('nan'), float('nan')
    tail = 100 * (1 - level) / 2
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(low), float(high)


def mean_observed_ap(ap, pos, neg) -> np.ndarray:
    """Mean AP over the classes with a positive and a negative (the rule
    of ``mAP_observed``); NaN where no class has both.

    Args:
        ap (np.ndarray): ... x C AP.
        pos (np.ndarray): ... x C positive counts.
        neg (np.ndarray): ... x C negative counts.

    Returns:
        np.ndarray: The mean over the last axis.
    """
    ap = np.where((pos > 0) & (neg > 0), ap, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', RuntimeWarning)
        return np.nanmean(ap, axis=-1)


def mean_ap_rule(empty_class: str) -> Callable:
    """The mean AP of the full mode: a class without positives counts as 0
    (``'zero'``) or is left out (``'skip'``), as
    :meth:`SPMLAveragePrecision.calculate`.

    Args:
        empty_class (str): ``'zero'`` or ``'skip'``.

    Returns:
        Callable: ``reduce(ap, pos, neg)`` as :func:`bootstrap_mean_ap`
        takes it.
    """

    def reduce(ap, pos, neg):
        if empty_class == 'zero':
            return np.nan_to_num(ap, nan=0.0).mean(axis=-1)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', RuntimeWarning)
            return np.nanmean(ap, axis=-1)

    return reduce
