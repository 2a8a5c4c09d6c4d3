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
    ``q = 0`` gives the cross-entropy ``-log p``.

    Args:
        cls_score (Tensor): Logits s, any shape; ``p = sigmoid(s)``.
        q (float): The GCE exponent, >= 0.

    Returns:
        Tensor: The loss of every entry, the shape of ``cls_score``.
    """
    log_p = F.logsigmoid(cls_score)
    return -log_p if q == 0 else -torch.expm1(q * log_p) / q


def gce_towards_negative(cls_score: torch.Tensor, q: float) -> torch.Tensor:
    """(1 - (1-p)^q) / q from the logits; ``q = 0`` gives ``-log(1 - p)``.

    Args:
        cls_score (Tensor): Logits s, any shape; ``p = sigmoid(s)``.
        q (float): The GCE exponent, >= 0 (1 gives ``p``).

    Returns:
        Tensor: The loss of every entry, the shape of ``cls_score``.
    """
    log_not_p = F.logsigmoid(-cls_score)
    return -log_not_p if q == 0 else -torch.expm1(q * log_not_p) / q


def positive_cross_entropy(
    cls_score: torch.Tensor, eps: float = 0.0
) -> torch.Tensor:
    """-log(p + eps) from the logits, as ``-logaddexp(logsigmoid(s),
    log eps)``: finite for any logit, and capped at ``-log eps`` as the
    reference code's ``-log(p + 1e-7)``; ``eps = 0`` gives ``-log p``.

    Args:
        cls_score (Tensor): Logits s, any shape; ``p = sigmoid(s)``.
        eps (float): Added to p inside the log, > 0 or 0. Defaults to 0.

    Returns:
        Tensor: The loss of every entry, the shape of ``cls_score``.
    """
    log_p = F.logsigmoid(cls_score)
    if eps == 0:
        return -log_p
    return -torch.logaddexp(log_p, torch.full_like(log_p, math.log(eps)))


def negative_cross_entropy(
    cls_score: torch.Tensor, eps: float = 0.0
) -> torch.Tensor:
    """-log(1 - p + eps) from the logits (see
    :func:`positive_cross_entropy`).

    Args:
        cls_score (Tensor): Logits s, any shape; ``p = sigmoid(s)``.
        eps (float): Added to 1 - p inside the log. Defaults to 0.

    Returns:
        Tensor: The loss of every entry, the shape of ``cls_score``.
    """
    return positive_cross_entropy(-cls_score, eps)


def soft_target_cross_entropy(
    cls_score: torch.Tensor, soft_target, eps: float = 0.0
) -> torch.Tensor:
    """t * CE+ + (1 - t) * CE- per entry, for a soft target t.

    Args:
        cls_score (Tensor): Logits, any shape.
        soft_target (Tensor | float): The target t in [0, 1], broadcast
            against ``cls_score`` (the observed labels give the AN loss).
        eps (float): Epsilon inside both logs (see
            :func:`positive_cross_entropy`). Defaults to 0.

    Returns:
        Tensor: The loss of every entry.
    """
    return soft_target * positive_cross_entropy(cls_score, eps) + (
        1 - soft_target
    ) * negative_cross_entropy(cls_score, eps)


def binary_entropy(prob: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """H(p) = -p log p - (1 - p) log(1 - p), with ``eps`` inside the logs.

    Args:
        prob (Tensor): Probabilities p, any shape.
        eps (float): Added inside both logs. Defaults to 1e-5.

    Returns:
        Tensor: H(p), the shape of ``prob``.
    """
    return -(
        prob * torch.log(prob + eps) + (1 - prob) * torch.log(1 - prob + eps)
    )


def spml_entry_loss(
    cls_score: torch.Tensor,
    target: torch.Tensor,
    soft_label,
    weight,
    q_pos: float,
    q_neg: float,
    pos_eps: float = 0.0,
) -> torch.Tensor:
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
        soft_label * gce_towards_positive(cls_score, q_pos)
        + (1 - soft_label) * gce_towards_negative(cls_score, q_neg)
    )
    return torch.where(target == 1, positive, unannotated)


def reduce_entry_loss(
    loss: torch.Tensor,
    weight: Optional[torch.Tensor] = None,
    reduction: str = 'mean',
    avg_factor: Optional[float] = None,
) -> torch.Tensor:
    """Reduce an (N, C) entry loss.

    ``'mean'`` divides the sum by ``avg_factor * C`` when ``avg_factor`` (the
    number of samples) is given, else by the number of entries: either way
    the mean over entries of the SPML papers.

    Args:
        loss (Tensor): The entry loss, shape (N, C).
        weight (Tensor, optional): Element-wise (N, C) or per-sample (N,)
            weight, applied before the reduction. Defaults to None.
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``. Defaults to
            ``'mean'``.
        avg_factor (float, optional): Number of samples the ``'mean'`` is
            taken over. Defaults to None.

    Returns:
        Tensor: The weighted (N, C) loss for ``'none'``, else a scalar.

    Raises:
        ValueError: ``reduction`` is none of the three.
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
        raise ValueError(
            f"reduction must be 'none', 'mean' or 'sum', got {reduction!r}"
        )
    if avg_factor is None:
        return loss.mean()
    return loss.sum() / (avg_factor * loss.shape[-1])


def check_target(
    cls_score: torch.Tensor, target: torch.Tensor, name: str
) -> None:
    """Raise a clear error when scores and observed labels disagree in
    shape, which is how a class-count mismatch shows up.

    Args:
        cls_score (Tensor): Logits, expected shape (N, C).
        target (Tensor): Observed labels, expected the shape of
            ``cls_score``.
        name (str): The loss's name, to start the message with.

    Raises:
        ValueError: ``cls_score`` is not 2-D or ``target`` has another
            shape.
    """
    if cls_score.dim() != 2 or cls_score.shape != target.shape:
        raise ValueError(
            f'{name}: cls_score has shape {tuple(cls_score.shape)} but the '
            f'target has shape {tuple(target.shape)}; both must be '
            "(batch, num_classes). Check that the head's num_classes equals "
            "the number of classes in the dataset's metainfo."
        )
