"""The common frame of the SPML losses: mmpretrain's loss signature, the
mean over entries, the non-finite check and the epoch they may depend on."""
import math
from typing import Optional

import torch
import torch.nn as nn

from .spml_utils import check_target, reduce_entry_loss


class SPMLLoss(nn.Module):
    """Base class of the SPML losses.

    A subclass computes an (N, C) entry loss in :meth:`entry_loss` and,
    optionally, a batch-level term in :meth:`batch_loss` (added after the
    reduction, like EPR's regulariser). The forward follows mmpretrain's
    ``(cls_score, target, weight, avg_factor, reduction_override)`` so heads
    can swap losses freely; ``target`` holds the observed labels (1 = observed
    positive, 0 = unannotated).

    Losses with per-sample state set ``requires_index = True``: the
    :class:`~mmspml.models.heads.SPMLLinearClsHead` then passes ``sample_idx``
    (each sample's index in the training set). Epoch-dependent losses read
    ``self.epoch`` (1-based), set by :meth:`set_epoch` through the
    :class:`~mmspml.engine.hooks.SPMLLossHook`.

    Args:
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        check_finite (bool): Raise a ``FloatingPointError`` that says what
            went wrong when the loss is NaN or inf. Defaults to True.
    """
    requires_index = False

    def __init__(self, loss_weight: float = 1.0, check_finite: bool = True):
        super().__init__()
        self.loss_weight = loss_weight
        self.check_finite = check_finite
        self.epoch: Optional[int] = None
        self.max_epochs: Optional[int] = None

    def set_epoch(self, epoch: int, max_epochs: int) -> None:
        """Record the 1-based ``epoch`` of ``max_epochs`` about to start."""
        self.epoch, self.max_epochs = epoch, max_epochs

    def entry_loss(self, cls_score: torch.Tensor, target: torch.Tensor,
                   sample_idx: Optional[torch.Tensor]) -> torch.Tensor:
        raise NotImplementedError

    def batch_loss(self, cls_score: torch.Tensor, target: torch.Tensor,
                   sample_idx: Optional[torch.Tensor]):
        return None

    def forward(self,
                cls_score: torch.Tensor,
                target: torch.Tensor,
                weight: Optional[torch.Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None,
                sample_idx: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Compute the loss.

        Args:
            cls_score (Tensor): Logits, shape (N, C).
            target (Tensor): Observed labels, shape (N, C): 1 = observed
                positive, 0 = unannotated.
            weight (Tensor, optional): Element-wise (N, C) or per-sample (N,)
                weight. Defaults to None.
            avg_factor (float, optional): Number of samples the loss is
                averaged over (mmpretrain heads pass the batch size); the sum
                is divided by ``avg_factor * C`` so that the default is the
                mean over entries. Defaults to None (plain mean).
            reduction_override (str, optional): ``'none'``, ``'mean'`` or
                ``'sum'``. Defaults to None (``'mean'``).
            sample_idx (Tensor, optional): Training-set index of each sample;
                required by losses with per-sample state.

        Returns:
            Tensor: The loss.
        """
        check_target(cls_score, target, type(self).__name__)
        if self.requires_index and sample_idx is None and self.training:
            raise ValueError(
                f'{type(self).__name__} keeps per-sample state and needs each '
                "sample's index: use head=dict(type='SPMLLinearClsHead', ...) "
                'and a SinglePositiveDataset for training.')
        target = target.float()
        reduction = reduction_override or 'mean'
        loss = reduce_entry_loss(
            self.entry_loss(cls_score, target, sample_idx), weight, reduction,
            avg_factor)
        if reduction != 'none':
            extra = self.batch_loss(cls_score, target, sample_idx)
            if extra is not None:
                loss = loss + extra
        loss = self.loss_weight * loss
        if self.check_finite and loss.dim() == 0 and \
                not math.isfinite(loss.item()):
            raise FloatingPointError(self._non_finite_message(cls_score))
        return loss

    def state_summary(self) -> str:
        """What the loss looks like this epoch, for the training log."""
        return f'epoch={self.epoch}'

    def extra_repr(self) -> str:
        return self.state_summary()

    def _non_finite_message(self, cls_score: torch.Tensor) -> str:
        bad = (~torch.isfinite(cls_score)).sum().item()
        return (f'{type(self).__name__} is not finite at epoch {self.epoch} '
                f'({self.state_summary()}); {bad} of {cls_score.numel()} '
                'logits are NaN or inf, so the model has diverged: lower the '
                'learning rate or clip gradients (optim_wrapper.clip_grad).')
