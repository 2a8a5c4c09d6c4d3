"""Generalized Robust Loss for single-positive multi-label learning.

Chen et al., "Boosting Single Positive Multi-label Classification with
Generalized Robust Loss", IJCAI 2024 (https://arxiv.org/abs/2405.03501).
"""

from typing import Optional, Sequence

import torch
from mmpretrain.registry import MODELS

from .base import SPMLLoss
from .gr_functions import LearnableSoftLabel, reweight, soft_pseudo_label
from .spml_utils import spml_entry_loss


def gr_loss(
    cls_score: torch.Tensor,
    target: torch.Tensor,
    w: float,
    b: float,
    mu: float,
    sigma: float,
    q_pos: float = 0.01,
    q_neg: float = 1.0,
    pos_eps: float = 1e-7,
) -> torch.Tensor:
    """Element-wise GR loss (no reduction).

    ``k`` and ``v`` are computed on detached probabilities, so the gradient
    reaches the logits only through the three robust losses.

    Args:
        cls_score (Tensor): Logits of shape (N, C).
        target (Tensor): Observed labels of shape (N, C); 1 marks the observed
            positive, 0 an unannotated entry.
        w (float): Slope of the soft pseudo-label k.
        b (float): Offset of the soft pseudo-label k.
        mu (float): Centre of the re-weighting v.
        sigma (float): Width of the re-weighting v.
        q_pos (float): q2 of the GCE loss towards positive. Defaults to 0.01.
        q_neg (float): q3 of the GCE loss towards negative. Defaults to 1.
        pos_eps (float): Observed positives cost ``-log(p + pos_eps)``.
            Defaults to 1e-7 (the reference code).

    Returns:
        Tensor: The loss of every entry, shape (N, C).
    """
    prob = torch.sigmoid(cls_score.detach())
    return spml_entry_loss(
        cls_score,
        target,
        soft_label=soft_pseudo_label(prob, w, b),
        weight=reweight(prob, mu, sigma),
        q_pos=q_pos,
        q_neg=q_neg,
        pos_eps=pos_eps,
    )


def _interpolate(start: float, end: float, frac: float) -> float:
    return start + (end - start) * frac


