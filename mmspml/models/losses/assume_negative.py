"""Losses that treat unannotated labels as (weak, smoothed) negatives
(Cole et al., "Multi-Label Learning from Single Positive Labels", CVPR 2021)
and the fully labelled BCE upper bound."""

import torch
from mmpretrain.registry import MODELS

from .base import SPMLLoss
from .spml_utils import soft_target_cross_entropy


@MODELS.register_module()
class AssumeNegativeLoss(SPMLLoss):
    """Assume negative (AN): binary cross-entropy with every unannotated
    entry taken as a negative, i.e. the GR framework with ``k = 0``,
    ``v = 1`` and cross-entropy towards negative.

    Args:
        eps (float): The logs are ``log(p + eps)``, ``log(1 - p + eps)``
            (Cole et al. use 1e-5; 0 gives the exact BCE). Defaults to 1e-5.
        **kwargs: ``loss_weight`` and ``check_finite`` of
            :class:`SPMLLoss`.
    """

    def __init__(self, eps: float = 1e-5, **kwargs):
        super().__init__(**kwargs)
        self.eps = eps

    def entry_loss(self, cls_score, target, sample_idx=None):
        return soft_target_cross_entropy(cls_score, target, self.eps)


@MODELS.register_module()
class FullLabelBCELoss(AssumeNegativeLoss):
    """Binary cross-entropy on FULL labels: the upper bound every SPML table
    reports. The maths is :class:`AssumeNegativeLoss`; what makes it the
    upper bound is the data, so train it on
    ``SinglePositiveDataset(labels='full')`` (as ``configs/full_*.py`` do).
    Arguments as :class:`AssumeNegativeLoss`.
    """


@MODELS.register_module()
class AssumeNegativeLSLoss(SPMLLoss):
    """Assume negative with label smoothing (AN-LS): soft target
    ``1 - eps_ls`` on the observed positive and ``eps_ls`` elsewhere.

    Args:
        smoothing (float): Label smoothing. Defaults to 0.1.
        eps (float): Epsilon inside the logs. Defaults to 1e-5.
        **kwargs: ``loss_weight``, ``check_finite``.
    """

    def __init__(self, smoothing: float = 0.1, eps: float = 1e-5, **kwargs):
        super().__init__(**kwargs)
        self.smoothing = smoothing
        self.eps = eps

    def entry_loss(self, cls_score, target, sample_idx=None):
        soft = target * (1 - self.smoothing) + (1 - target) * self.smoothing
        return soft_target_cross_entropy(cls_score, soft, self.eps)

    def observed_negative_loss(self, cls_score):
        """An observed negative is smoothed as the assumed negatives are:
        ``(1 - smoothing) CE-(p) + smoothing CE+(p)`` (label smoothing
        applies to every target).

        Args:
            cls_score (Tensor): Logits, shape (N, C).

        Returns:
            Tensor: The cost of every entry as an observed negative.
        """
        return soft_target_cross_entropy(
            cls_score, torch.full_like(cls_score, self.smoothing), self.eps
        )


@MODELS.register_module()
class WeakAssumeNegativeLoss(SPMLLoss):
    """Weak assume negative (WAN): AN with the unannotated entries weighted
    by ``1 / (C - 1)``.

    Args:
        eps (float): Epsilon inside the logs. Defaults to 1e-5.
        **kwargs: ``loss_weight``, ``check_finite``.
    """

    def __init__(self, eps: float = 1e-5, **kwargs):
        super().__init__(**kwargs)
        self.eps = eps

    def entry_loss(self, cls_score, target, sample_idx=None):
        num_classes = cls_score.shape[1]
        weight = torch.where(
            target == 1,
            torch.ones_like(target),
            # One class: no unannotated entry to weight.
            torch.full_like(target, 1 / max(num_classes - 1, 1)),
        )
        return weight * soft_target_cross_entropy(cls_score, target, self.eps)
