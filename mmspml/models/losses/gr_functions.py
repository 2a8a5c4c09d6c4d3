"""GR's soft pseudo-label k and re-weighting v (Chen et al., IJCAI 2024):
the scheduled functions, and the optional learnable per-class k."""

from typing import Sequence

import torch
import torch.nn as nn


def soft_pseudo_label(prob: torch.Tensor, w: float, b: float) -> torch.Tensor:
    """k(p; beta) = sigmoid(w * p + b): how much an unannotated entry is
    pulled towards positive. The one place GR's k is written; every other
    user (the loss, :meth:`GRLoss.k`, the diagnostics, the plots and the
    benchmarks) calls it.

    Args:
        prob (Tensor): Probabilities p, any shape (detached in the loss).
        w (float): The slope.
        b (float): The offset.

    Returns:
        Tensor: k(p), the shape of ``prob``.
    """
    return torch.sigmoid(w * prob + b)


def reweight(prob: torch.Tensor, mu: float, sigma: float) -> torch.Tensor:
    """v(p; alpha) = exp(-(p - mu)^2 / (2 sigma^2)): the weight of an
    unannotated entry. The one place GR's v is written.

    Args:
        prob (Tensor): Probabilities p, any shape (detached in the loss).
        mu (float): The centre of the bump.
        sigma (float): Its width (> 0).

    Returns:
        Tensor: v(p), the shape of ``prob``.
    """
    return torch.exp(-((prob - mu) ** 2) / (2 * sigma**2))


class LearnableSoftLabel(nn.Module):
    """``k_c(p) = sigmoid(a_c p + d_c)``, one ``(a_c, d_c)`` per class.

    The parameters are ``weight`` (a) and ``bias`` (d). They get a gradient
    from the GR loss through k alone (the probabilities are detached), so
    each class's map moves towards the robust loss that is smaller for its
    unannotated entries.

    Args:
        num_classes (int): Number of classes.
        init (Sequence[float]): ``(a, d)`` at the start. Defaults to
            ``(0, -2)``: k = sigmoid(-2) = 0.119 for every p, as GR's
            scheduled k starts.
    """

    def __init__(self, num_classes: int, init: Sequence[float] = (0.0, -2.0)):
        super().__init__()
        if int(num_classes) < 1:
            raise ValueError(
                f'LearnableSoftLabel: num_classes must be >= 1, got '
                f'{num_classes}'
            )
        self.num_classes = int(num_classes)
        a, d = (float(x) for x in init)
        self.weight = nn.Parameter(torch.full((self.num_classes,), a))
        self.bias = nn.Parameter(torch.full((self.num_classes,), d))

    def forward(self, prob: torch.Tensor) -> torch.Tensor:
        """k of ``prob``.

        Args:
            prob (Tensor): Probabilities whose last dimension is the
                classes; any other last dimension (a grid of p to plot)
                gives the mean over classes of the per-class curves.

        Returns:
            Tensor: k, the shape of ``prob``.
        """
        weight = self.weight.to(prob.dtype)
        bias = self.bias.to(prob.dtype)
        if prob.shape[-1:] == (self.num_classes,):
            return torch.sigmoid(weight * prob + bias)
        return torch.sigmoid(prob.unsqueeze(-1) * weight + bias).mean(-1)

    def extra_repr(self) -> str:
        return f'num_classes={self.num_classes}'
