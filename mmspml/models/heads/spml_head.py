"""A multi-label head that tells stateful SPML losses which samples they
see."""
from typing import List, Tuple

import torch
from mmpretrain.models.heads import MultiLabelLinearClsHead
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from mmspml.models.losses import SPMLLoss


@MODELS.register_module()
class SPMLLinearClsHead(MultiLabelLinearClsHead):
    """:class:`mmpretrain.models.heads.MultiLabelLinearClsHead` that passes
    ``sample_idx`` (each sample's index in the training set, set by
    :class:`~mmspml.datasets.SinglePositiveDataset`) to an
    :class:`~mmspml.models.losses.SPMLLoss` with ``requires_index = True``
    (ROLE, EM + APL, LL-Cp). Other losses are called exactly as by the
    parent class. Arguments are the parent's.
    """

    def loss(self, feats: Tuple[torch.Tensor],
             data_samples: List[DataSample], **kwargs) -> dict:
        """The parent's losses, with ``sample_idx`` passed to a loss that
        needs it.

        Args:
            feats (tuple[Tensor]): The neck's features; the last is
                classified.
            data_samples (list[DataSample]): The training samples.
            **kwargs: Passed on to the loss module.

        Returns:
            dict[str, Tensor]: ``{'loss': ...}``, as the parent's.
        """
        if isinstance(self.loss_module, SPMLLoss) and \
                self.loss_module.requires_index:
            missing = [i for i, s in enumerate(data_samples)
                       if 'sample_idx' not in s]
            if missing:
                raise KeyError('SPMLLinearClsHead: training samples carry no '
                               'sample_idx; wrap the training set in a '
                               'SinglePositiveDataset.')
            kwargs['sample_idx'] = torch.tensor(
                [s.sample_idx for s in data_samples],
                device=feats[-1].device)
        return super().loss(feats, data_samples, **kwargs)
