"""Losses that are robust to missing labels by their shape: entropy
maximisation (Zhou et al., ECCV 2022), Hill and SPLC (Zhang et al., "Simple
and Robust Loss Design for Multi-Label Learning with Missing Labels", 2021).
"""
import torch
from mmpretrain.registry import MODELS

from .base import SPMLLoss
from .spml_utils import (binary_entropy, negative_cross_entropy,
                         positive_cross_entropy)


@MODELS.register_module()
class EntropyMaximizationLoss(SPMLLoss):
    """Entropy maximisation (EM): cross-entropy on the observed positive and
    ``-alpha * H(p)`` on unannotated entries, which pushes them towards
    p = 0.5 instead of assuming them negative.

    Args:
        alpha (float): Weight of the entropy term. Published values: VOC 0.2,
            COCO 0.1, NUS-WIDE 0.1, CUB 0.01. Defaults to 0.1.
        eps (float): Epsilon inside the logs. Defaults to 1e-5.
        **kwargs: ``loss_weight``, ``check_finite``.
    """

    def __init__(self, alpha: float = 0.1, eps: float = 1e-5, **kwargs):
        super().__init__(**kwargs)
        self.alpha = alpha
        self.eps = eps

    def entry_loss(self, cls_score, target, sample_idx=None):
        entropy = binary_entropy(torch.sigmoid(cls_score), self.eps)
        return torch.where(target == 1,
                           positive_cross_entropy(cls_score, self.eps),
                           -self.alpha * entropy)


@MODELS.register_module()
class HillLoss(SPMLLoss):
    """Hill loss: cross-entropy on the observed positive and the hill-shaped
    ``(lamb - p) * p^2`` on unannotated entries, which stops pushing a
    confident (probably missing) positive down.

    Args:
        lamb (float): Hill parameter. Defaults to 1.5.
        **kwargs: ``loss_weight``, ``check_finite``.
    """

    def __init__(self, lamb: float = 1.5, **kwargs):
        super().__init__(**kwargs)
        self.lamb = lamb

    def entry_loss(self, cls_score, target, sample_idx=None):
        prob = torch.sigmoid(cls_score)
        return torch.where(target == 1, positive_cross_entropy(cls_score),
                           (self.lamb - prob) * prob**2)


@MODELS.register_module()
class SPLCLoss(SPMLLoss):
    """Self-paced loss correction (SPLC): focal loss, and from epoch
    ``change_epoch`` on, unannotated entries with ``p > tau`` are trained as
    positives in that step.

    Args:
        tau (float): Confidence above which an unannotated entry is taken as
            positive. Defaults to 0.6.
        gamma (float): Focusing parameter of the focal loss. Defaults to 2.
        change_epoch (int): First (1-based) epoch with corrections; the
            epochs before it are the warm-up. Defaults to 2.
        margin (float): Logit margin subtracted on positives (the SPLC
            paper's focal margin; 0 is the plain focal loss of SPEC 3).
            Defaults to 0.
        **kwargs: ``loss_weight``, ``check_finite``.
    """

    def __init__(self, tau: float = 0.6, gamma: float = 2.0,
                 change_epoch: int = 2, margin: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.tau = tau
        self.gamma = gamma
        self.change_epoch = change_epoch
        self.margin = margin

    def corrected_target(self, cls_score, target):
        """The observed labels plus this step's confident corrections."""
        if self.epoch is None or self.epoch < self.change_epoch:
            return target
        confident = torch.sigmoid(cls_score.detach()) > self.tau
        return torch.where(confident, torch.ones_like(target), target)

    def entry_loss(self, cls_score, target, sample_idx=None):
        target = self.corrected_target(cls_score, target)
        score = torch.where(target == 1, cls_score - self.margin, cls_score)
        prob = torch.sigmoid(score)
        positive = (1 - prob)**self.gamma * positive_cross_entropy(score)
        negative = prob**self.gamma * negative_cross_entropy(score)
        return torch.where(target == 1, positive, negative)
