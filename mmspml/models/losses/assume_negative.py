"""Assume-negative loss: every unannotated label is treated as negative."""
from typing import Optional

import torch
import torch.nn as nn
from mmpretrain.registry import MODELS

from .spml_utils import check_target, reduce_entry_loss, spml_entry_loss


@MODELS.register_module()
class AssumeNegativeLoss(nn.Module):
    """Assume negative (AN): binary cross-entropy with every unannotated
    entry taken as a negative, i.e. the GR framework with ``k = 0``,
    ``v = 1`` and cross-entropy towards negative (Cole et al., CVPR 2021).

    Trained on full labels (``SinglePositiveDataset(labels='full')``) it is
    the fully labelled BCE upper bound. Reduced as :class:`GRLoss`: the mean
    over all N x C entries.

    Args:
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    def __init__(self, loss_weight: float = 1.0):
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self,
                cls_score: torch.Tensor,
                target: torch.Tensor,
                weight: Optional[torch.Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None) -> torch.Tensor:
        """Same arguments as :meth:`GRLoss.forward`."""
        check_target(cls_score, target, type(self).__name__)
        loss = spml_entry_loss(
            cls_score, target, soft_label=0., weight=1., q_pos=0., q_neg=0.)
        return self.loss_weight * reduce_entry_loss(
            loss, weight, reduction_override or 'mean', avg_factor)