@MODELS.register_module()
class GRLoss(SPMLLoss):
    """Generalized Robust (GR) loss for single-positive multi-label learning.

    Per entry, with ``p = sigmoid(s)``::

        observed positive:  -log(p + 1e-7)
        unannotated:        v(p) * (k(p) * L2(p) + (1 - k(p)) * L3(p))

    with ``L2 = (1 - p^q_pos) / q_pos`` and ``L3 = (1 - (1-p)^q_neg) / q_neg``
    all computed from the logits (no NaN or inf for any finite logit). The
    loss is the mean over all N x C entries, positives included, times
    ``loss_weight``.

    ``k = sigmoid(w p + b)`` and ``v = exp(-(p - mu)^2 / (2 sigma^2))`` move
    with the epoch: call :meth:`set_epoch` before each training epoch (the
    :class:`~mmspml.engine.hooks.LossEpochHook` does). Until it is first called
    the start values ``w0, b0, mu0, sigma0`` are used.

    Args:
        beta (Sequence[float]): ``[w0, wT, b0, bT]``, start and end values of
            the soft pseudo-label parameters. Defaults to ``[0, 2, -2, -2]``.
        alpha (Sequence[float]): ``[mu0, sigma0, muT, sigmaT]`` (the reference
            code's order), start and end values of the re-weighting.
            Defaults to ``[0.5, 2, 0.8, 0.5]``.
        q_pos (float): q2 of the GCE loss towards positive (0 gives
            ``-log p``). Defaults to 0.01.
        q_neg (float): q3 of the GCE loss towards negative (1 gives ``p``,
            0 gives ``-log(1 - p)``). Defaults to 1.
        pos_eps (float): Observed positives cost ``-log(p + pos_eps)``; 0
            gives the uncapped ``-log p``. Defaults to 1e-7 (the reference
            code).
        linear_init (int): Number of warm-up epochs during which the backbone
            is frozen (done by ``LinearInitHook``; ``docs/gr_loss.md``); the
            schedules start after them. Defaults to 0.
        schedule (str): ``'reference'`` reproduces the reference code,
            where beta lags alpha by one epoch and never reaches its end value
            (the published numbers used it). ``'exact'`` moves both linearly
            from their start values in the first epoch after the warm-up to
            their end values in the last epoch. Defaults to ``'reference'``.
        observed_negatives (str): What an observed negative (target -1)
            costs: ``'loss'`` gives ``-log(1 - p + pos_eps)``, as an
            observed positive costs ``-log(p + pos_eps)``; ``'ignore'``
            gives 0, as the reference code's masks do (it never sees one
            with single positives, so published numbers do not depend on
            it). Defaults to ``'loss'``.
        learnable_k (bool): Replace the scheduled k by GR's learnable
            per-class mapping ``k_c(p) = sigmoid(a_c p + d_c)``
            (:class:`LearnableSoftLabel`, the submodule ``k_map``), trained
            on the same loss (``docs/gr_loss.md``); beta's schedule is then
            unused. Give it its own optimizer with the optimizer
            constructor's ``own_optimizers`` (prefix
            ``'head.loss_module.k_map.'``; the paper's SGD, lr 0.1,
            momentum 0.9, weight decay 1e-3). Defaults to False.
        num_classes (int, optional): Number of classes of the learnable k;
            :class:`~mmspml.models.heads.SPMLLinearClsHead` passes its own
            (:meth:`set_num_classes`). Defaults to None.
        k_init (Sequence[float]): ``(a, d)`` at the start. Defaults to
            ``(0, -2)``, k = 0.119 everywhere, as beta's start values.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        check_finite (bool): See :class:`SPMLLoss`. Defaults to False.
    """

    needs_epoch = True

    def __init__(
        self,
        beta: Sequence[float] = (0.0, 2.0, -2.0, -2.0),
        alpha: Sequence[float] = (0.5, 2.0, 0.8, 0.5),
        q_pos: float = 0.01,
        q_neg: float = 1.0,
        pos_eps: float = 1e-7,
        linear_init: int = 0,
        schedule: str = 'reference',
        observed_negatives: str = 'loss',
        learnable_k: bool = False,
        num_classes: Optional[int] = None,
        k_init: Sequence[float] = (0.0, -2.0),
        loss_weight: float = 1.0,
        check_finite: bool = False,
    ):
        super().__init__(loss_weight, check_finite)
        self.learnable_k = bool(learnable_k)
        self.k_init = tuple(float(x) for x in k_init)
        self.num_classes = None
        if self.learnable_k and num_classes is not None:
            self.set_num_classes(num_classes)
        if len(beta) != 4 or len(alpha) != 4:
            raise ValueError(
                'GRLoss: beta must be [w0, wT, b0, bT] and alpha '
                f'[mu0, sigma0, muT, sigmaT]; got beta={beta}, '
                f'alpha={alpha}'
            )
        if observed_negatives not in ('loss', 'ignore'):
            raise ValueError(
                "GRLoss: observed_negatives must be 'loss' or 'ignore', "
                f'got {observed_negatives!r}'
            )
        self.observed_negatives = observed_negatives
        if schedule not in ('reference', 'exact'):
            raise ValueError(
                "GRLoss: schedule must be 'reference' or "
                f"'exact', got {schedule!r}"
            )
        if min(alpha[1], alpha[3]) <= 0:
            raise ValueError(
                f'GRLoss: sigma0 and sigmaT must be > 0, got alpha={alpha}'
            )
        if q_pos < 0 or q_neg < 0:
            raise ValueError(
                f'GRLoss: q_pos and q_neg must be >= 0, got {q_pos}, {q_neg}'
            )
        self.beta = [float(x) for x in beta]
        self.alpha = [float(x) for x in alpha]
        self.q_pos = float(q_pos)
        self.q_neg = float(q_neg)
        self.pos_eps = float(pos_eps)
        self.linear_init = int(linear_init)
        self.schedule = schedule
        self.w, self.b = self.beta[0], self.beta[2]
        self.mu, self.sigma = self.alpha[0], self.alpha[1]

    def schedule_fractions(self, epoch: int, max_epochs: int):
        """Fractions of the way from start to end values for (beta, alpha)
        at the 1-based ``epoch`` of ``max_epochs`` (``docs/gr_loss.md``).

        Both are 0 during the ``linear_init`` warm-up epochs. With the
        ``'exact'`` schedule both reach 1 at the last epoch; with
        ``'reference'`` alpha's does, and beta's stays one epoch behind.

        Args:
            epoch (int): The 1-based epoch about to start.
            max_epochs (int): The number of training epochs, warm-up
                included.

        Returns:
            tuple[float, float]: The fractions of beta (k's ``w`` and ``b``)
            and of alpha (v's ``mu`` and ``sigma``), each in [0, 1].

        Raises:
            ValueError: ``max_epochs`` does not exceed ``linear_init``.
        """
        n = self.linear_init
        if max_epochs <= n:
            raise ValueError(
                f'GRLoss: max_epochs ({max_epochs}) must exceed '
                f'linear_init ({n})'
            )
        if self.schedule == 'reference':
            frac_beta = max(epoch - n - 1, 0) / (max_epochs - n)
            frac_alpha = max(epoch - n, 0) / (max_epochs - n)
            return frac_beta, frac_alpha
        span = max_epochs - n - 1
        frac = 1.0 if span == 0 else min(max(epoch - n - 1, 0) / span, 1.0)
        return frac, frac

    def set_num_classes(self, num_classes: int) -> None:
        """Create the learnable k, :attr:`k_map` (a
        :class:`LearnableSoftLabel`), once; no-op without ``learnable_k``.

        Args:
            num_classes (int): The number of classes.

        Raises:
            ValueError: ``num_classes`` differs from the one the parameters
                were created for.
        """
        if not self.learnable_k:
            return
        if self.num_classes is not None:
            if int(num_classes) != self.num_classes:
                raise ValueError(
                    f'GRLoss: learnable k has {self.num_classes} classes, '
                    f'the head {num_classes}'
                )
            return
        self.num_classes = int(num_classes)
        self.k_map = LearnableSoftLabel(self.num_classes, self.k_init)

    def _require_k_map(self) -> LearnableSoftLabel:
        if self.num_classes is None:
            raise RuntimeError(
                'GRLoss(learnable_k=True) has no num_classes: pass '
                'num_classes, or use it in SPMLLinearClsHead, which does'
            )
        return self.k_map

    def _learned_k(self, prob: torch.Tensor) -> torch.Tensor:
        return self._require_k_map()(prob)

    def set_epoch(self, epoch: int, max_epochs: int) -> None:
        """Set w, b, mu, sigma for the 1-based ``epoch`` of ``max_epochs``."""
        frac_beta, frac_alpha = self.schedule_fractions(epoch, max_epochs)
        w0, wT, b0, bT = self.beta
        mu0, sigma0, muT, sigmaT = self.alpha
        super().set_epoch(epoch, max_epochs)
        self.w = _interpolate(w0, wT, frac_beta)
        self.b = _interpolate(b0, bT, frac_beta)
        self.mu = _interpolate(mu0, muT, frac_alpha)
        self.sigma = _interpolate(sigma0, sigmaT, frac_alpha)

    def k(self, prob: torch.Tensor) -> torch.Tensor:
        """The soft pseudo-label at the current epoch's ``w`` and ``b``.

        Args:
            prob (Tensor): Probabilities, any shape; with ``learnable_k``
                the last dimension must be the classes (N x C), as each
                class has its own k.

        Returns:
            Tensor: :func:`soft_pseudo_label` of ``prob``, or
            :attr:`k_map`'s (detached) with ``learnable_k``.
        """
        if self.learnable_k:
            return self._learned_k(prob).detach()
        return soft_pseudo_label(prob, self.w, self.b)

    def k_curve(self, grid: torch.Tensor) -> torch.Tensor:
        """k over a grid of p, to draw: :meth:`k`, or with ``learnable_k``
        the mean over classes of the learned curves.

        Args:
            grid (Tensor): Probabilities, any shape.

        Returns:
            Tensor: k at each p of ``grid`` (detached).
        """
        if self.learnable_k:
            return self._require_k_map().mean_curve(grid).detach()
        return soft_pseudo_label(grid, self.w, self.b)

    def v(self, prob: torch.Tensor) -> torch.Tensor:
        """The re-weighting at the current epoch's ``mu`` and ``sigma``.

        Args:
            prob (Tensor): Probabilities, any shape.

        Returns:
            Tensor: :func:`reweight` of ``prob``.
        """
        return reweight(prob, self.mu, self.sigma)

    def entry_loss(self, cls_score, target, sample_idx=None):
        if self.learnable_k:
            prob = torch.sigmoid(cls_score.detach())
            return spml_entry_loss(
                cls_score,
                target,
                soft_label=self._learned_k(prob),
                weight=self.v(prob),
                q_pos=self.q_pos,
                q_neg=self.q_neg,
                pos_eps=self.pos_eps,
            )
        return gr_loss(
            cls_score,
            target,
            self.w,
            self.b,
            self.mu,
            self.sigma,
            self.q_pos,
            self.q_neg,
            self.pos_eps,
        )

    def state_summary(self) -> str:
        if self.learnable_k and self.num_classes is not None:
            k = (
                f'learned k: a mean={self.k_map.weight.mean().item():.4f}, '
                f'd mean={self.k_map.bias.mean().item():.4f}'
            )
        else:
            k = f'w={self.w:.4f}, b={self.b:.4f}'
        return (
            f'epoch={self.epoch}, {k}, '
            f'mu={self.mu:.4f}, sigma={self.sigma:.4f}'
        )

    def extra_repr(self) -> str:
        return (
            f'beta={self.beta}, alpha={self.alpha}, q_pos={self.q_pos}, '
            f'q_neg={self.q_neg}, linear_init={self.linear_init}, '
            f'schedule={self.schedule!r}, {self.state_summary()}'
        )
