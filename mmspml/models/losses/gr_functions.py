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
        """k of ``prob``, class by class.

        Args:
            prob (Tensor): Probabilities whose last dimension is the
                classes (N x C, or C). The parameters follow its device
                and dtype.

        Returns:
            Tensor: k, the shape of ``prob``.

        Raises:
            ValueError: The last dimension of ``prob`` is not the number
                of classes (for a grid of p, use :meth:`mean_curve`).
        """
        if prob.shape[-1:] != (self.num_classes,):
            raise ValueError(
                f'LearnableSoftLabel: the last dimension of prob must be '
                f'the {self.num_classes} classes, got shape '
                f'{tuple(prob.shape)}; for a curve over a grid of p use '
                f'mean_curve()'
            )
        weight = self.weight.to(device=prob.device, dtype=prob.dtype)
        bias = self.bias.to(device=prob.device, dtype=prob.dtype)
        return torch.sigmoid(weight * prob + bias)

    def mean_curve(self, grid: torch.Tensor) -> torch.Tensor:
        """The mean over classes of the per-class k at each p of ``grid``:
        one curve to draw.

        Args:
            grid (Tensor): Probabilities, any shape.

        Returns:
            Tensor: The class-mean k, the shape of ``grid``.
        """
        weight = self.weight.to(device=grid.device, dtype=grid.dtype)
        bias = self.bias.to(device=grid.device, dtype=grid.dtype)
        return torch.sigmoid(grid.unsqueeze(-1) * weight + bias).mean(-1)

    def extra_repr(self) -> str:
        return f'num_classes={self.num_classes}'
