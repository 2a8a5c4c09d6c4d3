"""Losses robust to missing labels by their shape: Hill and SPLC (Zhang et
al., "Simple and Robust Loss Design for Multi-Label Learning with Missing
Labels", 2021; github.com/xinyu1205/robust-loss-mlml)."""

import torch
from mmpretrain.registry import MODELS

from .base import SPMLLoss
from .spml_utils import negative_cross_entropy, positive_cross_entropy


@MODELS.register_module()
class HillLoss(SPMLLoss):
    """Hill loss as the GR reference code uses it: cross-entropy on the
    observed positive and the hill-shaped ``(lamb - p) * p^2`` on
    unannotated entries, which stops pushing a confident (probably missing)
    positive down.

    This is the simplified form of the GR paper's comparison, not Zhang et
    al.'s released Hill loss, which also puts a focal margin on the
    positives (see ``docs/faithfulness.md``).

    Args:
        lamb (float): Hill parameter. Defaults to 1.5.
        **kwargs: ``loss_weight``, ``check_finite``.
    """

    def __init__(self, lamb: float = 1.5, **kwargs):
        super().__init__(**kwargs)
        self.lamb = lamb

    def entry_loss(self, cls_score, target, sample_idx=None):
        prob = torch.sigmoid(cls_score)
        return torch.where(
            target == 1,
            positive_cross_entropy(cls_score),
            (self.lamb - prob) * prob**2,
        )


@MODELS.register_module()
class SPLCLoss(SPMLLoss):
    """Self-paced loss correction (SPLC): focal loss, and from epoch
    ``change_epoch`` on, unannotated entries with ``p > tau`` are trained as
    positives in that step.

    With ``margin != 0`` the order is the original code's: the margin is
    subtracted from the observed positives' logits first, then the
    correction is made (on the shifted logits, which leaves unannotated
    entries unchanged), and corrected entries get no margin.

    Args:
        tau (float): Confidence above which an unannotated entry is taken as
            positive. Defaults to 0.6.
        gamma (float): Focusing parameter of the focal loss. Defaults to 2.
        change_epoch (int): First (1-based) epoch with corrections; the
            epochs before it are the warm-up. Defaults to 2.
        margin (float): Logit margin subtracted on observed positives (the
            SPLC paper's focal margin uses 1.0; 0 is the plain focal loss
            the GR paper compares with). Defaults to 0.
        **kwargs: ``loss_weight``, ``check_finite``.
    """

    needs_epoch = True
    # An observed negative gets the focal negative term, as every negative
    # of the SPLC paper does (and is never corrected to positive).
    handles_observed_negatives = True

    def __init__(
        self,
        tau: float = 0.6,
        gamma: float = 2.0,
        change_epoch: int = 2,
        margin: float = 0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.tau = tau
        self.gamma = gamma
        self.change_epoch = change_epoch
        self.margin = margin

    def corrected_target(self, score, target):
        """The observed labels plus this step's confident corrections, for
        the (already margin-shifted) logits ``score``.

        Args:
            score (Tensor): Logits, shape (N, C), with the margin already
                subtracted on the observed positives.
            target (Tensor): Observed labels, shape (N, C): 1 = observed
                positive, 0 = unannotated.

        Returns:
            Tensor: ``target`` with every entry of ``p > tau`` set to 1;
            ``target`` itself before epoch ``change_epoch`` (or while the
            epoch is unset).
        """
        if self.epoch is None or self.epoch < self.change_epoch:
            return target
        # Only unannotated entries are corrected; observed negatives are
        # verified.
        confident = (torch.sigmoid(score.detach()) > self.tau) & (target == 0)
        return torch.where(confident, torch.ones_like(target), target)

    def entry_loss(self, cls_score, target, sample_idx=None):
        score = torch.where(target == 1, cls_score - self.margin, cls_score)
        target = self.corrected_target(score, target)
        prob = torch.sigmoid(score)
        positive = (1 - prob) ** self.gamma * positive_cross_entropy(score)
        negative = prob**self.gamma * negative_cross_entropy(score)
        return torch.where(target == 1, positive, negative)
