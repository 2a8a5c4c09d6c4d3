"""Entropy maximisation (EM) and EM with asymmetric pseudo-labelling (APL):
Zhou et al., "Acknowledging the Unknown for Multi-label Learning with Single
Positive Labels", ECCV 2022 (github.com/Correr-Zhou/SPML-AckTheUnknown)."""

import torch
from mmpretrain.registry import MODELS

from .base import SPMLLoss
from .sample_state import SampleStateMixin
from .spml_utils import (
    binary_entropy,
    positive_cross_entropy,
    soft_target_cross_entropy,
)


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
        return torch.where(
            target == 1,
            positive_cross_entropy(cls_score, self.eps),
            -self.alpha * entropy,
        )


@MODELS.register_module()
class EMAPLLoss(SampleStateMixin, EntropyMaximizationLoss):
    """Entropy maximisation with asymmetric pseudo-labelling (EM + APL).

    Like :class:`EntropyMaximizationLoss`, plus: after each epoch
    ``e >= warmup_epoch`` (except the last), the model predicts the whole
    training set in eval mode, and for each class the
    ``int(neg_proportion * U_c / (T - warmup_epoch))`` unannotated entries
    with the lowest p that carry no pseudo-label yet get the soft
    pseudo-label t = p (U_c: unannotated entries of class c, T: epochs).
    Those entries are trained with ``beta * [t CE+ + (1 - t) CE-]`` instead
    of the entropy term. Pseudo-labels are never revised.

    Args:
        alpha (float): Entropy weight: VOC 0.2, COCO 0.1, NUS 0.1, CUB 0.01.
            Defaults to 0.1.
        beta (float): Pseudo-label weight: VOC 0.02, COCO 0.9, NUS 0.2,
            CUB 0.4. Defaults to 0.9.
        warmup_epoch (int): First (1-based) epoch after which pseudo-labels
            are assigned: VOC 5, COCO 5, NUS 4, CUB 3. Defaults to 5.
        neg_proportion (float): Share of the unannotated entries labelled
            over the run. Defaults to 0.9.
        eps (float): Epsilon inside the logs. Defaults to 1e-5.
        **kwargs: ``loss_weight``, ``check_finite``, ``state_device``
            (:class:`SampleStateMixin`).
    """

    needs_epoch = True
    state_names = ('observed', 'pseudo')

    def __init__(
        self,
        alpha: float = 0.1,
        beta: float = 0.9,
        warmup_epoch: int = 5,
        neg_proportion: float = 0.9,
        eps: float = 1e-5,
        **kwargs,
    ):
        super().__init__(alpha=alpha, eps=eps, **kwargs)
        self.beta = beta
        self.warmup_epoch = warmup_epoch
        self.neg_proportion = neg_proportion

    def new_state(self, observed):
        return dict(
            observed=observed.clone(),
            pseudo=torch.full(observed.shape, float('nan')),
        )

    def entry_loss(self, cls_score, target, sample_idx=None):
        loss = super().entry_loss(cls_score, target)
        if sample_idx is None:  # evaluation: no pseudo-labels
            return loss
        pseudo = self.state_rows('pseudo', sample_idx, cls_score.device)
        has_pseudo = ~torch.isnan(pseudo) & (target == 0)
        pseudo_term = self.beta * soft_target_cross_entropy(
            cls_score, torch.nan_to_num(pseudo), self.eps
        )
        return torch.where(has_pseudo, pseudo_term, loss)

    def wants_train_predictions(self) -> bool:
        """Whether the epoch that just ended assigns pseudo-labels."""
        return (
            self.epoch is not None
            and self.max_epochs is not None
            and self.warmup_epoch <= self.epoch < self.max_epochs
        )

    def update_from_predictions(
        self, sample_idx: torch.Tensor, scores: torch.Tensor
    ) -> None:
        """Assign this epoch's pseudo-labels from the training-set
        predictions ``scores`` (rows of ``sample_idx``, all ranks')."""
        state = self.state_on(scores.device)
        sample_idx, scores = self.to_state_device(sample_idx, scores)
        prob = torch.full_like(state['pseudo'], float('nan'))
        prob[sample_idx] = scores.float()
        unannotated = state['observed'] == 0
        candidates = (
            unannotated & torch.isnan(state['pseudo']) & ~torch.isnan(prob)
        )
        per_class = (
            (
                self.neg_proportion
                * unannotated.sum(dim=0).double()
                / (self.max_epochs - self.warmup_epoch)
            )
            .floor()
            .long()
        )
        ranked = torch.where(candidates, prob, torch.full_like(prob, 2.0))
        order = ranked.argsort(dim=0, stable=True)
        for c in range(prob.shape[1]):
            count = min(int(per_class[c]), int(candidates[:, c].sum()))
            rows = order[:count, c]
            state['pseudo'][rows, c] = prob[rows, c]

    def state_summary(self) -> str:
        labelled = (
            (~torch.isnan(self.state['pseudo'])).sum().item()
            if self.state
            else 0
        )
        return f'epoch={self.epoch}, pseudo-labelled entries={labelled}'
