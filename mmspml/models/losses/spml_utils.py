"""Building blocks shared by the SPML losses.

Every loss of the GR framework is, per entry, a soft label k towards
positive, 1 - k towards negative and a weight v on the unannotated entries,
with the observed positive trained by cross-entropy. The pieces below compute
that from the logits, so that no loss rewrites masks or reductions.
"""
import math
from typing import Optional

import torch
import torch.nn.functional as F


def gce_towards_positive(cls_score: torch.Tensor, q: float) -> torch.Tensor:
    """(1 - p^q) / q, computed as ``-expm1(q * logsigmoid(s)) / q``;
    ``q = 0`` gives the cross-entropy ``-log p``."""
    log_p = F.logsigmoid(cls_score)
    return -log_p if q == 0 else -torch.expm1(q * log_p) / q


def gce_towards_negative(cls_score: torch.Tensor, q: float) -> torch.Tensor:
    """(1 - (1-p)^q) / q from the logits; ``q = 0`` gives ``-log(1 - p)``."""
    log_not_p = F.logsigmoid(-cls_score)
    return -log_not_p if q == 0 else -torch.expm1(q * log_not_p) / q


def positive_cross_entropy(cls_score: torch.Tensor,
                           eps: float = 0.) -> torch.Tensor:
    """-log(p + eps) from the logits, as ``-logaddexp(logsigmoid(s),
    log eps)``: finite for any logit, and capped at ``-log eps`` as the
    reference code's ``-log(p + 1e-7)``; ``eps = 0`` gives ``-log p``."""
    log_p = F.logsigmoid(cls_score)
    if eps == 0:
        return -log_p
    return -torch.logaddexp(log_p, torch.full_like(log_p, math.log(eps)))


def negative_cross_entropy(cls_score: torch.Tensor,
                           eps: float = 0.) -> torch.Tensor:
    """-log(1 - p + eps) from the logits (see
    :func:`positive_cross_entropy`)."""
    return positive_cross_entropy(-cls_score, eps)


def soft_target_cross_entropy(cls_score: torch.Tensor, soft_target,
                              eps: float = 0.) -> torch.Tensor:
    """t * CE+ + (1 - t) * CE- per entry, for a soft target t."""
    return (soft_target * positive_cross_entropy(cls_score, eps) +
            (1 - soft_target) * negative_cross_entropy(cls_score, eps))


def binary_entropy(prob: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """H(p) = -p log p - (1 - p) log(1 - p), with ``eps`` inside the logs."""
    return -(prob * torch.log(prob + eps) +
             (1 - prob) * torch.log(1 - prob + eps))


def spml_entry_loss(cls_score: torch.Tensor,
                    target: torch.Tensor,
                    soft_label,
                    weight,
                    q_pos: float,
                    q_neg: float,
                    pos_eps: float = 0.) -> torch.Tensor:
    """Per-entry loss of the GR framework (no reduction).

    Args:
        cls_score (Tensor): Logits, shape (N, C).
        target (Tensor): Observed labels, shape (N, C), 1 = observed positive.
        soft_label (Tensor | float): k, the pull of an unannotated entry
            towards positive.
        weight (Tensor | float): v, the weight of an unannotated entry.
        q_pos (float): q of the GCE loss towards positive.
        q_neg (float): q of the GCE loss towards negative.
        pos_eps (float): The loss of an observed positive is
            ``-log(p + pos_eps)``. Defaults to 0.

    Returns:
        Tensor: Shape (N, C): ``-log(p + pos_eps)`` on observed positives and
        ``v * (k * L_pos + (1 - k) * L_neg)`` elsewhere.
    """
    positive = positive_cross_entropy(cls_score, pos_eps)
    unannotated = weight * (
        soft_label * gce_towards_positive(cls_score, q_pos) +
        (1 - soft_label) * gce_towards_negative(cls_score, q_neg))
    return torch.where(target == 1, positive, unannotated)


def reduce_entry_loss(loss: torch.Tensor,
                      weight: Optional[torch.Tensor] = None,
                      reduction: str = 'mean',
                      avg_factor: Optional[float] = None) -> torch.Tensor:
    """Reduce an (N, C) entry loss.

    ``'mean'`` divides the sum by ``avg_factor * C`` when ``avg_factor`` (the
    number of samples) is given, else by the number of entries: either way
    the mean over entries of the SPML papers.
    """
    if weight is not None:
        weight = weight.float()
        if weight.dim() == 1:
            weight = weight[:, None]
        loss = loss * weight
    if reduction == 'none':
        return loss
    if reduction == 'sum':
        return loss.sum()
    if reduction != 'mean':
        raise ValueError(f"reduction must be 'none', 'mean' or 'sum', got "
                         f'{reduction!r}')
    if avg_factor is None:
        return loss.mean()
    return loss.sum() / (avg_factor * loss.shape[-1])


def check_target(cls_score: torch.Tensor, target: torch.Tensor,
                 name: str) -> None:
    """Raise a clear error when scores and observed labels disagree in
    shape, which is how a class-count mismatch shows up."""
    if cls_score.dim() != 2 or cls_score.shape != target.shape:
        raise ValueError(
            f'{name}: cls_score has shape {tuple(cls_score.shape)} but the '
            f'target has shape {tuple(target.shape)}; both must be '
            '(batch, num_classes). Check that the head\'s num_classes equals '
            "the number of classes in the dataset's metainfo.")
