"""Large loss rejection and correction: Kim et al., "Large Loss Matters in
Weakly Supervised Multi-Label Classification", CVPR 2022
(github.com/snucml/LargeLossMatters)."""

import math

import torch
from mmpretrain.registry import MODELS

from mmspml.utils.dist_utils import gather_rows

from .base import SPMLLoss
from .sample_state import SampleStateMixin
from .spml_utils import positive_cross_entropy, soft_target_cross_entropy


@MODELS.register_module()
class LargeLossLoss(SPMLLoss):
    """The AN loss (exact BCE), except that from epoch 2 on, the unannotated
    entries of the batch with the largest losses -- the top
    ``ceil(N C (e - 1) delta_rel)`` at epoch e for ``'reject'`` and
    ``'correct_temp'``, the top ``ceil(N C delta_rel)`` for
    ``'correct_perm'`` -- are rejected (loss 0), trained as positives for
    this step, or permanently relabelled positive.

    Args:
        mode (str): ``'reject'`` (LL-R), ``'correct_temp'`` (LL-Ct) or
            ``'correct_perm'`` (LL-Cp).
        delta_rel (float): Growth of the modified fraction per epoch, as a
            fraction (0.002 = 0.2%).
        **kwargs: ``loss_weight``, ``check_finite``.
    """

    needs_epoch = True
    modes = ('reject', 'correct_temp', 'correct_perm')

    def __init__(self, mode: str, delta_rel: float, **kwargs):
        super().__init__(**kwargs)
        if mode not in self.modes:
            raise ValueError(
                f'LargeLossLoss: mode must be one of '
                f'{self.modes}, got {mode!r}'
            )
        self.mode = mode
        self.delta_rel = delta_rel

    def num_modified(self, num_entries: int) -> int:
        """How many unannotated entries of the batch this step modifies.

        Args:
            num_entries (int): Number of entries of the batch, N x C.

        Returns:
            int: ``ceil(num_entries * delta_rel * (e - 1))`` at epoch e
            (``ceil(num_entries * delta_rel)`` for ``'correct_perm'``); 0 in
            the first epoch and while the epoch is unset.
        """
        if self.epoch is None or self.epoch < 2:
            return 0
        frac = (
            self.delta_rel
            if self.mode == 'correct_perm'
            else self.delta_rel * (self.epoch - 1)
        )
        return math.ceil(num_entries * frac)

    def large_loss_mask(self, cls_score, target):
        """The AN loss, the unannotated entries this step modifies (loss at
        or above the threshold) and those strictly above it.

        The threshold is the k-th largest AN loss among the unannotated
        entries, k = min(:meth:`num_modified`, their number); ties at it
        are all modified.

        Args:
            cls_score (Tensor): Logits, shape (N, C).
            target (Tensor): Observed labels, shape (N, C): 1 = observed
                positive, 0 = unannotated.

        Returns:
            tuple[Tensor, Tensor, Tensor]: The (N, C) AN loss (exact BCE),
            the (N, C) bool mask of the entries at or above the threshold,
            and the mask of those strictly above it (both all False when
            nothing is modified this step).
        """
        an_loss = soft_target_cross_entropy(cls_score, target)
        unannotated = target == 0
        count = self.num_modified(target.numel())  # from shape and epoch
        if count == 0:
            none = torch.zeros_like(unannotated)
            return an_loss, none, none
        candidate = torch.where(
            unannotated, an_loss.detach(), torch.full_like(an_loss, -1.0)
        )
        largest = candidate.flatten().topk(count).values
        # The k-th largest unannotated loss, k = min(count, #unannotated),
        # picked on the device (no host read, so the loss compiles whole).
        kth = unannotated.sum().clamp(max=count).sub(1).clamp(min=0)
        threshold = largest.gather(0, kth.view(1))
        return (
            an_loss,
            unannotated & (candidate >= threshold),
            unannotated & (candidate > threshold),
        )

    def entry_loss(self, cls_score, target, sample_idx=None):
        an_loss, mask, _ = self.large_loss_mask(cls_score, target)
        if self.mode == 'reject':
            return torch.where(mask, 0.0, an_loss)
        return torch.where(mask, positive_cross_entropy(cls_score), an_loss)

    def state_summary(self) -> str:
        return f'epoch={self.epoch}, mode={self.mode}'


@MODELS.register_module()
class LLRLoss(LargeLossLoss):
    """LL-R: reject the largest unannotated losses.

    Args:
        delta_rel (float): Growth of the rejected fraction per epoch, as a
            fraction. Defaults to 0.002.
        **kwargs: ``loss_weight``, ``check_finite``.
    """

    def __init__(self, delta_rel: float = 0.002, **kwargs):
        super().__init__(mode='reject', delta_rel=delta_rel, **kwargs)


@MODELS.register_module()
class LLCtLoss(LargeLossLoss):
    """LL-Ct: train the largest unannotated losses as positives for one
    step.

    Args:
        delta_rel (float): Growth of the corrected fraction per epoch, as a
            fraction. Defaults to 0.002.
        **kwargs: ``loss_weight``, ``check_finite``.
    """

    def __init__(self, delta_rel: float = 0.002, **kwargs):
        super().__init__(mode='correct_temp', delta_rel=delta_rel, **kwargs)


@MODELS.register_module()
class LLCpLoss(SampleStateMixin, LargeLossLoss):
    """LL-Cp: permanently relabel the unannotated entries with the largest
    losses as positives; they are observed positives from the next batch on
    (for the rest of training, and across a resume).

    The released reference compares strings with ``is``, which makes its
    LL-Cp behave as LL-Ct, and would relabel only the entries strictly above
    the k-th largest loss (none when k = 1, the usual case at batch 8); this
    implements the method as published: the k corrected entries are
    relabelled.

    Args:
        delta_rel (float): Fraction relabelled per batch. Defaults to 0.001.
        strict (bool): Relabel only entries strictly above the threshold, as
            the reference code's selection. Defaults to False.
        **kwargs: ``loss_weight``, ``check_finite``, ``state_device``
            (:class:`SampleStateMixin`).
    """

    state_names = ('flipped',)

    def __init__(
        self, delta_rel: float = 0.001, strict: bool = False, **kwargs
    ):
        super().__init__(mode='correct_perm', delta_rel=delta_rel, **kwargs)
        self.strict = strict
        self._pending = None

    def new_state(self, observed):
        return dict(flipped=torch.zeros(observed.shape))

    def entry_loss(self, cls_score, target, sample_idx=None):
        if sample_idx is not None:
            flipped = self.state_rows('flipped', sample_idx, cls_score.device)
            target = torch.where(flipped > 0, torch.ones_like(target), target)
        an_loss, mask, above = self.large_loss_mask(cls_score, target)
        if sample_idx is not None and self.training:
            rows, cols = (above if self.strict else mask).nonzero(
                as_tuple=True
            )
            self._pending = (sample_idx[rows], cols)
        return torch.where(mask, positive_cross_entropy(cls_score), an_loss)

    def step_state(self) -> None:
        """Record this step's relabellings on every rank."""
        if self._pending is None:
            return
        rows, cols = self._pending
        self._pending = None
        rows, cols = self.to_state_device(*gather_rows(rows, cols))
        self.state_on(rows.device)['flipped'][rows, cols] = 1.0

    def state_summary(self) -> str:
        flipped = int(self.state['flipped'].sum()) if self.state else 0
        return f'epoch={self.epoch}, relabelled entries={flipped}'
