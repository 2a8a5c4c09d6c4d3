"""Does the soft pseudo-label track the truth? The numbers behind the
diagnostics of the training set's unannotated entries."""

from typing import Dict, Optional

import numpy as np
import torch

from mmspml.models.losses import GRLoss


def gr_curves(loss, prob: np.ndarray) -> Optional[Dict[str, np.ndarray]]:
    """GR's current k(p) and v(p) at ``prob``; None for other losses.

    Args:
        loss (nn.Module | None): The training loss.
        prob (np.ndarray): Probabilities, any shape; with a learnable k
            an N x C matrix (each class has its own k).

    Returns:
        dict | None: ``k`` and ``v`` (float64 arrays, the shape of
        ``prob``) from :meth:`GRLoss.k` and :meth:`GRLoss.v`; None when
        ``loss`` is not a :class:`GRLoss`.
    """
    if not isinstance(loss, GRLoss):
        return None
    prob = torch.as_tensor(np.asarray(prob, dtype=np.float64))
    return dict(k=loss.k(prob).cpu().numpy(), v=loss.v(prob).cpu().numpy())


def gr_curve_grid(loss, grid: np.ndarray) -> Optional[Dict[str, np.ndarray]]:
    """GR's k and v over a grid of p, to draw (a learnable k drawn as the
    mean over classes of its curves); None for other losses.

    Args:
        loss (nn.Module | None): The training loss.
        grid (np.ndarray): Probabilities, any shape.

    Returns:
        dict | None: ``k`` and ``v`` (float64 arrays, the shape of
        ``grid``), from :meth:`GRLoss.k_curve` and :meth:`GRLoss.v`.
    """
    if not isinstance(loss, GRLoss):
        return None
    grid = torch.as_tensor(np.asarray(grid, dtype=np.float64))
    return dict(
        k=loss.k_curve(grid).cpu().numpy(), v=loss.v(grid).cpu().numpy()
    )


def pseudo_label_diagnostics(
    scores: np.ndarray,
    observed: np.ndarray,
    full: np.ndarray,
    loss=None,
    num_bins: int = 20,
) -> dict:
    """Histogram and scalars of the predicted p on unannotated entries.

    Args:
        scores (np.ndarray): N x C predicted probabilities.
        observed (np.ndarray): N x C observed labels (1 = annotated
            positive).
        full (np.ndarray): N x C full labels.
        loss (SPMLLoss, optional): The loss; for a :class:`GRLoss`, its
            current k(p) and v(p) are evaluated. Defaults to None.
        num_bins (int): Equal-width bins of p over [0, 1]. Defaults to 20.

    Returns:
        dict: ``bin_edges``; per bin the counts of ``hidden_positives``
        (unannotated entries that are positive) and ``negatives``
        (unannotated, negative) and ``hidden_positive_rate`` (None for an
        empty bin); ``scalars``: ``hidden_positive_share_above_0.5`` and,
        for GR, ``k_mean_hidden_positives``, ``k_mean_negatives`` and
        ``k_calibration_error`` (the bin-count-weighted mean of
        |mean k(p) in the bin - the bin's hidden-positive rate|); for GR
        also ``curve_p``, ``k`` and ``v`` to draw.
    """
    scores = np.asarray(scores, dtype=np.float64)
    unannotated = np.asarray(observed) == 0
    positive = np.asarray(full) == 1
    hidden = scores[unannotated & positive]
    negative = scores[unannotated & ~positive]
    edges = np.linspace(0, 1, num_bins + 1)
    hidden_counts = np.histogram(hidden, edges)[0]
    negative_counts = np.histogram(negative, edges)[0]
    totals = hidden_counts + negative_counts
    with np.errstate(invalid='ignore', divide='ignore'):
        rate = hidden_counts / totals
    scalars = {
        'hidden_positive_share_above_0.5': float((hidden > 0.5).mean())
        if hidden.size
        else float('nan'),
    }
    result = dict(
        bin_edges=edges.tolist(),
        hidden_positives=hidden_counts.tolist(),
        negatives=negative_counts.tolist(),
        hidden_positive_rate=[
            None if t == 0 else float(r) for r, t in zip(rate, totals)
        ],
        scalars=scalars,
    )
    curves = gr_curves(loss, scores)
    if curves is not None:
        # k on the N x C matrix, so that a learnable k maps each entry
        # through its own class's curve.
        k_hidden = curves['k'][unannotated & positive]
        k_negative = curves['k'][unannotated & ~positive]
        scalars['k_mean_hidden_positives'] = (
            float(k_hidden.mean()) if hidden.size else float('nan')
        )
        scalars['k_mean_negatives'] = (
            float(k_negative.mean()) if negative.size else float('nan')
        )
        both = np.concatenate([hidden, negative])
        k_all = np.concatenate([k_hidden, k_negative])
        bins = np.clip(np.digitize(both, edges[1:-1]), 0, num_bins - 1)
        k_sum = np.bincount(bins, weights=k_all, minlength=num_bins)
        filled = totals > 0
        gap = np.abs(k_sum[filled] / totals[filled] - rate[filled])
        scalars['k_calibration_error'] = float(
            (gap * totals[filled]).sum() / totals[filled].sum()
        )
        curve_p = np.linspace(0, 1, 101)
        grid = gr_curve_grid(loss, curve_p)
        result.update(
            curve_p=curve_p.tolist(),
            k=grid['k'].tolist(),
            v=grid['v'].tolist(),
        )
    return result
